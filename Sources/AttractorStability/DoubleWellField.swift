import AttractorDynamics
import AttractorNumerics

/// `dz_i/dt = z_i − z_i³` per component: the gradient flow of the double well
/// `V(z) = Σ (z_i⁴/4 − z_i²/2)`, with `2^D` stable equilibria `z ∈ {−1, +1}^D`
/// (`J_f = −2I` there) and unstable ones wherever a component is 0. A system with known
/// basins: for `D = 1` two stable fixed points, the sign of `z₀` picks the basin.
/// No parameters.
/// - Complexity: `O(rows · D)` per evaluation and per VJP.
public struct DoubleWellField<Scalar: AttractorNumerics.Scalar>: DifferentiableVectorField {
    public let dimension: Int
    public var isAutonomous: Bool { true }
    public let parameterLayout = ParameterLayout([])
    public var parameters: [Scalar] = []

    public init(dimension: Int) { self.dimension = dimension }

    public func evaluate(t: Scalar, state: UnsafePointer<Scalar>, derivative: UnsafeMutablePointer<Scalar>, rows: RowSelection) {
        for e in 0..<(rows.count * dimension) { let z = state[e]; derivative[e] = z - z * z * z }
    }

    public func vectorJacobianProduct(
        t: Scalar, state: UnsafePointer<Scalar>, cotangent: UnsafePointer<Scalar>,
        stateCotangent: UnsafeMutablePointer<Scalar>, parameterGradient: UnsafeMutablePointer<Scalar>?, rows: RowSelection
    ) {
        for e in 0..<(rows.count * dimension) { let z = state[e]; stateCotangent[e] = cotangent[e] * (1 - 3 * z * z) }
    }
}
