import AttractorNeural
import AttractorNumerics
import Testing
@testable import AttractorReasoning

/// The taped backward pass against central finite differences of the segment loss with the
/// incoming state held fixed (Double), for the discrete update, RK4, Dopri5 stages, and
/// multiplicative Euler–Maruyama noise replayed from the tape.
@Suite struct SegmentGradientTests {
    func check(_ config: ReasoningConfiguration, noise: Bool = false) throws {
        let batch = 2
        let m = try ReasoningModel<Double>(configuration: config, maxBatch: batch, seed: 5)
        let tokens = ReasoningTestSupport.tokens(batch: batch, sequence: 4, vocabulary: 5, seed: 8)
        let start = m.makeState()
        ReasoningTestSupport.randomize(start, seed: 12)
        func loss() throws -> Double {
            let s = m.makeState()
            s.copy(from: start)
            m.runSegment(s, input: try m.embedded(tokens, batch: batch), record: false, noise: noise ? RandomSource(seed: 77) : nil)
            m.computeHeads(s, batch: batch)
            return ReasoningTestSupport.linearLoss(m, batch: batch, seed: 99)
        }
        // Analytic gradient.
        let s = m.makeState()
        s.copy(from: start)
        m.store.zeroGradients()
        let input = try m.embedded(tokens, batch: batch)
        m.runSegment(s, input: input, record: true, noise: noise ? RandomSource(seed: 77) : nil)
        m.computeHeads(s, batch: batch)
        m.clearCotangents(batch: batch)
        _ = ReasoningTestSupport.linearLoss(m, batch: batch, seed: 99)
        m.backwardHeads(s, batch: batch)
        try m.backwardSegment(s, input: input)
        let analytic = m.store.gradients.array
        // Central differences on a spread of parameters (embedding, blocks, heads).
        let count = m.store.count
        var worst = 0.0
        for k in stride(from: 0, to: count, by: max(1, count / 24)) {
            let p = m.store.values.pointer + k
            let saved = p.pointee
            let h = 1e-6
            p.pointee = saved + h
            let up = try loss()
            p.pointee = saved - h
            let down = try loss()
            p.pointee = saved
            let fd = (up - down) / (2 * h)
            worst = max(worst, abs(fd - analytic[k]) / max(1, abs(fd)))
        }
        #expect(worst < 1e-6, "worst error \(worst)")
    }

    @Test func directLastCycle() throws {
        var c = try ReasoningTestSupport.trm()
        c.cycles = 1
        try check(c)
    }

    @Test func rungeKutta4LastCycleWithEpsilon() throws {
        var c = try ReasoningTestSupport.trm()
        c.model = .cmm
        c.integrator = .rk4
        c.cycles = 1
        c.lowSteps = 2
        c.lowStepSize = 0.5
        c.epsilon = 0.5
        try check(c)
    }

    @Test func dormandPrinceStagesTwoNetworks() throws {
        var c = try ReasoningTestSupport.hrm()
        c.model = .cmm
        c.integrator = .dopri5
        c.gradient = .lastCycle
        c.cycles = 1
        c.stepSize = 0.7
        try check(c)
    }

    /// The contractive network that also reads the embedding (`block.injection`): x reaches
    /// the loss through the low level's addend and through every block's channel MLP, on both
    /// levels; the damped Euler step of the CMM preset (with the token mixing reading x too),
    /// and the discrete update.
    @Test(arguments: [ReasoningConfiguration.Integrator.euler, .direct])
    func contractiveWithInjectedEmbedding(integrator: ReasoningConfiguration.Integrator) throws {
        var c = try ReasoningTestSupport.trm()
        c.model = .cmm
        c.integrator = integrator
        c.block = BlockConfiguration(hidden: 8, sequence: 4, layers: 2, mixer: .mlp, tokenInner: 6, channelInner: 10,
                                     structure: .contractive, lipschitz: 0.45, injection: true,
                                     tokenInjection: integrator == .euler)
        c.cycles = 1
        c.stepSize = 0.95
        c.lowStepSize = 0.95
        try check(c)
    }

    @Test func multiplicativeEulerMaruyama() throws {
        var c = try ReasoningTestSupport.trm()
        c.model = .cmm
        c.integrator = .eulerMaruyama
        c.sigma = 0.3
        c.noise = .multiplicative
        c.cycles = 1
        c.stepSize = 0.5
        c.lowStepSize = 0.5
        try check(c, noise: true)
    }
}
