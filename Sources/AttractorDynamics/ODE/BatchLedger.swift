import AttractorNumerics

/// Book-keeping the explicit solvers share: which original rows are still active (the
/// solvers keep them compacted at the front of their buffers), rows retired by the
/// steady-state event, save points, and the final state in original row order.
final class BatchLedger<Scalar: AttractorNumerics.Scalar> {
    let rows: Int
    let dimension: Int
    private(set) var activeCount: Int
    /// `active[i]` is the original row of compacted row `i`.
    let active: UnsafeMutablePointer<Int>
    private(set) var anyRetired = false
    let event: SteadyStateEvent?
    var report: SteadyStateReport?
    /// Final state, original row order.
    var finalState: [Scalar]
    let saveTimes: [Double]
    /// Index of the next save time not yet recorded.
    var nextSave = 0
    var saved: [[Scalar]]

    init(rows: Int, dimension: Int, event: SteadyStateEvent?, saveTimes: [Double]) {
        self.rows = rows
        self.dimension = dimension
        activeCount = rows
        active = .allocate(capacity: rows)
        for r in 0..<rows { (active + r).initialize(to: r) }
        self.event = event
        report = event.map { _ in SteadyStateReport(rows: rows) }
        finalState = Array(repeating: 0, count: rows * dimension)
        self.saveTimes = saveTimes
        saved = saveTimes.map { _ in Array(repeating: 0, count: rows * dimension) }
    }

    deinit { active.deallocate() }

    /// The rows the next evaluation covers.
    var selection: RowSelection {
        anyRetired ? RowSelection(count: activeCount, indices: UnsafeBufferPointer(start: active, count: activeCount))
            : RowSelection(count: activeCount)
    }

    var activeScalars: Int { activeCount * dimension }

    /// The next save time, or nil when all are recorded.
    var pendingSaveTime: Double? { nextSave < saveTimes.count ? saveTimes[nextSave] : nil }

    /// Records the compacted active block `state` as save point `nextSave` and advances.
    func recordSave(_ state: UnsafePointer<Scalar>) {
        let d = dimension
        saved[nextSave].withUnsafeMutableBufferPointer { out in
            for i in 0..<activeCount {
                (out.baseAddress! + active[i] * d).update(from: state + i * d, count: d)
            }
        }
        nextSave += 1
    }

    /// Throws `nonFiniteState` naming the original row if `state` (the active block) holds
    /// a NaN or Inf.
    func checkFinite(_ state: UnsafePointer<Scalar>, t: Double) throws(SolverError) {
        if let e = StepKernels.firstNonFinite(count: activeScalars, state) {
            throw .nonFiniteState(t: t, row: active[e / dimension])
        }
    }

    /// Retires every active row whose derivative (`derivative`, the active block of
    /// `f(t, state)`) meets the steady-state criterion, compacting `state` and
    /// `derivative` (and any `companions`) over the survivors. `evaluations` is the number
    /// of field calls so far (each covered every active row).
    func retireSteadyRows(
        t: Double, state: UnsafeMutablePointer<Scalar>, derivative: UnsafeMutablePointer<Scalar>,
        evaluations: Int
    ) {
        guard let event else { return }
        let d = dimension
        var kept = 0
        for i in 0..<activeCount {
            let row = active[i]
            let residual = StepKernels.norm(count: d, derivative + i * d)
            let size = StepKernels.norm(count: d, state + i * d)
            if event.isSatisfied(residualNorm: residual, stateNorm: size) {
                finalState.withUnsafeMutableBufferPointer { out in
                    (out.baseAddress! + row * d).update(from: state + i * d, count: d)
                }
                report!.converged[row] = true
                report!.time[row] = t
                report!.residual[row] = residual
                report!.rowEvaluations[row] = evaluations
                anyRetired = true
            } else {
                if kept != i {
                    (state + kept * d).update(from: state + i * d, count: d)
                    (derivative + kept * d).update(from: derivative + i * d, count: d)
                    active[kept] = row
                }
                kept += 1
            }
        }
        activeCount = kept
    }

    /// Ends the run at `t`: copies the still-active rows into the final state, records
    /// their residuals (from `derivative` = `f(t, state)` if given), and fills save points
    /// after a row's retirement with its retired state.
    func finish(t: Double, state: UnsafePointer<Scalar>, derivative: UnsafePointer<Scalar>?, evaluations: Int) {
        let d = dimension
        finalState.withUnsafeMutableBufferPointer { out in
            for i in 0..<activeCount {
                let row = active[i]
                (out.baseAddress! + row * d).update(from: state + i * d, count: d)
                if report != nil {
                    report!.time[row] = t
                    report!.rowEvaluations[row] = evaluations
                    if let derivative {
                        report!.residual[row] = StepKernels.norm(count: d, derivative + i * d)
                    }
                }
            }
        }
        guard let report, !saveTimes.isEmpty else { return }
        for row in 0..<rows where report.converged[row] {
            for s in saveTimes.indices where saveTimes[s] > report.time[row] {
                for c in 0..<d { saved[s][row * d + c] = finalState[row * d + c] }
            }
        }
    }

    func savedTensors() -> [Tensor<Scalar>] {
        saved.map { Tensor(shape: [rows, dimension], scalars: $0) }
    }
}
