import AttractorNumerics

/// A vector field `f(t, z; θ)` that supplies vector–Jacobian products, the one primitive
/// every gradient strategy is built from (see `Docs/Gradients.md`).
///
/// Parameters θ live in one flat contiguous buffer (`parameters`), described for people
/// by `parameterLayout`. Gradients with respect to θ are *accumulated* into a flat buffer
/// of the same layout, summed over the batch rows.
public protocol DifferentiableVectorField<Scalar>: VectorField {
    /// Names, shapes and offsets of the parameters in the flat buffer.
    var parameterLayout: ParameterLayout { get }
    /// The flat parameter buffer θ (`parameterLayout.count` scalars).
    var parameters: [Scalar] { get set }

    /// For `rows.count` rows: writes `aᵀ ∂f/∂z(t, z)` into `stateCotangent` (overwriting)
    /// and, when `parameterGradient` is non-nil, adds `Σ_rows aᵀ ∂f/∂θ` to it.
    ///
    /// `cotangent`, `state` and `stateCotangent` are `rows.count × dimension`;
    /// `stateCotangent` must not alias `cotangent` or `state`.
    func vectorJacobianProduct(
        t: Scalar, state: UnsafePointer<Scalar>, cotangent: UnsafePointer<Scalar>,
        stateCotangent: UnsafeMutablePointer<Scalar>, parameterGradient: UnsafeMutablePointer<Scalar>?,
        rows: RowSelection)
}

extension DifferentiableVectorField {
    /// Number of scalars in θ.
    public var parameterCount: Int { parameterLayout.count }
}

/// A differentiable field whose VJP can reuse what its evaluation computed — for an MLP the
/// hidden activation `tanh(W1 z + b1)` — instead of recomputing it from the state.
///
/// Backprop through a Runge–Kutta solver (`ODEGradientSolver`, fixed-step tableaus without
/// first-same-as-last) evaluates each stage with `evaluate(…, residuals:)`, keeps the
/// residuals beside the stage inputs, and calls `vectorJacobianProduct(…, residuals:)` on the
/// way back: fewer operations per VJP, `residualsPerRow` more scalars stored per stage.
public protocol ResidualSavingVectorField<Scalar>: DifferentiableVectorField {
    /// Scalars `evaluate(…, residuals:)` writes per row.
    var residualsPerRow: Int { get }

    /// `evaluate`, also writing `rows.count × residualsPerRow` residuals.
    func evaluate(t: Scalar, state: UnsafePointer<Scalar>, derivative: UnsafeMutablePointer<Scalar>, rows: RowSelection,
                  residuals: UnsafeMutablePointer<Scalar>)

    /// `vectorJacobianProduct` at a state whose residuals `evaluate(…, residuals:)` wrote
    /// (same state, same parameters); the result equals the plain VJP's.
    func vectorJacobianProduct(
        t: Scalar, state: UnsafePointer<Scalar>, residuals: UnsafePointer<Scalar>, cotangent: UnsafePointer<Scalar>,
        stateCotangent: UnsafeMutablePointer<Scalar>, parameterGradient: UnsafeMutablePointer<Scalar>?,
        rows: RowSelection)
}

/// A differentiable field whose VJP at a stage of a stored Runge–Kutta step uses what that
/// stage's evaluation kept (a network's activations, say) instead of the stage input:
/// `RungeKuttaKernel.transpose` names the stage before each of its VJPs.
public protocol StageTransposingVectorField<Scalar>: DifferentiableVectorField {
    /// The next `vectorJacobianProduct` is stage `stage`'s of the step being transposed.
    func willTranspose(stage: Int)
}
