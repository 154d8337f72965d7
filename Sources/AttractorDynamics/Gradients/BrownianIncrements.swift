import AttractorNumerics

/// The Brownian increments `ΔW_i = W(t_{i+1}) − W(t_i)` of a fixed time grid, produced
/// on demand so the same path can be replayed forward and backward without storing it.
///
/// `seeded` derives step `i`'s increments from `mix(seed, i)`, so any step can be
/// regenerated in any order in O(count) time and O(1) memory. Any other source (e.g. the
/// solver core's `BrownianPath` queried at `t_i`, `t_{i+1}`) plugs in through `init`.
public struct BrownianIncrements<Scalar: AttractorNumerics.Scalar>: Sendable {
    /// Increments per step (`rows × dimension` for diagonal noise, `rows` for scalar noise).
    public let count: Int
    private let body: @Sendable (Int, Scalar, Scalar, UnsafeMutablePointer<Scalar>) -> Void

    /// `fill(step, t, h, buffer)` writes step `step`'s `count` increments over `[t, t + h]`.
    public init(count: Int, fill: @escaping @Sendable (Int, Scalar, Scalar, UnsafeMutablePointer<Scalar>) -> Void) {
        self.count = count
        self.body = fill
    }

    /// Writes the increments of step `step` (over `[t, t + h]`, `h > 0`) into `buffer`.
    public func fill(step: Int, t: Scalar, h: Scalar, into buffer: UnsafeMutablePointer<Scalar>) {
        body(step, t, h, buffer)
    }

    /// Independent N(0, h) increments, step `i` drawn from `RandomSource(seed: mix(seed, i))`.
    public static func seeded(_ seed: UInt64, count: Int) -> BrownianIncrements {
        BrownianIncrements(count: count) { step, _, h, buffer in
            let rng = RandomSource(seed: RandomSource.mix(seed, UInt64(step)))
            let scale = Double(h).squareRoot()
            for i in 0..<count { buffer[i] = Scalar(rng.gaussian() * scale) }
        }
    }

    /// `W(t0 + steps·h) − W(t0)`: the sum of the first `steps` increments.
    public func total(steps: Int, t0: Scalar, h: Scalar) -> [Scalar] {
        var sum = [Scalar](repeating: 0, count: count), dw = sum
        for i in 0..<steps {
            dw.withUnsafeMutableBufferPointer { fill(step: i, t: t0 + Scalar(i) * h, h: h, into: $0.baseAddress!) }
            for j in 0..<count { sum[j] += dw[j] }
        }
        return sum
    }
}
