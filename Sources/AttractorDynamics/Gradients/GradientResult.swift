import AttractorNumerics

/// The outcome of a gradient computation: loss, final state and gradients.
public struct GradientResult<Scalar: AttractorNumerics.Scalar>: Sendable {
    /// The loss at the final state.
    public var loss: Scalar
    /// The final state `z(t1)` (`rows × dimension`).
    public var finalState: [Scalar]
    /// `∂L/∂z0` (`rows × dimension`).
    public var initialStateGradient: [Scalar]
    /// `∂L/∂θ` in the field's flat parameter layout.
    public var parameterGradient: [Scalar]
    public var statistics: GradientStatistics
}
