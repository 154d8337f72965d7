import AttractorNumerics

/// Gradients of a terminal loss `L(z(t1))` through an ODE solve `dz/dt = f(t, z; θ)`,
/// with respect to the initial state and the field's parameters, by any
/// `GradientStrategy` (see `Docs/Gradients.md` for the math and trade-offs).
///
/// State is `rows × dimension`, row-major. Gradients with respect to θ are summed over rows.
public struct ODEGradientSolver<Field: DifferentiableVectorField> {
    public typealias Scalar = Field.Scalar
    public var field: Field
    public var integration: GradientIntegration
    public var t0: Double
    public var t1: Double
    /// Backprop (plain, checkpointed, truncated) keeps the stage residuals of a
    /// `ResidualSavingVectorField` with the stage inputs, so each VJP reuses them instead of
    /// recomputing (fixed-step tableaus without first-same-as-last; same result, more tape),
    /// when the residuals of the whole tape fit in this many bytes. 0: never. Past a few
    /// tens of MB the residual traffic costs more than the recomputation it saves (measured
    /// in `Docs/Gradients.md`), hence the 32 MiB default.
    public var residualTapeLimit = 32 << 20

    public init(field: Field, integration: GradientIntegration, from t0: Double = 0, to t1: Double = 1) {
        self.field = field
        self.integration = integration
        self.t0 = t0
        self.t1 = t1
    }

    // MARK: Validation

    private func validate(_ z0: [Scalar], rows: Int) throws(GradientError) {
        guard rows > 0, z0.count == rows * field.dimension else {
            throw .solver(.dimensionMismatch(expected: rows * field.dimension, got: z0.count, what: "initial state"))
        }
        guard t0.isFinite, t1.isFinite, t1 > t0 else { throw .solver(.invalidTimeSpan(t0: t0, t1: t1)) }
        for (i, v) in z0.enumerated() where !v.isFinite {
            throw .solver(.nonFiniteState(t: t0, row: i / field.dimension))
        }
        switch integration {
        case let .fixed(_, steps):
            guard steps > 0 else { throw .invalidArgument("fixed integration needs at least one step, got \(steps)") }
        case let .adaptive(tableau, rtol, atol, maximumSteps):
            guard rtol.isFinite, atol.isFinite, rtol >= 0, atol >= 0, rtol + atol > 0 else {
                throw .solver(.invalidTolerance(rtol: rtol, atol: atol))
            }
            guard tableau.errorWeights != nil else {
                throw .unsupported(strategy: "adaptive integration", reason: "tableau \(tableau.name) has no embedded error estimate")
            }
            guard maximumSteps > 0 else { throw .invalidArgument("maximumSteps must be positive") }
        }
    }

    /// The span of forward steps `indices` (fixed) or of times `[ta, tb]` (adaptive).
    private func span(fixedIndices indices: Range<Int>, from ta: Double, to tb: Double) -> IntegrationSpan {
        switch integration {
        case let .fixed(_, steps):
            return .fixed(t0: t0, h: (t1 - t0) / Double(steps), indices: indices)
        case let .adaptive(_, rtol, atol, maximumSteps):
            return .adaptive(from: ta, to: tb, rtol: rtol, atol: atol, maximumSteps: maximumSteps)
        }
    }

    private var fixedStepCount: Int? {
        if case let .fixed(_, steps) = integration { return steps }
        return nil
    }

    // MARK: Forward

    /// Solves forward without storing anything; for losses and finite differences.
    public func solve(initialState z0: [Scalar], rows: Int) throws(GradientError) -> (finalState: [Scalar], statistics: GradientStatistics) {
        try validate(z0, rows: rows)
        let n = z0.count
        let kernel = RungeKuttaKernel<Scalar>(tableau: integration.tableau, field: field, rows: rows)
        var z = z0, scratch = [Scalar](repeating: 0, count: n)
        var guess: Double? = nil
        var stats = GradientStatistics()
        let s = span(fixedIndices: 0..<(fixedStepCount ?? 0), from: t0, to: t1)
        let counts = try z.withUnsafeMutableBufferPointer { zp throws(GradientError) in
            try scratch.withUnsafeMutableBufferPointer { sp throws(GradientError) in
                try RungeKuttaDriver.integrate(kernel: kernel, state: zp.baseAddress!, scratch: sp.baseAddress!,
                                               span: s, stepGuess: &guess,
                                               stageStore: nil) { _, _, _, _ throws(GradientError) in }
            }
        }
        stats.forwardSteps = counts.accepted
        stats.forwardEvaluations = kernel.statistics.functionEvaluations
        stats.peakBytes = kernel.workspaceBytes + 2 * n * MemoryLayout<Scalar>.stride
        return (z, stats)
    }

    // MARK: Gradient

    /// `L(z(t1))`, `∂L/∂z0` and `∂L/∂θ` by `strategy`.
    public func gradient(
        initialState z0: [Scalar], rows: Int, loss: TerminalLoss<Scalar>, strategy: GradientStrategy
    ) throws(GradientError) -> GradientResult<Scalar> {
        try validate(z0, rows: rows)
        switch strategy {
        case .backprop:
            return try backpropagate(z0, rows: rows, loss: loss, checkpointEvery: nil, truncateTo: nil)
        case let .checkpointed(every):
            guard every > 0 else { throw .invalidArgument("checkpoint interval must be positive, got \(every)") }
            return try backpropagate(z0, rows: rows, loss: loss, checkpointEvery: every, truncateTo: nil)
        case let .truncated(steps):
            guard steps > 0 else { throw .invalidArgument("truncation length must be positive, got \(steps)") }
            return try backpropagate(z0, rows: rows, loss: loss, checkpointEvery: nil, truncateTo: steps)
        case let .adjoint(checkpoints):
            guard checkpoints > 0 else { throw .invalidArgument("adjoint needs at least one checkpoint, got \(checkpoints)") }
            return try adjoint(z0, rows: rows, loss: loss, checkpoints: checkpoints)
        }
    }

    /// Backprop (all steps stored), checkpointed backprop (every k-th state stored,
    /// segments recomputed) and truncated backprop (ring of the last k steps).
    private func backpropagate(
        _ z0: [Scalar], rows: Int, loss: TerminalLoss<Scalar>, checkpointEvery: Int?, truncateTo: Int?
    ) throws(GradientError) -> GradientResult<Scalar> {
        let n = z0.count, scalarBytes = MemoryLayout<Scalar>.stride
        // Steps the tape holds: all, one checkpoint segment, or the truncation ring.
        let tapeSteps = min(checkpointEvery ?? truncateTo ?? Int.max, fixedStepCount ?? Int.max)
        let residualBytes = (field as? any ResidualSavingVectorField<Scalar>).map {
            $0.residualsPerRow.multipliedReportingOverflow(by: rows * integration.tableau.stages * scalarBytes).partialValue
        } ?? 0
        let savingResiduals = residualBytes > 0 && tapeSteps != Int.max
            && tapeSteps.multipliedReportingOverflow(by: residualBytes).partialValue <= residualTapeLimit
        let kernel = RungeKuttaKernel<Scalar>(tableau: integration.tableau, field: field, rows: rows,
                                              savingResiduals: savingResiduals)
        let slot = kernel.slotCount
        var ledger = GradientMemoryLedger()
        ledger.allocate(kernel.workspaceBytes + 3 * n * scalarBytes)  // kernel, z, scratch, cotangent

        // Tape of stage inputs: all steps, one segment (checkpointed) or a ring (truncated).
        // Plain backprop with fixed steps writes the tape in place (the stage store is the
        // whole tape); otherwise each step goes through a one-step stage store.
        let tapeSlots: Int? = checkpointEvery ?? truncateTo
        let direct = tapeSlots == nil && fixedStepCount != nil
        var tape = [Scalar]()
        if let slots = tapeSlots {
            let cap = min(slots, fixedStepCount ?? slots)
            tape = [Scalar](repeating: 0, count: cap * slot)
            ledger.allocate(tape.count * scalarBytes)
        }
        var times: [(t: Double, h: Double)] = []
        var checkpoints: [[Scalar]] = []
        var z = z0, scratch = [Scalar](repeating: 0, count: n)
        var stageStore = [Scalar](repeating: 0, count: direct ? fixedStepCount! * slot : slot)
        ledger.allocate(stageStore.count * scalarBytes)
        var guess: Double? = nil
        var stats = GradientStatistics()
        let forwardSpan = span(fixedIndices: 0..<(fixedStepCount ?? 0), from: t0, to: t1)

        let counts = try z.withUnsafeMutableBufferPointer { zp throws(GradientError) in
            try scratch.withUnsafeMutableBufferPointer { sp throws(GradientError) in
                try stageStore.withUnsafeMutableBufferPointer { store throws(GradientError) in
                    let wantStages = checkpointEvery == nil
                    return try RungeKuttaDriver.integrate(
                        kernel: kernel, state: zp.baseAddress!, scratch: sp.baseAddress!,
                        span: forwardSpan, stepGuess: &guess, stageStore: wantStages ? store.baseAddress! : nil,
                        storeStride: direct ? slot : 0
                    ) { t, h, zBefore, stages throws(GradientError) in
                        let index = times.count
                        times.append((t, h))
                        ledger.allocate(2 * scalarBytes)
                        if let every = checkpointEvery {
                            if index % every == 0 {
                                checkpoints.append(Array(UnsafeBufferPointer(start: zBefore, count: n)))
                                ledger.allocate(n * scalarBytes)
                            }
                        } else if let ring = truncateTo {
                            let base = (index % min(ring, tape.count / max(slot, 1))) * slot
                            tape.withUnsafeMutableBufferPointer { $0.baseAddress!.advanced(by: base).update(from: stages!, count: slot) }
                        } else if !direct {
                            tape.append(contentsOf: UnsafeBufferPointer(start: stages!, count: slot))
                            ledger.allocate(slot * scalarBytes)
                        }
                    }
                }
            }
        }
        stats.forwardSteps = counts.accepted
        stats.forwardEvaluations = kernel.statistics.functionEvaluations
        if direct { swap(&tape, &stageStore) }

        // Backward pass.
        var cotangent = [Scalar](repeating: 0, count: n)
        let value = z.withUnsafeBufferPointer { zp in cotangent.withUnsafeMutableBufferPointer { loss(zp, cotangent: $0) } }
        var gradient = [Scalar](repeating: 0, count: field.parameterCount)
        ledger.allocate(gradient.count * scalarBytes)
        let total = times.count

        try cotangent.withUnsafeMutableBufferPointer { cp throws(GradientError) in
            try gradient.withUnsafeMutableBufferPointer { gp throws(GradientError) in
                let pg = gp.count > 0 ? gp.baseAddress! : nil
                if let every = checkpointEvery {
                    var segmentState = [Scalar](repeating: 0, count: n)
                    for segment in stride(from: checkpoints.count - 1, through: 0, by: -1) {
                        let first = segment * every, end = min(first + every, total)
                        segmentState = checkpoints[segment]
                        kernel.invalidateFirstStage()
                        let before = kernel.statistics.functionEvaluations
                        try segmentState.withUnsafeMutableBufferPointer { zp throws(GradientError) in
                            try scratch.withUnsafeMutableBufferPointer { sp throws(GradientError) in
                                try tape.withUnsafeMutableBufferPointer { tp throws(GradientError) in
                                    for i in first..<end {
                                        let (t, h) = times[i]
                                        let store = tp.baseAddress! + (i - first) * slot
                                        kernel.step(t: t, h: h, z: zp.baseAddress!, next: sp.baseAddress!, store: store)
                                        zp.baseAddress!.update(from: sp.baseAddress!, count: n)
                                        kernel.accept()
                                        stats.recomputedSteps += 1
                                    }
                                }
                            }
                        }
                        stats.backwardEvaluations += kernel.statistics.functionEvaluations - before
                        tape.withUnsafeBufferPointer { tp in
                            for i in stride(from: end - 1, through: first, by: -1) {
                                let (t, h) = times[i]
                                stats.vectorJacobianProducts += kernel.transpose(
                                    field, t: t, h: h, stored: tp.baseAddress! + (i - first) * slot,
                                    cotangent: cp.baseAddress!, parameterGradient: pg)
                                stats.backwardSteps += 1
                            }
                        }
                    }
                } else {
                    let ringSlots = truncateTo.map { _ in tape.count / max(slot, 1) }
                    let depth = min(truncateTo ?? total, total)
                    tape.withUnsafeBufferPointer { tp in
                        for i in stride(from: total - 1, through: total - depth, by: -1) {
                            let (t, h) = times[i]
                            let base = ringSlots.map { (i % $0) * slot } ?? i * slot
                            stats.vectorJacobianProducts += kernel.transpose(
                                field, t: t, h: h, stored: tp.baseAddress! + base,
                                cotangent: cp.baseAddress!, parameterGradient: pg)
                            stats.backwardSteps += 1
                        }
                    }
                    if depth < total { cp.update(repeating: 0) }
                }
            }
        }
        stats.peakBytes = ledger.peak
        return GradientResult(loss: value, finalState: z, initialStateGradient: cotangent,
                              parameterGradient: gradient, statistics: stats)
    }

    /// The continuous adjoint with the state reset at `checkpoints` stored states.
    private func adjoint(
        _ z0: [Scalar], rows: Int, loss: TerminalLoss<Scalar>, checkpoints segmentCount: Int
    ) throws(GradientError) -> GradientResult<Scalar> {
        let n = z0.count, p = field.parameterCount, scalarBytes = MemoryLayout<Scalar>.stride
        let kernel = RungeKuttaKernel<Scalar>(tableau: integration.tableau, field: field, rows: rows)
        var ledger = GradientMemoryLedger()
        ledger.allocate(kernel.workspaceBytes + 2 * n * scalarBytes)
        var stats = GradientStatistics()

        // Segment boundaries: step indices (fixed) or times (adaptive).
        let steps = fixedStepCount
        let segments = min(segmentCount, steps ?? segmentCount)
        let boundaryIndex = (0...segments).map { s in steps.map { $0 * s / segments } ?? 0 }
        let boundaryTime = (0...segments).map { s in
            s == segments ? t1 : t0 + (t1 - t0) * Double(s) / Double(segments)
        }

        // Forward: store the state at the end of every segment.
        var z = z0, scratch = [Scalar](repeating: 0, count: n)
        var ends: [[Scalar]] = []
        var guess: Double? = nil
        for s in 0..<segments {
            let sp = span(fixedIndices: boundaryIndex[s]..<boundaryIndex[s + 1], from: boundaryTime[s], to: boundaryTime[s + 1])
            let counts = try z.withUnsafeMutableBufferPointer { zp throws(GradientError) in
                try scratch.withUnsafeMutableBufferPointer { scp throws(GradientError) in
                    try RungeKuttaDriver.integrate(kernel: kernel, state: zp.baseAddress!, scratch: scp.baseAddress!,
                                                   span: sp, stepGuess: &guess,
                                                   stageStore: nil) { _, _, _, _ throws(GradientError) in }
                }
            }
            stats.forwardSteps += counts.accepted
            ends.append(z)
            ledger.allocate(n * scalarBytes)
        }

        // Backward: y = (z, a, g_θ) from t1 to t0, z reset at every stored state.
        stats.forwardEvaluations = kernel.statistics.functionEvaluations
        let system = AdjointSystem(field: field, rows: rows)
        let augmented = RungeKuttaKernel<Scalar>(tableau: integration.tableau, field: system, rows: 1)
        ledger.allocate(augmented.workspaceBytes + 2 * system.dimension * scalarBytes)
        var y = [Scalar](repeating: 0, count: system.dimension)
        var yScratch = y
        let value = z.withUnsafeBufferPointer { zp in
            y.withUnsafeMutableBufferPointer { loss(zp, cotangent: UnsafeMutableBufferPointer(rebasing: $0[n..<(2 * n)])) }
        }
        var backGuess: Double? = nil
        for s in stride(from: segments - 1, through: 0, by: -1) {
            y.withUnsafeMutableBufferPointer { $0.baseAddress!.update(from: ends[s], count: n) }
            augmented.invalidateFirstStage()
            let sp: IntegrationSpan
            switch integration {
            case let .fixed(_, steps):
                let h = (t1 - t0) / Double(steps)
                let startTime = t0 + Double(boundaryIndex[s + 1]) * h
                sp = .fixed(t0: startTime, h: -h, indices: 0..<(boundaryIndex[s + 1] - boundaryIndex[s]))
            case let .adaptive(_, rtol, atol, maximumSteps):
                sp = .adaptive(from: boundaryTime[s + 1], to: boundaryTime[s], rtol: rtol, atol: atol, maximumSteps: maximumSteps)
            }
            let counts = try y.withUnsafeMutableBufferPointer { yp throws(GradientError) in
                try yScratch.withUnsafeMutableBufferPointer { ysp throws(GradientError) in
                    try RungeKuttaDriver.integrate(kernel: augmented, state: yp.baseAddress!, scratch: ysp.baseAddress!,
                                                   span: sp, stepGuess: &backGuess,
                                                   stageStore: nil) { _, _, _, _ throws(GradientError) in }
                }
            }
            stats.backwardSteps += counts.accepted
        }
        stats.backwardEvaluations = system.evaluations
        stats.vectorJacobianProducts = system.evaluations
        stats.peakBytes = ledger.peak
        return GradientResult(loss: value, finalState: z, initialStateGradient: Array(y[n..<(2 * n)]),
                              parameterGradient: Array(y[(2 * n)..<(2 * n + p)]), statistics: stats)
    }
}
