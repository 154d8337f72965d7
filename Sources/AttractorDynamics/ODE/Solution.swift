import AttractorNumerics

/// The result of an ODE solve: the final state of every batch row, any requested save
/// points, counters, and (with a steady-state event) per-row convergence.
public struct Solution<Scalar: AttractorNumerics.Scalar>: Sendable {
    /// Name of the method that produced it (`"rk4"`, `"dopri5"`, `"gsl-msbdf"`, …).
    public var method: String
    public var t0: Double
    /// The time integration stopped at: `t1`, or with a steady-state event the time the
    /// last row was retired.
    public var t1: Double
    /// The save times that were requested (`SolverOptions.saveAt`).
    public var times: [Double]
    /// `states[i]` is the `rows × dimension` state at `times[i]`. A row retired by the
    /// steady-state event keeps its retired state at later save times.
    public var states: [Tensor<Scalar>]
    /// The `rows × dimension` state at `t1` (retired rows: at their retirement time).
    public var finalState: Tensor<Scalar>
    public var statistics: SolverStatistics
    /// Per-row steady-state results (nil when no event was requested).
    public var steadyState: SteadyStateReport?

    public var rows: Int { finalState.shape[0] }
    public var dimension: Int { finalState.shape[1] }
}
