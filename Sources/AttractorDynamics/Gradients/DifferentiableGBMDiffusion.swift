import AttractorNumerics

/// The diffusion `g(z) = σ z` (diagonal noise) of geometric Brownian motion, with its
/// vector–Jacobian product and Itô correction `½ g ∂g/∂z = ½ σ² z`. Parameter: `sigma [1]`.
public struct DifferentiableGBMDiffusion<Scalar: AttractorNumerics.Scalar>: DifferentiableNoiseField {
    public let dimension: Int
    public let parameterLayout = ParameterLayout([("sigma", [1])])
    public var parameters: [Scalar]
    public var noiseKind: NoiseKind { .diagonal }

    public init(sigma: Scalar, dimension: Int = 1) {
        self.dimension = dimension
        parameters = [sigma]
    }

    public func diffusion(
        t: Scalar, state: UnsafePointer<Scalar>, diffusion: UnsafeMutablePointer<Scalar>, rows: RowSelection
    ) {
        let sigma = parameters[0]
        for i in 0..<(rows.count * dimension) { diffusion[i] = sigma * state[i] }
    }

    public func diffusionDerivative(
        t: Scalar, state: UnsafePointer<Scalar>, derivative: UnsafeMutablePointer<Scalar>, rows: RowSelection
    ) -> Bool {
        derivative.update(repeating: parameters[0], count: rows.count * dimension)
        return true
    }

    public func diffusionVectorJacobianProduct(
        t: Scalar, state: UnsafePointer<Scalar>, cotangent: UnsafePointer<Scalar>,
        stateCotangent: UnsafeMutablePointer<Scalar>, parameterGradient: UnsafeMutablePointer<Scalar>?,
        rows: RowSelection
    ) {
        let sigma = parameters[0], n = rows.count * dimension
        var gs: Scalar = 0
        for i in 0..<n { stateCotangent[i] = sigma * cotangent[i]; gs += cotangent[i] * state[i] }
        parameterGradient?[0] += gs
    }

    public func itoCorrection(
        t: Scalar, state: UnsafePointer<Scalar>, cotangent: UnsafePointer<Scalar>,
        correction: UnsafeMutablePointer<Scalar>?,
        stateCotangent: UnsafeMutablePointer<Scalar>, parameterGradient: UnsafeMutablePointer<Scalar>?,
        rows: RowSelection
    ) -> Bool {
        let sigma = parameters[0], n = rows.count * dimension
        let half = sigma * sigma / 2
        var gs: Scalar = 0
        for i in 0..<n {
            correction?[i] = half * state[i]
            stateCotangent[i] = half * cotangent[i]
            gs += sigma * cotangent[i] * state[i]
        }
        parameterGradient?[0] += gs
        return true
    }
}
