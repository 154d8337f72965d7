import AttractorNumerics

/// The stretch of time one call to `RungeKuttaDriver.integrate` covers.
enum IntegrationSpan<S: Scalar> {
    /// Steps `indices` of a fixed grid `t_i = t0 + i·h` (h may be negative).
    case fixed(t0: S, h: S, indices: Range<Int>)
    /// Adaptive steps from `from` to `to` (either direction).
    case adaptive(from: S, to: S, rtol: S, atol: S, maximumSteps: Int)
}

/// Step loop over a `RungeKuttaKernel`: fixed grids and adaptive error control.
///
/// The gradient strategies use it until the solver core's steppers are shared with them;
/// it is deliberately minimal (no dense output, no events).
enum RungeKuttaDriver {
    /// Integrates `state` in place over `span`, calling `onAccepted(t, h, zBefore, stages)`
    /// after each accepted step (`stages` are the stage inputs when `stageStore` is given).
    /// `state` and `scratch` hold `kernel.count` scalars. `stepGuess` carries the adaptive
    /// step size between calls. Returns (accepted steps, rejected steps, evaluations).
    @discardableResult
    static func integrate<F: VectorField, S>(
        _ field: F, kernel: RungeKuttaKernel<S>, rows: Int, state z: UnsafeMutablePointer<S>,
        scratch next: UnsafeMutablePointer<S>, span: IntegrationSpan<S>, stepGuess: inout S?,
        stageStore: UnsafeMutablePointer<S>?,
        onAccepted: (S, S, UnsafePointer<S>, UnsafePointer<S>?) throws(GradientError) -> Void
    ) throws(GradientError) -> (accepted: Int, rejected: Int, evaluations: Int) where F.Scalar == S {
        let n = kernel.count
        switch span {
        case let .fixed(t0, h, indices):
            var evaluations = 0
            for i in indices {
                let t = t0 + S(i) * h
                evaluations += kernel.step(field, rows: rows, t: t, h: h, z: z, next: next, store: stageStore)
                try onAccepted(t, h, z, stageStore.map { UnsafePointer($0) })
                z.update(from: next, count: n)
                try checkFinite(z, count: n, t: t + h, rowLength: n / max(rows, 1))
            }
            return (indices.count, 0, evaluations)

        case let .adaptive(ta, tb, rtol, atol, maximumSteps):
            guard let q = kernel.tableau.embeddedOrder, kernel.tableau.errorWeights != nil else {
                throw .unsupported(strategy: "adaptive integration", reason: "tableau \(kernel.tableau.name) has no embedded error estimate")
            }
            let direction: S = tb >= ta ? 1 : -1
            var t = ta
            var accepted = 0, rejected = 0, evaluations = 0
            // f(t, z) in k[0] (also used for the initial step size).
            field.evaluate(t: t, state: z, derivative: kernel.k, rows: RowSelection(count: rows))
            evaluations += 1
            var firstStageKnown = true
            var h: S
            if let g = stepGuess, g != 0 {
                h = direction * abs(g)
            } else {
                var d0: S = 0, d1: S = 0
                for i in 0..<n {
                    let sc = atol + rtol * abs(z[i])
                    d0 += (z[i] / sc) * (z[i] / sc)
                    d1 += (kernel.k[i] / sc) * (kernel.k[i] / sc)
                }
                d0 = (d0 / S(n)).squareRoot(); d1 = (d1 / S(n)).squareRoot()
                h = (d0 < 1e-5 || d1 < 1e-5) ? S(1e-6) : S(0.01) * d0 / d1
                h = direction * min(h, abs(tb - ta))
            }
            let exponent = -1 / S(q + 1)
            while direction * (tb - t) > 0 {
                if accepted + rejected >= maximumSteps {
                    throw .solver(.maximumStepsExceeded(steps: maximumSteps, t: Double(t), t1: Double(tb)))
                }
                var last = false
                if abs(h) >= abs(tb - t) * (1 - S.ulpOfOne * 4) { h = tb - t; last = true }
                evaluations += kernel.step(field, rows: rows, t: t, h: h, z: z, next: next,
                                           store: stageStore, firstStageKnown: firstStageKnown)
                firstStageKnown = true  // k[0] = f(t, z) stays valid until the state moves
                var sum: S = 0
                for i in 0..<n {
                    let sc = atol + rtol * max(abs(z[i]), abs(next[i]))
                    let e = kernel.error[i] / sc
                    sum += e * e
                }
                let err = (sum / S(n)).squareRoot()
                if err <= 1 {
                    try onAccepted(t, h, z, stageStore.map { UnsafePointer($0) })
                    z.update(from: next, count: n)
                    t = last ? tb : t + h
                    accepted += 1
                    try checkFinite(z, count: n, t: t, rowLength: n / max(rows, 1))
                    if kernel.tableau.firstSameAsLast {
                        kernel.reuseLastStageAsFirst()
                    } else {
                        firstStageKnown = false
                    }
                    let factor = err == 0 ? 10 : min(10, max(0.2, 0.9 * S.pow(err, exponent)))
                    if !last { stepGuess = h * factor }
                    h *= factor
                } else {
                    rejected += 1
                    let factor = err.isFinite ? max(0.2, 0.9 * S.pow(err, exponent)) : 0.2
                    h *= factor
                }
                if abs(h) <= abs(t) * S.ulpOfOne * 16 || abs(h) < S.leastNormalMagnitude {
                    throw .solver(.stepSizeUnderflow(t: Double(t), stepSize: Double(h)))
                }
            }
            return (accepted, rejected, evaluations)
        }
    }

    static func checkFinite<S: Scalar>(_ z: UnsafePointer<S>, count: Int, t: S, rowLength: Int) throws(GradientError) {
        for i in 0..<count where !z[i].isFinite {
            throw .solver(.nonFiniteState(t: Double(t), row: i / max(rowLength, 1)))
        }
    }
}
