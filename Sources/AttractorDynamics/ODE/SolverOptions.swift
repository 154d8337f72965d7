/// Settings shared by every ODE method. Defaults suit an adaptive solve in Double.
public struct SolverOptions: Sendable, Equatable {
    /// Fixed-step methods: the step `h` (required). Adaptive methods: the initial step
    /// (nil: Hairer's initial-step heuristic).
    public var stepSize: Double?
    /// Relative tolerance, uniform or per component.
    public var relativeTolerance: Tolerance = 1e-6
    /// Absolute tolerance, uniform or per component.
    public var absoluteTolerance: Tolerance = 1e-9
    /// Step budget (accepted plus rejected steps); exceeding it throws
    /// `SolverError.maximumStepsExceeded` with the time reached.
    public var maximumSteps: Int = 100_000
    /// Upper bound on adaptive steps (nil: `t1 − t0`).
    public var maximumStepSize: Double?
    /// Times (ascending, within `[t0, t1]`) at which to record the state. Adaptive
    /// solvers interpolate with their dense output; fixed-step solvers shorten the step
    /// that would cross a save time so that they land on it exactly.
    public var saveAt: [Double] = []
    /// Retire rows that reach an equilibrium (nil: integrate every row to `t1`).
    public var steadyState: SteadyStateEvent?
    /// The adaptive step-size controller.
    public var stepController = PIStepController()

    public init(
        stepSize: Double? = nil, relativeTolerance: Tolerance = 1e-6, absoluteTolerance: Tolerance = 1e-9,
        maximumSteps: Int = 100_000, maximumStepSize: Double? = nil, saveAt: [Double] = [],
        steadyState: SteadyStateEvent? = nil
    ) {
        self.stepSize = stepSize
        self.relativeTolerance = relativeTolerance
        self.absoluteTolerance = absoluteTolerance
        self.maximumSteps = maximumSteps
        self.maximumStepSize = maximumStepSize
        self.saveAt = saveAt
        self.steadyState = steadyState
    }
}
