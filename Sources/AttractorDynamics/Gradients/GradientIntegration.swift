/// The discretisation a gradient strategy differentiates through (or, for the adjoint,
/// integrates its backward system with).
public enum GradientIntegration: Sendable, Equatable {
    /// `steps` equal steps of an explicit tableau (Euler, midpoint, Heun, RK4, …).
    case fixed(ButcherTableau, steps: Int)
    /// Adaptive steps of an embedded pair (Dormand–Prince 5(4)) with error control
    /// `‖err / (atol + rtol·max(|z|, |z'|))‖_RMS ≤ 1`. Step sizes are treated as constants
    /// when differentiating through accepted steps.
    case adaptive(ButcherTableau, rtol: Double, atol: Double, maximumSteps: Int = 100_000)

    var tableau: ButcherTableau {
        switch self {
        case let .fixed(t, _): return t
        case let .adaptive(t, _, _, _): return t
        }
    }
}
