import AttractorNumerics

/// Adaptive Dormand–Prince 5(4) (`dopri5`): 7 stages, first-same-as-last, so 6 new
/// evaluations per step; propagates the 5th-order solution (local extrapolation) and
/// controls the embedded 4th-order error.
///
/// - Error control: `err = max over rows √(mean_c (e_c / (atol_c + rtol_c·max(|z_c|, |z'_c|)))²)`,
///   a step is accepted when `err ≤ 1`; one step size is shared by the batch, so every
///   row meets its tolerance.
/// - Step size: Hairer's PI controller (`PIStepController`), initial step from Hairer's
///   heuristic (one extra evaluation) unless `SolverOptions.stepSize` is given.
/// - Dense output: Hairer's 4th-order continuous extension (five coefficient vectors
///   per step, no extra evaluations), used for `saveAt`.
/// - Stability: explicit; on stiff problems the step is limited by stability, so it
///   runs into `maximumStepsExceeded` (use `gsl-msbdf`).
public enum DormandPrince54 {
    static func solve<S: AttractorNumerics.Scalar>(
        _ field: FieldEvaluator<S>, initialState y0: [S], rows: Int, t0: Double, t1: Double, options: SolverOptions
    ) throws(SolverError) -> Solution<S> {
        let d = field.dimension
        let n = rows * d
        let (rtolValues, atolValues) = try Tolerance.validated(
            relative: options.relativeTolerance, absolute: options.absoluteTolerance, dimension: d)
        let hMax = options.maximumStepSize ?? (t1 - t0)
        guard hMax > 0, hMax.isFinite else { throw .invalidStepSize(hMax) }
        if let h = options.stepSize, !(h > 0 && h.isFinite) { throw .invalidStepSize(h) }

        let tableau = ButcherTableau.dormandPrince54
        let stepper = RungeKuttaStepper<S>(tableau: tableau, dimension: d, rowCapacity: rows)
        let ledger = BatchLedger<S>(rows: rows, dimension: d, event: options.steadyState, saveTimes: options.saveAt)
        let workspace = UnsafeMutablePointer<S>.allocate(capacity: 2 * n + 2 * d)
        workspace.initialize(repeating: 0, count: 2 * n + 2 * d)
        defer { workspace.deallocate() }
        var state = workspace, next = workspace + n
        let rtol = workspace + 2 * n, atol = rtol + d
        for c in 0..<d { rtol[c] = S(rtolValues[c]); atol[c] = S(atolValues[c]) }
        y0.withUnsafeBufferPointer { state.update(from: $0.baseAddress!, count: n) }
        // Dense-output coefficients, allocated only when there are save times.
        let dense = DenseOutputBuffers<S>(count: options.saveAt.isEmpty ? 0 : n)

        var stats = SolverStatistics()
        var t = t0
        while let s = ledger.pendingSaveTime, s <= t0 { ledger.recordSave(state) }
        stepper.evaluateFirstStage(field, t: t, state: state, rows: ledger.selection, statistics: &stats)
        ledger.retireSteadyRows(t: t, state: state, derivative: stepper.stage(0), evaluations: stats.functionEvaluations)

        var h = 0.0
        if ledger.activeCount > 0 {
            h = options.stepSize ?? initialStep(
                field, stepper: stepper, t: t, state: state, scratch: next, rows: ledger.selection,
                rtol: rtol, atol: atol, maximumStep: hMax, order: tableau.order, statistics: &stats)
        }
        h = min(h, hMax)
        var memory = PIStepController.Memory()
        let controller = options.stepController
        let roundoff = 10 * Double.ulpOfOne

        while ledger.activeCount > 0 && t < t1 {
            if stats.steps + stats.rejectedSteps >= options.maximumSteps {
                throw .maximumStepsExceeded(steps: stats.steps + stats.rejectedSteps, t: t, t1: t1)
            }
            var isLast = false
            if t + 1.01 * h >= t1 {
                h = t1 - t
                isLast = true
            }
            if h <= roundoff * abs(t) || h < Double.leastNormalMagnitude {
                throw .stepSizeUnderflow(t: t, stepSize: h)
            }
            let rowsNow = ledger.selection
            stepper.step(field, t: t, h: h, state: state, next: next, rows: rowsNow, statistics: &stats)
            let err = stepper.errorNorm(
                h: h, state: state, next: next, rows: rowsNow.count, relativeTolerance: rtol, absoluteTolerance: atol)
            guard err.isFinite else {
                // The trial step left the finite range (or missed a zero-tolerance
                // component): retry much smaller. If even tiny steps blow up, the state
                // itself is diverging.
                stats.rejectedSteps += 1
                memory.lastRejected = true
                h *= 0.1
                if h <= roundoff * abs(t) || h < Double.leastNormalMagnitude {
                    if let e = StepKernels.firstNonFinite(count: ledger.activeScalars, next) {
                        throw .nonFiniteState(t: t, row: ledger.active[e / d])
                    }
                    throw .stepSizeUnderflow(t: t, stepSize: h)
                }
                continue
            }
            let decision = controller.decide(error: err, stepSize: h, order: tableau.order, memory: &memory)
            guard decision.accept else {
                stats.rejectedSteps += 1
                h = decision.next
                continue
            }
            // Accepted: interpolate the save times the step covered, then advance.
            let tNew = isLast ? t1 : t + h
            if let s = ledger.pendingSaveTime, s <= tNew {
                dense.build(count: ledger.activeScalars, h: h, start: state, end: next, stages: stepper)
                while let s = ledger.pendingSaveTime, s <= tNew {
                    dense.evaluate(count: ledger.activeScalars, theta: (s - t) / h)
                    ledger.recordSave(dense.output)
                }
            }
            t = tNew
            stats.steps += 1
            swap(&state, &next)
            stepper.reuseLastStageAsFirst()
            try ledger.checkFinite(state, t: t)
            ledger.retireSteadyRows(t: t, state: state, derivative: stepper.stage(0), evaluations: stats.functionEvaluations)
            h = min(decision.next, hMax)
        }
        ledger.finish(
            t: t, state: state, derivative: ledger.event != nil ? UnsafePointer(stepper.stage(0)) : nil,
            evaluations: stats.functionEvaluations)
        let reached = ledger.event != nil && ledger.activeCount == 0 ? ledger.report!.latestTime : t
        return Solution(
            method: "dopri5", t0: t0, t1: reached, times: options.saveAt, states: ledger.savedTensors(),
            finalState: Tensor(shape: [rows, d], scalars: ledger.finalState), statistics: stats,
            steadyState: ledger.report)
    }

    /// Hairer's initial-step heuristic (HNW I, §II.4): from `d0 = ‖z0‖`, `d1 = ‖f0‖` and
    /// an explicit Euler probe `d2 = ‖f(t0 + h0, z0 + h0 f0) − f0‖ / h0` (all in the scaled
    /// RMS norm), `h = min(100 h0, (0.01 / max(d1, d2))^(1/order))`. One evaluation.
    static func initialStep<S: AttractorNumerics.Scalar>(
        _ field: FieldEvaluator<S>, stepper: RungeKuttaStepper<S>, t: Double, state: UnsafePointer<S>,
        scratch: UnsafeMutablePointer<S>, rows: RowSelection,
        rtol: UnsafePointer<S>, atol: UnsafePointer<S>, maximumStep: Double, order: Int,
        statistics: inout SolverStatistics
    ) -> Double {
        let d = field.dimension
        let n = rows.count * d
        let f0 = stepper.stage(0)
        let d0 = StepKernels.scaledRMS(count: n, dimension: d, state, scaleBy: state, relativeTolerance: rtol, absoluteTolerance: atol)
        let d1 = StepKernels.scaledRMS(count: n, dimension: d, f0, scaleBy: state, relativeTolerance: rtol, absoluteTolerance: atol)
        var h0 = (d0 < 1e-5 || d1 < 1e-5) ? 1e-6 : 0.01 * d0 / d1
        h0 = min(h0, maximumStep)
        let probe = stepper.stage(1)
        for e in 0..<n { scratch[e] = state[e] + S(h0) * f0[e] }
        field.evaluate(t: t + h0, state: scratch, derivative: probe, rows: rows)
        statistics.functionEvaluations += 1
        statistics.rowEvaluations += rows.count
        for e in 0..<n { scratch[e] = probe[e] - f0[e] }
        let d2 = StepKernels.scaledRMS(count: n, dimension: d, scratch, scaleBy: state, relativeTolerance: rtol, absoluteTolerance: atol) / h0
        let largest = max(d1, d2)
        let h1 = (largest <= 1e-15 || !largest.isFinite) ? max(1e-6, h0 * 1e-3) : realPower(0.01 / largest, 1.0 / Double(order))
        return min(100 * h0, h1, maximumStep)
    }
}

/// The five coefficient vectors of the Dormand–Prince dense output and the
/// interpolated state, allocated once per solve.
final class DenseOutputBuffers<Scalar: AttractorNumerics.Scalar> {
    let coefficients: UnsafeMutablePointer<UnsafeMutablePointer<Scalar>>
    let output: UnsafeMutablePointer<Scalar>

    init(count n: Int) {
        coefficients = .allocate(capacity: 5)
        for i in 0..<5 {
            let p = UnsafeMutablePointer<Scalar>.allocate(capacity: max(n, 1))
            (coefficients + i).initialize(to: p)
        }
        output = .allocate(capacity: max(n, 1))
    }

    deinit {
        for i in 0..<5 { coefficients[i].deallocate() }
        coefficients.deallocate()
        output.deallocate()
    }

    func build(count n: Int, h: Double, start: UnsafePointer<Scalar>, end: UnsafePointer<Scalar>,
               stages: RungeKuttaStepper<Scalar>) {
        StepKernels.buildDormandPrinceDenseOutput(
            count: n, h: Scalar(h), start: start, end: end, stages: stages.stages, coefficients: coefficients)
    }

    func evaluate(count n: Int, theta: Double) {
        StepKernels.evaluateDormandPrinceDenseOutput(count: n, theta: Scalar(theta), coefficients: coefficients, into: output)
    }
}
