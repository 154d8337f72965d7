import AttractorDynamics
import AttractorNumerics
import Testing
@testable import AttractorReasoning

/// The level steps run on the solver core's `RungeKuttaKernel` (`LevelStepField`). Oracle:
/// the reasoning layer's previous hand-written Runge–Kutta step and its transpose, kept
/// here in plain loops (stage states by successive axpys, every stage evaluated and
/// transposed, VJPs by re-evaluating `F` at the recorded stage inputs). In Double the
/// kernel path must give the same segment output bit for bit and the same gradient to
/// rounding, for every explicit tableau, one or two networks, and a batch that shrinks.
/// (Bit for bit above 64 scalars per step, where the core forms stage states stage by stage
/// as the old code did; every batch here has at least 3 rows of 32.)
@Suite struct SolverCoreStepTests {
    /// One step of the oracle, as recorded for its transpose.
    struct Step {
        var low: Bool
        var inputs: [[Double]]     // u_i = Y_i + c per stage
        var h: Double
        var scale: Double
    }

    static func tableau(_ m: ReasoningModel<Double>) -> ButcherTableau { m.tableau }

    /// The oracle's forward segment (multi-rate schedule) on `s`; records every step.
    static func referenceSegment(_ m: ReasoningModel<Double>, _ s: LatentState<Double>, input: SegmentInput<Double>,
                                 batch: Int) -> [Step] {
        let x = input.embedding
        let c = m.configuration, t = tableau(m)
        let n = batch * m.stateWidth
        var steps: [Step] = []
        func step(low: Bool) {
            let y = low ? s.low.pointer : s.high.pointer
            var addend = [Double](repeating: 0, count: n)
            for e in 0..<n { addend[e] = low ? s.high.pointer[e] + x[e] : s.low.pointer[e] }
            let h = low ? c.lowStepSize : c.stepSize
            let scale = low ? 1 / c.epsilon : 1
            var k: [[Double]] = [], inputs: [[Double]] = []
            for i in 0..<t.stages {
                var Y = Array(UnsafeBufferPointer(start: y, count: n))
                for j in 0..<i where t.a[i][j] != 0 {
                    let w = h * t.a[i][j]
                    for e in 0..<n { Y[e] += w * k[j][e] }
                }
                var u = [Double](repeating: 0, count: n)
                for e in 0..<n { u[e] = Y[e] + addend[e] }
                let out = u.withUnsafeBufferPointer {
                    m.evaluate(network: low ? m.lowNetwork : m.highNetwork, $0.baseAddress!, batch: batch)
                }
                k.append((0..<n).map { scale * (out[$0] - Y[$0]) })
                inputs.append(u)
            }
            for i in 0..<t.stages where t.b[i] != 0 {
                let w = h * t.b[i]
                for e in 0..<n { y[e] += w * k[i][e] }
            }
            steps.append(Step(low: low, inputs: inputs, h: h, scale: scale))
        }
        for _ in 0..<c.cycles {
            for _ in 0..<c.lowSteps { step(low: true) }
            step(low: false)
        }
        return steps
    }

    /// The oracle's transpose of recorded steps (last to first): `k̄_i = h b_i ȳ'`; for each
    /// stage from the last: `v = F_uᵀ(s k̄_i)`, `Ȳ_i = v − s k̄_i`, `c̄ += v`, `ȳ += Ȳ_i`,
    /// `k̄_j += h a_ij Ȳ_i`; then the embedding's backward.
    static func referenceBackward(_ m: ReasoningModel<Double>, steps: [Step], tokens: [Int32], batch: Int) {
        let t = tableau(m), n = batch * m.stateWidth
        m.inputCotangent.pointer.update(repeating: 0, count: n)
        let g = m.store.gradients.pointer
        for step in steps.reversed() {
            let dy = step.low ? m.lowCotangent.pointer : m.highCotangent.pointer
            var kb = (0..<t.stages).map { i in (0..<n).map { step.h * t.b[i] * dy[$0] } }
            for i in stride(from: t.stages - 1, through: 0, by: -1) {
                let fbar = kb[i].map { step.scale * $0 }
                let v = step.inputs[i].withUnsafeBufferPointer { u in
                    fbar.withUnsafeBufferPointer { a in
                        Array(UnsafeBufferPointer(start: m.vectorJacobianProduct(
                            network: step.low ? m.lowNetwork : m.highNetwork, input: u.baseAddress!,
                            cotangent: a.baseAddress!, batch: batch, gradients: g), count: n))
                    }
                }
                for e in 0..<n {
                    let ybar = v[e] - fbar[e]
                    if step.low {
                        m.highCotangent.pointer[e] += v[e]
                        m.inputCotangent.pointer[e] += v[e]
                    } else {
                        m.lowCotangent.pointer[e] += v[e]
                    }
                    dy[e] += ybar
                    for j in 0..<i where t.a[i][j] != 0 { kb[j][e] += step.h * t.a[i][j] * ybar }
                }
            }
        }
        m.embedding.backward(UnsafePointer(m.inputCotangent.pointer), tokens: tokens, rows: batch * m.sequence,
                             gradients: g)
    }

    struct Result {
        var high: [Double], logits: [Double], gradient: [Double]
    }

    static func kernelPath(_ m: ReasoningModel<Double>, tokens: [Int32], start: LatentState<Double>, batch: Int) throws -> Result {
        let r = try ReasoningTestSupport.segmentGradient(m, tokens: tokens, start: start, batch: batch)
        return Result(high: r.high, logits: r.logits, gradient: r.gradient)
    }

    /// `ReasoningTestSupport.segmentGradient` with the oracle's segment and transpose.
    static func referencePath(_ m: ReasoningModel<Double>, tokens: [Int32], start: LatentState<Double>, batch: Int) throws -> Result {
        let s = m.makeState()
        s.copy(from: start)
        m.store.zeroGradients()
        let input = try m.embedded(tokens, batch: batch)
        let steps = referenceSegment(m, s, input: input, batch: batch)
        m.computeHeads(s, batch: batch)
        m.clearCotangents(batch: batch)
        _ = ReasoningTestSupport.linearLoss(m, batch: batch, seed: 99)
        m.backwardHeads(s, batch: batch)
        referenceBackward(m, steps: steps, tokens: tokens, batch: batch)
        return Result(high: Array(s.high.buffer.prefix(batch * m.stateWidth)),
                      logits: Array(m.logits.buffer.prefix(batch * m.sequence * m.vocabulary)),
                      gradient: m.store.gradients.array)
    }

    /// Every step taped (one cycle, `lastCycle`), so the oracle's full transpose applies.
    func check(_ config: ReasoningConfiguration, batch: Int = 3, maxBatch: Int = 3) throws {
        let m = try ReasoningModel<Double>(configuration: config, maxBatch: maxBatch, seed: 5)
        let tokens = ReasoningTestSupport.tokens(batch: batch, sequence: 4, vocabulary: 5, seed: 8)
        let start = m.makeState()
        ReasoningTestSupport.randomize(start, seed: 12)
        let kernel = try Self.kernelPath(m, tokens: tokens, start: start, batch: batch)
        let reference = try Self.referencePath(m, tokens: tokens, start: start, batch: batch)
        #expect(kernel.high == reference.high)
        #expect(kernel.logits == reference.logits)
        let d = ReasoningTestSupport.maxRelativeDifference(kernel.gradient, reference.gradient)
        #expect(d < 1e-12, "gradient differs by \(d)")
        #expect(kernel.gradient.contains { $0 != 0 })
    }

    static func cmm(_ integrator: ReasoningConfiguration.Integrator, twoNetworks: Bool = false) throws -> ReasoningConfiguration {
        var c = twoNetworks ? try ReasoningTestSupport.hrm() : try ReasoningTestSupport.trm()
        c.model = .cmm
        c.integrator = integrator
        c.gradient = .lastCycle
        c.cycles = 1
        c.lowSteps = 2
        c.lowStepSize = 0.5
        c.stepSize = 0.7
        c.epsilon = 0.5
        return c
    }

    @Test(arguments: [ReasoningConfiguration.Integrator.euler, .midpoint, .heun, .rk4, .dopri5])
    func sameStepAndTransposeAsTheHandWrittenOne(_ integrator: ReasoningConfiguration.Integrator) throws {
        try check(Self.cmm(integrator))
    }

    @Test func twoNetworksDormandPrince() throws {
        try check(Self.cmm(.dopri5, twoNetworks: true))
    }

    /// Inference retires rows: a model built for 5 rows steps 3 or 4 (the kernel's per-call rows).
    @Test func fewerRowsThanTheModelWasBuiltFor() throws {
        try check(Self.cmm(.rk4), batch: 3, maxBatch: 5)
        let m = try ReasoningModel<Double>(configuration: Self.cmm(.heun), maxBatch: 5, seed: 5)
        let start = m.makeState()
        ReasoningTestSupport.randomize(start, seed: 12)
        for batch in [5, 3, 4] {
            let tokens = ReasoningTestSupport.tokens(batch: batch, sequence: 4, vocabulary: 5, seed: UInt64(batch))
            let kernel = try Self.kernelPath(m, tokens: tokens, start: start, batch: batch)
            let reference = try Self.referencePath(m, tokens: tokens, start: start, batch: batch)
            #expect(kernel.logits == reference.logits)
            #expect(ReasoningTestSupport.maxRelativeDifference(kernel.gradient, reference.gradient) < 1e-12)
        }
    }

    /// Untaped low-level steps of Dormand–Prince reuse the last stage as the next first stage
    /// (first same as last): the same trajectory with fewer evaluations of `F`.
    @Test func dormandPrinceReusesItsLastStageBetweenLowLevelSteps() throws {
        var c = try Self.cmm(.dopri5)
        c.cycles = 2
        c.lowSteps = 3
        let batch = 3
        let m = try ReasoningModel<Double>(configuration: c, maxBatch: batch, seed: 5)
        let tokens = ReasoningTestSupport.tokens(batch: batch, sequence: 4, vocabulary: 5, seed: 8)
        let start = m.makeState()
        ReasoningTestSupport.randomize(start, seed: 12)
        let input = try m.embedded(tokens, batch: batch)
        let s = m.makeState()
        s.copy(from: start)
        m.functionEvaluations = 0
        m.runSegment(s, input: input, record: false)
        let kernelEvaluations = m.functionEvaluations / batch
        let r = m.makeState()
        r.copy(from: start)
        m.functionEvaluations = 0
        _ = Self.referenceSegment(m, r, input: input, batch: batch)
        let referenceEvaluations = m.functionEvaluations / batch
        #expect(Array(s.high.buffer.prefix(batch * m.stateWidth)) == Array(r.high.buffer.prefix(batch * m.stateWidth)))
        #expect(Array(s.low.buffer.prefix(batch * m.stateWidth)) == Array(r.low.buffer.prefix(batch * m.stateWidth)))
        // Per cycle: 7 evaluations for the first low-level step, 6 for the next (its first stage
        // reused), 5 for the last (first stage reused, its unused last stage skipped), 6 for
        // the high-level step (last stage skipped); the oracle evaluates all 7 every step.
        #expect(referenceEvaluations == 2 * 4 * 7)
        #expect(kernelEvaluations == 2 * (7 + 6 + 5 + 6))
    }
}
