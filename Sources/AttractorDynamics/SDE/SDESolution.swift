import AttractorNumerics

/// The result of a fixed-step SDE solve over a batch of `rows` sample paths.
public struct SDESolution<Scalar: AttractorNumerics.Scalar> {
    public let method: SDEMethod
    public let rows: Int
    public let dimension: Int
    public let t0: Double
    public let t1: Double
    /// The final state, `rows × dimension`, row-major.
    public let finalState: [Scalar]
    /// Step times `t0, t0 + dt, …, t1` when the trajectory was saved, else empty.
    public let times: [Double]
    /// States at `times`, `times.count × rows × dimension`, else empty.
    public let trajectory: [Scalar]
    public let statistics: SolverStatistics

    /// Row `r` of the final state.
    public func finalRow(_ r: Int) -> ArraySlice<Scalar> {
        finalState[(r * dimension)..<((r + 1) * dimension)]
    }
}
