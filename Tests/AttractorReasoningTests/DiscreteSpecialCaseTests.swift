import AttractorNumerics
import Testing
@testable import AttractorReasoning

/// The CMM code path (Runge–Kutta on `dz/dt = (F(u) − z)/ε`) with explicit Euler, h = 1,
/// ε = 1 reproduces TRM's and HRM's discrete updates: same states, logits and gradients.
@Suite struct DiscreteSpecialCaseTests {
    func compare(_ discrete: ReasoningConfiguration) throws {
        var continuous = discrete
        continuous.model = .cmm
        continuous.integrator = .euler
        continuous.stepSize = 1
        continuous.lowStepSize = 1
        continuous.epsilon = 1
        let batch = 3
        let a = try ReasoningModel<Double>(configuration: discrete, maxBatch: batch, seed: 7)
        let b = try ReasoningModel<Double>(configuration: continuous, maxBatch: batch, seed: 7)
        #expect(a.store.values.array == b.store.values.array)
        let tokens = ReasoningTestSupport.tokens(batch: batch, sequence: 4, vocabulary: 5, seed: 3)
        let start = a.makeState()
        ReasoningTestSupport.randomize(start, seed: 11)
        let ra = try ReasoningTestSupport.segmentGradient(a, tokens: tokens, start: start, batch: batch)
        let rb = try ReasoningTestSupport.segmentGradient(b, tokens: tokens, start: start, batch: batch)
        // Equal up to rounding: Euler computes y + (F(u) − y) where the update writes F(u).
        #expect(ReasoningTestSupport.maxRelativeDifference(ra.high, rb.high) < 1e-13)
        #expect(ReasoningTestSupport.maxRelativeDifference(ra.logits, rb.logits) < 1e-13)
        #expect(abs(ra.loss - rb.loss) <= 1e-12 * abs(ra.loss))
        #expect(ReasoningTestSupport.maxRelativeDifference(ra.gradient, rb.gradient) < 1e-12)
        // The gradient is not trivially zero.
        #expect(ra.gradient.map { abs($0) }.max()! > 1e-3)

        // With ε = 0.5 the continuous path is a different integrator: the outputs differ.
        var other = continuous
        other.epsilon = 0.5
        let c = try ReasoningModel<Double>(configuration: other, maxBatch: batch, seed: 7)
        let rc = try ReasoningTestSupport.segmentGradient(c, tokens: tokens, start: start, batch: batch)
        #expect(ReasoningTestSupport.maxRelativeDifference(ra.high, rc.high) > 1e-3)
    }

    @Test func cmmEulerStepOneIsTRM() throws {
        try compare(try ReasoningTestSupport.trm())
    }

    @Test func cmmEulerStepOneWithTwoNetworksIsHRM() throws {
        try compare(try ReasoningTestSupport.hrm())
    }
}
