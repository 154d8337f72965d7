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
