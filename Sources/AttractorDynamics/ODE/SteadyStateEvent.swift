/// Stop a batch row when it has reached an equilibrium:
/// `‖f(t, z)‖₂ ≤ atol + rtol·‖z‖₂`, both norms Euclidean over the row.
///
/// The check is made at the start of every step, where every explicit solver already
/// holds `f(t, z)` (the first stage; for Dormand–Prince the FSAL stage), so it costs no
/// extra evaluation. A row that satisfies it is *retired*: its state is frozen and the
/// active block is compacted, so later evaluations see fewer rows (`RowSelection`
/// carries the original indices) and the row costs nothing more. Integration ends when
/// every row is retired or at `t1`. See Docs/Solvers.md.
public struct SteadyStateEvent: Sendable, Equatable {
    public var relativeTolerance: Double
    public var absoluteTolerance: Double

    public init(relativeTolerance: Double = 1e-6, absoluteTolerance: Double = 1e-8) {
        self.relativeTolerance = relativeTolerance
        self.absoluteTolerance = absoluteTolerance
    }

    /// Whether a row with residual norm `‖f‖` and state norm `‖z‖` counts as steady.
    @inlinable
    public func isSatisfied(residualNorm: Double, stateNorm: Double) -> Bool {
        residualNorm <= absoluteTolerance + relativeTolerance * stateNorm
    }

    func validate() throws(SolverError) {
        let r = relativeTolerance, a = absoluteTolerance
        guard r.isFinite, a.isFinite, r >= 0, a >= 0, r > 0 || a > 0 else {
            throw .invalidTolerance(rtol: r, atol: a)
        }
    }
}

/// What the steady-state event found, per batch row.
public struct SteadyStateReport: Sendable, Equatable {
    /// Whether row `r` met the steady-state criterion before `t1`.
    public var converged: [Bool]
    /// The time row `r` was retired at (`t1` for rows that never converged).
    public var time: [Double]
    /// `‖f(t, z)‖₂` of row `r` at `time[r]`.
    public var residual: [Double]
    /// How many vector-field evaluations included row `r` (a retired row stops counting).
    public var rowEvaluations: [Int]

    init(rows: Int) {
        converged = Array(repeating: false, count: rows)
        time = Array(repeating: .nan, count: rows)
        residual = Array(repeating: .nan, count: rows)
        rowEvaluations = Array(repeating: 0, count: rows)
    }

    /// Every row converged.
    public var allConverged: Bool { converged.allSatisfy { $0 } }
    /// The latest time any row was retired at.
    public var latestTime: Double { time.max() ?? .nan }
    /// The largest residual over rows.
    public var largestResidual: Double { residual.max() ?? .nan }
}
