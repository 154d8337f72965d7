import AttractorNumerics

/// A diffusion `g(t, z; θ)` with vector–Jacobian products, for SDE gradients.
///
/// `g` is `rows × dimension` as in `NoiseField` (the diagonal, or for scalar noise the
/// column multiplying the single `dW`). Cotangents are with respect to that array.
public protocol DifferentiableNoiseField<Scalar>: NoiseField {
    var parameterLayout: ParameterLayout { get }
    var parameters: [Scalar] { get set }

    /// Writes `Σ_i c_i ∂g_i/∂z` into `stateCotangent` (overwriting) and adds
    /// `Σ_rows Σ_i c_i ∂g_i/∂θ` to `parameterGradient` when non-nil.
    func diffusionVectorJacobianProduct(
        t: Scalar, state: UnsafePointer<Scalar>, cotangent: UnsafePointer<Scalar>,
        stateCotangent: UnsafeMutablePointer<Scalar>, parameterGradient: UnsafeMutablePointer<Scalar>?,
        rows: RowSelection)

    /// The Itô–Stratonovich drift correction `c(z) = ½ g ⊙ ∂g/∂z` (diagonal noise) and its
    /// vector–Jacobian product, which the stochastic adjoint of an Itô SDE needs.
    /// Writes `c` into `correction` when non-nil, `aᵀ ∂c/∂z` into `stateCotangent`, and adds
    /// `aᵀ ∂c/∂θ` to `parameterGradient`. Returns `false` when the field cannot supply it.
    func itoCorrection(
        t: Scalar, state: UnsafePointer<Scalar>, cotangent: UnsafePointer<Scalar>,
        correction: UnsafeMutablePointer<Scalar>?,
        stateCotangent: UnsafeMutablePointer<Scalar>, parameterGradient: UnsafeMutablePointer<Scalar>?,
        rows: RowSelection) -> Bool
}

extension DifferentiableNoiseField {
    public var parameterCount: Int { parameterLayout.count }

    public func itoCorrection(
        t: Scalar, state: UnsafePointer<Scalar>, cotangent: UnsafePointer<Scalar>,
        correction: UnsafeMutablePointer<Scalar>?,
        stateCotangent: UnsafeMutablePointer<Scalar>, parameterGradient: UnsafeMutablePointer<Scalar>?,
        rows: RowSelection
    ) -> Bool {
        if noiseKind == .additive {
            // State-independent g: no correction.
            let n = rows.count * dimension
            if let correction { correction.update(repeating: 0, count: n) }
            stateCotangent.update(repeating: 0, count: n)
            return true
        }
        return false
    }
}
