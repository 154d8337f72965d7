import AttractorNumerics

/// The augmented system of the continuous adjoint, as one vector field over the flat
/// vector `y = (z, a, g_θ)` of `2·rows·D + P` scalars (a single "row"):
/// `dz/dt = f(t, z)`, `da/dt = −aᵀ ∂f/∂z`, `dg_θ/dt = −aᵀ ∂f/∂θ`, integrated from `t1`
/// back to `t0` (negative steps) starting at `(z(t1), ∂L/∂z(t1), 0)`.
final class AdjointSystem<Field: DifferentiableVectorField>: VectorField {
    typealias Scalar = Field.Scalar
    let field: Field
    let rows: Int
    let stateCount: Int
    let parameterCount: Int
    var dimension: Int { 2 * stateCount + parameterCount }
    var isAutonomous: Bool { field.isAutonomous }
    private(set) var evaluations = 0
    private let negatedAdjoint = ScratchBuffer<Scalar>()

    init(field: Field, rows: Int) {
        self.field = field
        self.rows = rows
        stateCount = rows * field.dimension
        parameterCount = field.parameterCount
    }

    func evaluate(t: Scalar, state y: UnsafePointer<Scalar>, derivative dy: UnsafeMutablePointer<Scalar>, rows _: RowSelection) {
        let n = stateCount
        let selection = RowSelection(count: rows)
        field.evaluate(t: t, state: y, derivative: dy, rows: selection)
        // VJPs are linear in the cotangent: with −a they give −aᵀ∂f/∂z and −aᵀ∂f/∂θ directly.
        let negated = negatedAdjoint.pointer(count: n)
        GradientKernels.negate(y + n, into: negated, count: n)
        let paramPart = dy + 2 * n
        GradientKernels.zero(paramPart, count: parameterCount)
        field.vectorJacobianProduct(t: t, state: y, cotangent: negated, stateCotangent: dy + n,
                                    parameterGradient: parameterCount > 0 ? paramPart : nil, rows: selection)
        evaluations += 1
    }
}
