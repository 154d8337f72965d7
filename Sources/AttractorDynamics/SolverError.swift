import AttractorNumerics

/// Every way an integration can fail. Solvers throw these; they never trap on bad
/// input or on a diverging solution.
public enum SolverError: Error, Equatable, CustomStringConvertible, Sendable {
    /// NaN or ±Inf appeared in the state (or was given as the initial state).
    case nonFiniteState(t: Double, row: Int)
    /// The adaptive step shrank below what floating point can resolve at `t`.
    case stepSizeUnderflow(t: Double, stepSize: Double)
    /// The step budget ran out at time `t` before reaching `t1`.
    case maximumStepsExceeded(steps: Int, t: Double, t1: Double)
    /// A fixed step size that is not positive and finite.
    case invalidStepSize(Double)
    /// Relative or absolute tolerances that are negative, non-finite, or both zero.
    case invalidTolerance(rtol: Double, atol: Double)
    /// `t1` not after `t0`, or non-finite times.
    case invalidTimeSpan(t0: Double, t1: Double)
    /// Shapes of state, tolerances or save times do not match the field.
    case dimensionMismatch(expected: Int, got: Int, what: String)
    /// The method cannot solve this problem (e.g. an explicit method on a stiff problem
    /// it cannot finish, Milstein without a diffusion derivative).
    case methodCannotSolve(method: String, reason: String)
    /// GSL reported a failure.
    case gsl(status: Int32, context: String)
    /// An option or a combination of options the solver cannot honour (unsorted save
    /// times, per-component rtol for a GSL stepper, …); the text says which.
    case invalidOption(String)

    public var description: String {
        switch self {
        case let .nonFiniteState(t, row):
            return "non-finite state (NaN or Inf) in row \(row) at t = \(t)"
        case let .stepSizeUnderflow(t, h):
            return "step size underflow at t = \(t) (h = \(h)); the problem may be stiff or singular"
        case let .maximumStepsExceeded(steps, t, t1):
            return "maximum number of steps (\(steps)) exceeded at t = \(t) of t1 = \(t1)"
        case let .invalidStepSize(h):
            return "step size must be positive and finite, got \(h)"
        case let .invalidTolerance(rtol, atol):
            return "tolerances must be finite, non-negative and not both zero (rtol = \(rtol), atol = \(atol))"
        case let .invalidTimeSpan(t0, t1):
            return "time span must be finite with t1 > t0 (t0 = \(t0), t1 = \(t1))"
        case let .dimensionMismatch(expected, got, what):
            return "\(what): expected \(expected) values, got \(got)"
        case let .methodCannotSolve(method, reason):
            return "\(method) cannot solve this problem: \(reason)"
        case let .gsl(status, context):
            return GSLError(status: status, context: context).description
        case let .invalidOption(reason):
            return "invalid solver option: \(reason)"
        }
    }
}

/// Counters every solver fills in.
public struct SolverStatistics: Equatable, Sendable, CustomStringConvertible {
    /// Accepted steps (for batched steady-state runs: steps of the batch loop).
    public var steps = 0
    /// Rejected (adaptive) steps.
    public var rejectedSteps = 0
    /// Evaluations of the vector field, counted per call (one call covers all active rows).
    public var functionEvaluations = 0
    /// Row-evaluations: the sum over calls of the rows evaluated (measures work saved
    /// by retiring converged rows).
    public var rowEvaluations = 0
    /// Diffusion (noise-field) evaluations.
    public var diffusionEvaluations = 0

    public init() {}

    public var description: String {
        "steps \(steps), rejected \(rejectedSteps), f-evals \(functionEvaluations)"
    }
}
