import AttractorNumerics

/// Seeded parameter initialisation: LeCun normal and truncated normal.
public enum Initializer {
    /// Standard deviation of a standard normal truncated to `[-2, 2]` (≈ 0.8796), used to
    /// rescale truncated samples to the requested standard deviation.
    public static let truncatedUnitStandardDeviation: Double = {
        let a = 2.0
        let phi = Double.exp(-a * a / 2) / Double.sqrt(2 * Double.pi)
        let mass = Double.erf(a / Double.sqrt(2))
        return Double.sqrt(1 - 2 * a * phi / mass)
    }()

    /// One sample of `N(0,1)` conditioned on `|z| ≤ 2` (rejection; accepts 95.4%).
    @inline(__always)
    public static func truncatedStandardNormal(_ random: RandomSource) -> Double {
        while true {
            let z = random.gaussian()
            if Swift.abs(z) <= 2 { return z }
        }
    }

    /// Fills `buffer` according to `initializer`.
    public static func fill<T: Scalar>(_ buffer: UnsafeMutableBufferPointer<T>,
                                       with initializer: ParameterInitializer, random: RandomSource) {
        switch initializer {
        case .zeros:
            buffer.update(repeating: 0)
        case .ones:
            buffer.update(repeating: 1)
        case .lecunNormal(let fanIn):
            random.fillGaussian(buffer, sigma: 1 / Double.sqrt(Double(Swift.max(1, fanIn))))
        case .truncatedNormal(let std):
            fillTruncated(buffer, std: std, random: random)
        case .truncatedLecunNormal(let fanIn):
            fillTruncated(buffer, std: 1 / Double.sqrt(Double(Swift.max(1, fanIn))), random: random)
        case .uniformFanIn(let fanIn):
            let bound = 1 / Double.sqrt(Double(Swift.max(1, fanIn)))
            for i in buffer.indices { buffer[i] = T((2 * random.uniform() - 1) * bound) }
        }
    }

    private static func fillTruncated<T: Scalar>(_ buffer: UnsafeMutableBufferPointer<T>, std: Double,
                                                 random: RandomSource) {
        let scale = std / truncatedUnitStandardDeviation
        for i in buffer.indices { buffer[i] = T(truncatedStandardNormal(random) * scale) }
    }
}
