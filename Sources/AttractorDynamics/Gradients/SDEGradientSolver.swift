import AttractorNumerics

/// Gradients of a terminal loss through a fixed-step SDE solve `dz = f dt + g dW` on a
/// replayable Brownian path, with respect to `z0`, the drift's and the diffusion's
/// parameters. `parameterGradient` holds the drift's parameters, then the diffusion's.
///
/// - `backprop`: the exact gradient of the discrete scheme on that path (every state stored).
/// - `adjoint`: the stochastic adjoint of Li et al. (2020): the augmented Stratonovich SDE
///   `dz = f̃ dt + g∘dW`, `da = −aᵀ∂f̃/∂z dt − aᵀ∂g/∂z∘dW`, `dθ̄ = −aᵀ∂f̃/∂θ dt − aᵀ∂g/∂θ∘dW`
///   integrated backward by reversed stochastic Heun with the same increments regenerated
///   from the path (`f̃ = f` for Stratonovich Heun, `f̃ = f − ½ g ∂g/∂z` for an Itô SDE solved
///   by Euler–Maruyama). Converges to the pathwise gradient as steps grow; memory O(state).
public struct SDEGradientSolver<Drift: DifferentiableVectorField, Diffusion: DifferentiableNoiseField>
where Drift.Scalar == Diffusion.Scalar {
    public typealias Scalar = Drift.Scalar

    public enum Scheme: String, Sendable, CaseIterable {
        /// Euler–Maruyama (Itô), strong order ½ (1 for additive noise); 1 f and 1 g per step.
        case eulerMaruyama
        /// Stochastic Heun (Stratonovich), strong order 1 for commuting noise; 2 f and 2 g per step.
        case stochasticHeun
    }

    public enum Strategy: Sendable, Equatable, CustomStringConvertible {
        case backprop
        /// Stochastic adjoint with the state reset at `checkpoints` stored states.
        case adjoint(checkpoints: Int)
        public var description: String {
            switch self {
            case .backprop: return "backprop"
            case let .adjoint(c): return "adjoint(checkpoints: \(c))"
            }
        }
    }

    public var drift: Drift
    public var diffusion: Diffusion
    public var scheme: Scheme
    public var steps: Int
    public var t0: Double
    public var t1: Double
    /// The Brownian path, `rows × dimension` channels (diagonal/additive noise) or `rows × 1`
    /// (scalar noise), covering `[t0, t1]`. Step `i` uses `W(t_{i+1}) − W(t_i)`, replayed
    /// from the path for the backward pass, so nothing of the path is stored here.
    public var brownian: BrownianPath<Scalar>

    public init(drift: Drift, diffusion: Diffusion, scheme: Scheme, steps: Int, from t0: Double = 0, to t1: Double = 1,
                brownian: BrownianPath<Scalar>) {
        self.drift = drift
        self.diffusion = diffusion
        self.scheme = scheme
        self.steps = steps
        self.t0 = t0
        self.t1 = t1
        self.brownian = brownian
    }

    /// The grid of `SDESolver` (same times, same per-step `h`), so the discrete map
    /// differentiated here is the one the solver core integrates.
    private var dt: Double { (t1 - t0) / Double(steps) }
    private func time(_ i: Int) -> Scalar { Scalar(gridTime(i)) }
    private func stepSize(_ i: Int) -> Scalar { Scalar(gridTime(i + 1) - gridTime(i)) }

    private func validate(_ z0: [Scalar], rows: Int) throws(GradientError) {
        guard drift.dimension == diffusion.dimension else {
            throw .solver(.dimensionMismatch(expected: drift.dimension, got: diffusion.dimension, what: "diffusion dimension"))
        }
        guard rows > 0, z0.count == rows * drift.dimension else {
            throw .solver(.dimensionMismatch(expected: rows * drift.dimension, got: z0.count, what: "initial state"))
        }
        let needed = diffusion.noiseKind == .scalar ? rows : rows * drift.dimension
        guard brownian.channels == needed else {
            throw .solver(.dimensionMismatch(expected: needed, got: brownian.channels, what: "Brownian path channels"))
        }
        guard brownian.t0 <= t0, brownian.t1 >= t1 else {
            throw .invalidArgument("the Brownian path spans [\(brownian.t0), \(brownian.t1)], the solve [\(t0), \(t1)]")
        }
        guard steps > 0 else { throw .solver(.invalidStepSize(0)) }
        guard t0.isFinite, t1.isFinite, t1 > t0 else { throw .solver(.invalidTimeSpan(t0: t0, t1: t1)) }
    }

    // MARK: Noise helpers

    /// Grid time `t_i` in Double (exactly `t1` at the end).
    private func gridTime(_ i: Int) -> Double { i == steps ? t1 : t0 + Double(i) * dt }

    /// `W(t_{i+1}) − W(t_i)` into `dw` (`scratch` holds `W(t_i)`).
    private func increment(_ i: Int, into dw: UnsafeMutablePointer<Scalar>, scratch: UnsafeMutablePointer<Scalar>) throws(GradientError) {
        do {
            try brownian.increment(from: gridTime(i), to: gridTime(i + 1), into: dw, scratch: scratch)
        } catch {
            throw .brownianPath(error)
        }
    }

    /// `out += scale · g ⊙ ΔW` (per component, or per row for scalar noise).
    private func addNoise(_ g: UnsafePointer<Scalar>, _ dw: UnsafePointer<Scalar>, scale: Scalar,
                          into out: UnsafeMutablePointer<Scalar>, count n: Int) {
        let d = drift.dimension
        if diffusion.noiseKind == .scalar {
            for i in 0..<n { out[i] += scale * g[i] * dw[i / d] }
        } else {
            for i in 0..<n { out[i] += scale * g[i] * dw[i] }
        }
    }

    /// The cotangent of `g` given the cotangent `a` of `g ⊙ ΔW`: `c = scale · a ⊙ ΔW`.
    private func noiseCotangent(_ a: UnsafePointer<Scalar>, _ dw: UnsafePointer<Scalar>, scale: Scalar,
                                into c: UnsafeMutablePointer<Scalar>, count n: Int) {
        let d = drift.dimension
        if diffusion.noiseKind == .scalar {
            for i in 0..<n { c[i] = scale * a[i] * dw[i / d] }
        } else {
            for i in 0..<n { c[i] = scale * a[i] * dw[i] }
        }
    }

    // MARK: Forward

    /// One step of the scheme from `z` into `next` (the same arithmetic as `SDESolver`);
    /// `predictor` receives Heun's `z̃`. `f0, g0` hold `f, g` at `z`, `f1, g1` at `z̃`.
    private func step(_ i: Int, rows: Int, z: UnsafePointer<Scalar>, dw: UnsafePointer<Scalar>,
                      next: UnsafeMutablePointer<Scalar>, predictor: UnsafeMutablePointer<Scalar>,
                      f0: UnsafeMutablePointer<Scalar>, g0: UnsafeMutablePointer<Scalar>,
                      f1: UnsafeMutablePointer<Scalar>, g1: UnsafeMutablePointer<Scalar>, count n: Int) {
        let sel = RowSelection(count: rows), t = time(i), h = stepSize(i)
        let d = drift.dimension, scalarNoise = diffusion.noiseKind == .scalar
        drift.evaluate(t: t, state: z, derivative: f0, rows: sel)
        diffusion.diffusion(t: t, state: z, diffusion: g0, rows: sel)
        switch scheme {
        case .eulerMaruyama:
            for k in 0..<n { next[k] = z[k] + (f0[k] * h + g0[k] * dw[scalarNoise ? k / d : k]) }
        case .stochasticHeun:
            for k in 0..<n { predictor[k] = z[k] + f0[k] * h + g0[k] * dw[scalarNoise ? k / d : k] }
            drift.evaluate(t: time(i + 1), state: predictor, derivative: f1, rows: sel)
            diffusion.diffusion(t: time(i + 1), state: predictor, diffusion: g1, rows: sel)
            let half: Scalar = 0.5
            for k in 0..<n {
                next[k] = z[k] + half * ((f0[k] + f1[k]) * h + (g0[k] + g1[k]) * dw[scalarNoise ? k / d : k])
            }
        }
    }

    /// The final state on the path (nothing stored); for losses and finite differences.
    public func solve(initialState z0: [Scalar], rows: Int) throws(GradientError) -> [Scalar] {
        try validate(z0, rows: rows)
        let n = z0.count
        var z = z0, next = z0, pred = z0, f = z0, g = z0, f1 = z0, g1 = z0
        var dw = [Scalar](repeating: 0, count: brownian.channels), wScratch = dw
        for i in 0..<steps {
            try increment(i, into: &dw, scratch: &wScratch)
            step(i, rows: rows, z: z, dw: dw, next: &next, predictor: &pred, f0: &f, g0: &g, f1: &f1, g1: &g1, count: n)
            swap(&z, &next)
            try RungeKuttaDriver.checkFinite(z, count: n, t: gridTime(i + 1), rowLength: drift.dimension)
        }
        return z
    }

    // MARK: Gradient

    public func gradient(
        initialState z0: [Scalar], rows: Int, loss: TerminalLoss<Scalar>, strategy: Strategy
    ) throws(GradientError) -> GradientResult<Scalar> {
        try validate(z0, rows: rows)
        switch strategy {
        case .backprop: return try backpropagate(z0, rows: rows, loss: loss)
        case let .adjoint(checkpoints):
            guard checkpoints > 0 else { throw .invalidArgument("adjoint needs at least one checkpoint, got \(checkpoints)") }
            return try adjoint(z0, rows: rows, loss: loss, checkpoints: min(checkpoints, steps))
        }
    }

    private func backpropagate(_ z0: [Scalar], rows: Int, loss: TerminalLoss<Scalar>) throws(GradientError) -> GradientResult<Scalar> {
        let n = z0.count, pf = drift.parameterCount, pg = diffusion.parameterCount
        let heun = scheme == .stochasticHeun
        let perStep = heun ? 2 * n : n
        var tape = [Scalar](repeating: 0, count: steps * perStep)
        var stats = GradientStatistics()
        var z = z0, next = z0, pred = z0, f = z0, g = z0, f1 = z0, g1 = z0
        var dw = [Scalar](repeating: 0, count: brownian.channels), wScratch = dw
        for i in 0..<steps {
            try increment(i, into: &dw, scratch: &wScratch)
            step(i, rows: rows, z: z, dw: dw, next: &next, predictor: &pred, f0: &f, g0: &g, f1: &f1, g1: &g1, count: n)
            tape.replaceSubrange((i * perStep)..<(i * perStep + n), with: z)
            if heun { tape.replaceSubrange((i * perStep + n)..<((i + 1) * perStep), with: pred) }
            swap(&z, &next)
            try RungeKuttaDriver.checkFinite(z, count: n, t: gridTime(i + 1), rowLength: drift.dimension)
            stats.forwardEvaluations += heun ? 2 : 1
        }
        stats.forwardSteps = steps

        var a = [Scalar](repeating: 0, count: n)
        let value = z.withUnsafeBufferPointer { zp in a.withUnsafeMutableBufferPointer { loss(zp, cotangent: $0) } }
        var grad = [Scalar](repeating: 0, count: pf + pg)
        var c = a, v = a, predBar = a, aHalf = a
        let sel = RowSelection(count: rows)
        try grad.withUnsafeMutableBufferPointer { gp throws(GradientError) in
            let gf = pf > 0 ? gp.baseAddress! : nil, gg = pg > 0 ? gp.baseAddress! + pf : nil
            try tape.withUnsafeBufferPointer { tp throws(GradientError) in
                for i in stride(from: steps - 1, through: 0, by: -1) {
                    let t = time(i), h = stepSize(i), tNext = time(i + 1)
                    try increment(i, into: &dw, scratch: &wScratch)
                    let zi = tp.baseAddress! + i * perStep
                    switch scheme {
                    case .eulerMaruyama:
                        // z' = z + h f(z) + g(z)ΔW
                        for p in 0..<n { aHalf[p] = a[p]; c[p] = h * a[p] }
                        drift.vectorJacobianProduct(t: t, state: zi, cotangent: c, stateCotangent: &v, parameterGradient: gf, rows: sel)
                        for p in 0..<n { a[p] += v[p] }
                        noiseCotangent(aHalf, dw, scale: 1, into: &c, count: n)
                        diffusion.diffusionVectorJacobianProduct(t: t, state: zi, cotangent: c, stateCotangent: &v, parameterGradient: gg, rows: sel)
                        for p in 0..<n { a[p] += v[p] }
                        stats.vectorJacobianProducts += 2
                    case .stochasticHeun:
                        let zp = zi + n
                        // z̄̃ = VJP_f(z̃; ½hā) + VJP_g(z̃; ½ā⊙ΔW)
                        for p in 0..<n { c[p] = h / 2 * a[p] }
                        drift.vectorJacobianProduct(t: tNext, state: zp, cotangent: c, stateCotangent: &predBar, parameterGradient: gf, rows: sel)
                        noiseCotangent(a, dw, scale: 0.5, into: &c, count: n)
                        diffusion.diffusionVectorJacobianProduct(t: tNext, state: zp, cotangent: c, stateCotangent: &v, parameterGradient: gg, rows: sel)
                        for p in 0..<n { predBar[p] += v[p] }
                        // z̄ = ā + z̄̃ + VJP_f(z; h(½ā + z̄̃)) + VJP_g(z; (½ā + z̄̃)⊙ΔW)
                        for p in 0..<n { aHalf[p] = a[p] / 2 + predBar[p]; c[p] = h * aHalf[p] }
                        drift.vectorJacobianProduct(t: t, state: zi, cotangent: c, stateCotangent: &v, parameterGradient: gf, rows: sel)
                        for p in 0..<n { a[p] += predBar[p] + v[p] }
                        noiseCotangent(aHalf, dw, scale: 1, into: &c, count: n)
                        diffusion.diffusionVectorJacobianProduct(t: t, state: zi, cotangent: c, stateCotangent: &v, parameterGradient: gg, rows: sel)
                        for p in 0..<n { a[p] += v[p] }
                        stats.vectorJacobianProducts += 4
                    }
                    stats.backwardSteps += 1
                }
            }
        }
        stats.peakBytes = (tape.count + 10 * n + pf + pg) * MemoryLayout<Scalar>.stride
        return GradientResult(loss: value, finalState: z, initialStateGradient: a, parameterGradient: grad, statistics: stats)
    }

    /// Drift `D(y)` and noise `N(y, ΔW)` of the augmented backward system (see type doc),
    /// written into `dDrift` and `dNoise` (layout `z | a | θ_f | θ_g`).
    private func augmented(
        t: Scalar, y: UnsafePointer<Scalar>, dw: UnsafePointer<Scalar>, rows: Int,
        dDrift: UnsafeMutablePointer<Scalar>, dNoise: UnsafeMutablePointer<Scalar>,
        g: UnsafeMutablePointer<Scalar>, c: UnsafeMutablePointer<Scalar>, v: UnsafeMutablePointer<Scalar>, n: Int
    ) throws(GradientError) {
        let pf = drift.parameterCount, pg = diffusion.parameterCount
        let sel = RowSelection(count: rows)
        let z = y, a = y + n
        let total = 2 * n + pf + pg
        dDrift.update(repeating: 0, count: total)
        dNoise.update(repeating: 0, count: total)
        // Drift part: f(z) and −aᵀ∂f/∂(z, θ_f)
        drift.evaluate(t: t, state: z, derivative: dDrift, rows: sel)
        drift.vectorJacobianProduct(t: t, state: z, cotangent: a, stateCotangent: dDrift + n,
                                    parameterGradient: pf > 0 ? dDrift + 2 * n : nil, rows: sel)
        if scheme == .eulerMaruyama {
            // Itô → Stratonovich: f̃ = f − c(z), c = ½ g ∂g/∂z.
            let gthetaScratch = dDrift + 2 * n + pf  // accumulates +aᵀ∂c/∂θ_g (sign flipped below)
            guard diffusion.itoCorrection(t: t, state: z, cotangent: a, correction: c, stateCotangent: v,
                                          parameterGradient: pg > 0 ? gthetaScratch : nil, rows: sel) else {
                throw .unsupported(strategy: "SDE adjoint (Itô)", reason: "the diffusion supplies no Itô correction for \(diffusion.noiseKind) noise")
            }
            for p in 0..<n { dDrift[p] -= c[p]; dDrift[n + p] -= v[p] }
            for p in 0..<pg { gthetaScratch[p] = -gthetaScratch[p] }
        }
        for p in n..<(2 * n + pf) { dDrift[p] = -dDrift[p] }
        for p in 0..<pg { dDrift[2 * n + pf + p] = -dDrift[2 * n + pf + p] }
        // Noise part: g ⊙ ΔW and −aᵀ∂g/∂(z, θ_g) applied to ΔW.
        diffusion.diffusion(t: t, state: z, diffusion: g, rows: sel)
        addNoise(g, dw, scale: 1, into: dNoise, count: n)
        noiseCotangent(a, dw, scale: 1, into: c, count: n)
        diffusion.diffusionVectorJacobianProduct(t: t, state: z, cotangent: c, stateCotangent: dNoise + n,
                                                 parameterGradient: pg > 0 ? dNoise + 2 * n + pf : nil, rows: sel)
        for p in n..<total { dNoise[p] = -dNoise[p] }
    }

    private func adjoint(_ z0: [Scalar], rows: Int, loss: TerminalLoss<Scalar>, checkpoints: Int) throws(GradientError) -> GradientResult<Scalar> {
        let n = z0.count, pf = drift.parameterCount, pg = diffusion.parameterCount
        let total = 2 * n + pf + pg
        var stats = GradientStatistics()
        // Forward, storing the state at the start of each backward segment.
        let boundaries = (0...checkpoints).map { steps * $0 / checkpoints }
        var stored: [Int: [Scalar]] = [:]
        var z = z0, next = z0, pred = z0, f = z0, g = z0, f1 = z0, g1 = z0
        var dw = [Scalar](repeating: 0, count: brownian.channels), wScratch = dw
        for i in 0..<steps {
            try increment(i, into: &dw, scratch: &wScratch)
            step(i, rows: rows, z: z, dw: dw, next: &next, predictor: &pred, f0: &f, g0: &g, f1: &f1, g1: &g1, count: n)
            swap(&z, &next)
            try RungeKuttaDriver.checkFinite(z, count: n, t: gridTime(i + 1), rowLength: drift.dimension)
            if boundaries.dropFirst().contains(i + 1) { stored[i + 1] = z }
            stats.forwardEvaluations += scheme == .stochasticHeun ? 2 : 1
        }
        stats.forwardSteps = steps

        // Backward: reversed stochastic Heun on the augmented Stratonovich system.
        var y = [Scalar](repeating: 0, count: total)
        let value = z.withUnsafeBufferPointer { zp in
            y.withUnsafeMutableBufferPointer { loss(zp, cotangent: UnsafeMutableBufferPointer(rebasing: $0[n..<(2 * n)])) }
        }
        var yPred = y, d1 = y, n1 = y, d2 = y, n2 = y
        var c = z0, v = z0
        var negDW = dw
        for i in stride(from: steps - 1, through: 0, by: -1) {
            if let reset = stored[i + 1] { y.replaceSubrange(0..<n, with: reset) }
            let tEnd = time(i + 1), hb = -stepSize(i)
            try increment(i, into: &dw, scratch: &wScratch)
            for p in dw.indices { negDW[p] = -dw[p] }
            try augmented(t: tEnd, y: y, dw: negDW, rows: rows, dDrift: &d1, dNoise: &n1, g: &g, c: &c, v: &v, n: n)
            for p in 0..<total { yPred[p] = y[p] + hb * d1[p] + n1[p] }
            try augmented(t: time(i), y: yPred, dw: negDW, rows: rows, dDrift: &d2, dNoise: &n2, g: &g, c: &c, v: &v, n: n)
            for p in 0..<total { y[p] += hb / 2 * (d1[p] + d2[p]) + (n1[p] + n2[p]) / 2 }
            stats.backwardEvaluations += 2
            stats.vectorJacobianProducts += 4
            stats.backwardSteps += 1
        }
        stats.peakBytes = (stored.count * n + 7 * total + 8 * n) * MemoryLayout<Scalar>.stride
        return GradientResult(loss: value, finalState: z, initialStateGradient: Array(y[n..<(2 * n)]),
                              parameterGradient: Array(y[(2 * n)...]), statistics: stats)
    }
}
