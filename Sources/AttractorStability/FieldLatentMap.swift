import AttractorDynamics
import AttractorNumerics

/// The latent map of a continuous model `dz/dt = f(z)`: one explicit Euler step,
/// `F(z) = z + h·f(0, z)` (default `h = 1`).
///
/// With `h = 1` and `f(z) = G(z) − z` (the form of every Attractor model, e.g. the
/// `contraction` problem `f = tanh(Wz + b) − z`), `F = G` is exactly the recurrent
/// update, so the fixed points of `F` are the equilibria of the flow and
/// `J_F − I = h·J_f`: "every eigenvalue of `J − I` has negative real part" is the
/// flow's linear stability. The field is evaluated at `t = 0` (autonomous fields).
///
/// JVPs are central finite differences (the field supplies VJPs only); VJPs are exact:
/// `aᵀJ_F = a + h·aᵀJ_f`.
/// - Complexity: one field evaluation per `apply`, one field VJP per VJP, two field
///   evaluations per JVP.
public final class FieldLatentMap<Field: DifferentiableVectorField>: LatentMap {
    public typealias Scalar = Field.Scalar
    public let field: Field
    /// The Euler step `h` of `F(z) = z + h f(z)`.
    public let stepSize: Scalar
    public var dimension: Int { field.dimension }
    public var isContinuous: Bool { true }

    public init(field: Field, stepSize: Scalar = 1) {
        self.field = field
        self.stepSize = stepSize
    }

    public func apply(state: UnsafePointer<Scalar>, image: UnsafeMutablePointer<Scalar>, rows: RowSelection) {
        field.evaluate(t: 0, state: state, derivative: image, rows: rows)
        let h = stepSize
        for e in 0..<(rows.count * dimension) { image[e] = state[e] + h * image[e] }
    }

    public func vectorJacobianProduct(
        state: UnsafePointer<Scalar>, cotangent: UnsafePointer<Scalar>, product: UnsafeMutablePointer<Scalar>,
        rows: RowSelection
    ) {
        field.vectorJacobianProduct(t: 0, state: state, cotangent: cotangent, stateCotangent: product,
                                    parameterGradient: nil, rows: rows)
        let h = stepSize
        for e in 0..<(rows.count * dimension) { product[e] = cotangent[e] + h * product[e] }
    }
}
