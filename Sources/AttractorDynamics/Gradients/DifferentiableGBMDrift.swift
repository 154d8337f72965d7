import AttractorNumerics

/// The drift `f(z) = μ z` of geometric Brownian motion `dX = μX dt + σX dW`, with its
/// vector–Jacobian product. Parameter: `mu [1]`.
public struct DifferentiableGBMDrift<Scalar: AttractorNumerics.Scalar>: DifferentiableVectorField {
    public let dimension: Int
    public let parameterLayout = ParameterLayout([("mu", [1])])
    public var parameters: [Scalar]
    public var isAutonomous: Bool { true }

    public init(mu: Scalar, dimension: Int = 1) {
        self.dimension = dimension
        parameters = [mu]
    }

    public func evaluate(
        t: Scalar, state: UnsafePointer<Scalar>, derivative: UnsafeMutablePointer<Scalar>, rows: RowSelection
    ) {
        let mu = parameters[0]
        for i in 0..<(rows.count * dimension) { derivative[i] = mu * state[i] }
    }

    public func vectorJacobianProduct(
        t: Scalar, state: UnsafePointer<Scalar>, cotangent: UnsafePointer<Scalar>,
        stateCotangent: UnsafeMutablePointer<Scalar>, parameterGradient: UnsafeMutablePointer<Scalar>?,
        rows: RowSelection
    ) {
        let mu = parameters[0], n = rows.count * dimension
        var gmu: Scalar = 0
        for i in 0..<n { stateCotangent[i] = mu * cotangent[i]; gmu += cotangent[i] * state[i] }
        parameterGradient?[0] += gmu
    }
}
