import AttractorNumerics

/// Fixed-step explicit Runge–Kutta integration driven by a `ButcherTableau` (Euler,
/// midpoint, Heun, RK4, or any explicit tableau).
///
/// Takes steps of `h` from `t0`, shortening the step that would cross a save time or
/// `t1` so as to land on it exactly. The local error is `O(h^(p+1))`, the global error
/// `O(h^p)` for a method of order `p`; cost is `s` evaluations per step for `s` stages.
/// No step-size control: a step too large for the problem's stability region makes the
/// state blow up, reported as `SolverError.nonFiniteState`.
public enum FixedStepRungeKutta {
    static func solve<S: AttractorNumerics.Scalar>(
        _ field: FieldEvaluator<S>, initialState y0: [S], rows: Int, t0: Double, t1: Double,
        tableau: ButcherTableau, stepSize h: Double, options: SolverOptions
    ) throws(SolverError) -> Solution<S> {
        let d = field.dimension
        let n = rows * d
        let stepper = RungeKuttaStepper<S>(tableau: tableau, dimension: d, rowCapacity: rows)
        let ledger = BatchLedger<S>(rows: rows, dimension: d, event: options.steadyState, saveTimes: options.saveAt)
        var state = UnsafeMutablePointer<S>.allocate(capacity: n)
        var next = UnsafeMutablePointer<S>.allocate(capacity: n)
        defer { state.deallocate(); next.deallocate() }
        y0.withUnsafeBufferPointer { state.initialize(from: $0.baseAddress!, count: n) }
        next.initialize(repeating: 0, count: n)

        var stats = SolverStatistics()
        var t = t0
        while let s = ledger.pendingSaveTime, s <= t0 { ledger.recordSave(state) }
        var firstStageReady = false
        // A step shorter than this fraction of h is merged into the previous one.
        let slack = 1e-9 * h
        while ledger.activeCount > 0 {
            if ledger.event != nil || t < t1 {
                if !firstStageReady {
                    stepper.evaluateFirstStage(field, t: t, state: state, rows: ledger.selection, statistics: &stats)
                    firstStageReady = true
                }
                ledger.retireSteadyRows(t: t, state: state, derivative: stepper.stage(0), evaluations: stats.functionEvaluations)
                if ledger.activeCount == 0 { break }
            }
            if t >= t1 { break }
            if stats.steps >= options.maximumSteps {
                throw .maximumStepsExceeded(steps: stats.steps, t: t, t1: t1)
            }
            let stop = ledger.pendingSaveTime.map { min($0, t1) } ?? t1
            var step = h
            var landsOnStop = false
            if t + h >= stop - slack {
                step = stop - t
                landsOnStop = true
            }
            stepper.step(field, t: t, h: step, state: state, next: next, rows: ledger.selection, statistics: &stats)
            t = landsOnStop ? stop : t + step
            stats.steps += 1
            swap(&state, &next)
            if tableau.firstSameAsLast {
                stepper.reuseLastStageAsFirst()
                firstStageReady = true
            } else {
                firstStageReady = false
            }
            try ledger.checkFinite(state, t: t)
            while let s = ledger.pendingSaveTime, s <= t { ledger.recordSave(state) }
        }
        var residualSource: UnsafePointer<S>? = nil
        if ledger.event != nil && ledger.activeCount > 0 {
            if !firstStageReady {
                stepper.evaluateFirstStage(field, t: t, state: state, rows: ledger.selection, statistics: &stats)
            }
            residualSource = UnsafePointer(stepper.stage(0))
        }
        ledger.finish(t: t, state: state, derivative: residualSource, evaluations: stats.functionEvaluations)
        let reached = ledger.event != nil && ledger.activeCount == 0 ? ledger.report!.latestTime : t
        return Solution(
            method: tableau.name, t0: t0, t1: reached, times: options.saveAt, states: ledger.savedTensors(),
            finalState: Tensor(shape: [rows, d], scalars: ledger.finalState), statistics: stats,
            steadyState: ledger.report)
    }
}
