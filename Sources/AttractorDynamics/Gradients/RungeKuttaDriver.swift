import AttractorNumerics

/// The stretch of time one call to `RungeKuttaDriver.integrate` covers (time in Double,
/// as in the solver core).
enum IntegrationSpan {
    /// Steps `indices` of a fixed grid `t_i = t0 + i·h` (h may be negative).
    case fixed(t0: Double, h: Double, indices: Range<Int>)
    /// Adaptive steps from `from` to `to` (either direction).
    case adaptive(from: Double, to: Double, rtol: Double, atol: Double, maximumSteps: Int)
}

/// The step loop of the gradient strategies over the solver core's stepper, error norm,
/// PI controller and initial-step heuristic. Unlike `ODESolver` it runs in either time
/// direction (the adjoint integrates backward) and reports every accepted step with its
/// stage inputs, which the backward passes need.
enum RungeKuttaDriver {
    /// Integrates `state` in place over `span`, calling `onAccepted(t, h, zBefore, stages)`
    /// after each accepted step (`stages` are the stage inputs when `stageStore` is given).
    /// `stepGuess` carries the adaptive step size between calls. With `storeStride` > 0
    /// (fixed steps only) the k-th step of the span stores at `stageStore + k·storeStride`,
    /// so a caller can hand over its whole tape and skip copying each step's stages.
    /// Returns (accepted steps, rejected steps).
    @discardableResult
    static func integrate<S>(
        kernel: RungeKuttaKernel<S>, state z: UnsafeMutablePointer<S>, scratch next: UnsafeMutablePointer<S>,
        span: IntegrationSpan, stepGuess: inout Double?, stageStore: UnsafeMutablePointer<S>?, storeStride: Int = 0,
        onAccepted: (Double, Double, UnsafePointer<S>, UnsafePointer<S>?) throws(GradientError) -> Void
    ) throws(GradientError) -> (accepted: Int, rejected: Int) {
        let n = kernel.count, d = kernel.dimension
        switch span {
        case let .fixed(t0, h, indices):
            for i in indices {
                let t = t0 + Double(i) * h
                let store = stageStore.map { $0 + (i - indices.lowerBound) * storeStride }
                kernel.step(t: t, h: h, z: z, next: next, store: store)
                try onAccepted(t, h, z, store.map { UnsafePointer($0) })
                z.update(from: next, count: n)
                kernel.accept()
                try checkFinite(z, count: n, t: t + h, rowLength: d)
            }
            return (indices.count, 0)

        case let .adaptive(ta, tb, rtolValue, atolValue, maximumSteps):
            precondition(storeStride == 0, "RungeKuttaDriver: a store stride needs fixed steps")
            guard kernel.tableau.errorWeights != nil else {
                throw .unsupported(strategy: "adaptive integration", reason: "tableau \(kernel.tableau.name) has no embedded error estimate")
            }
            let direction: Double = tb >= ta ? 1 : -1
            let rtol = [S](repeating: S(rtolValue), count: d), atol = [S](repeating: S(atolValue), count: d)
            var t = ta
            var accepted = 0, rejected = 0
            kernel.prepareFirstStage(t: t, z: z)
            var h: Double
            if let g = stepGuess, g != 0 {
                h = abs(g)
            } else {
                h = DormandPrince54.initialStep(
                    kernel.evaluator, stepper: kernel.stepper, t: t, state: z, scratch: next, rows: kernel.selection,
                    rtol: rtol, atol: atol, maximumStep: abs(tb - ta), order: kernel.tableau.order,
                    statistics: &kernel.statistics)
            }
            var memory = PIStepController.Memory()
            let controller = PIStepController()
            let roundoff = 10 * Double.ulpOfOne
            while direction * (tb - t) > 0 {
                if accepted + rejected >= maximumSteps {
                    throw .solver(.maximumStepsExceeded(steps: maximumSteps, t: t, t1: tb))
                }
                var isLast = false
                if 1.01 * h >= abs(tb - t) { h = abs(tb - t); isLast = true }
                if h <= roundoff * abs(t) || h < Double.leastNormalMagnitude {
                    throw .solver(.stepSizeUnderflow(t: t, stepSize: h))
                }
                let signed = direction * h
                kernel.step(t: t, h: signed, z: z, next: next, store: stageStore)
                let err = kernel.stepper.errorNorm(h: signed, state: z, next: next, rows: kernel.rows,
                                                   relativeTolerance: rtol, absoluteTolerance: atol)
                guard err.isFinite else {
                    rejected += 1
                    memory.lastRejected = true
                    h *= 0.1
                    continue
                }
                let decision = controller.decide(error: err, stepSize: h, order: kernel.tableau.order, memory: &memory)
                guard decision.accept else {
                    rejected += 1
                    h = decision.next
                    continue
                }
                try onAccepted(t, signed, z, stageStore.map { UnsafePointer($0) })
                z.update(from: next, count: n)
                t = isLast ? tb : t + signed
                accepted += 1
                kernel.accept()
                try checkFinite(z, count: n, t: t, rowLength: d)
                h = decision.next
                if !isLast { stepGuess = h }
            }
            return (accepted, rejected)
        }
    }

    static func checkFinite<S: Scalar>(_ z: UnsafePointer<S>, count: Int, t: Double, rowLength: Int) throws(GradientError) {
        for i in 0..<count where !z[i].isFinite {
            throw .solver(.nonFiniteState(t: t, row: i / max(rowLength, 1)))
        }
    }
}
