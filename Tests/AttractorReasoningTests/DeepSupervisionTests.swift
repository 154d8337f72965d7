import AttractorNumerics
import Testing
@testable import AttractorReasoning

/// Deep supervision detaches the state between segments, and only the chosen part of a
/// segment is differentiated.
@Suite struct DeepSupervisionTests {
    /// The second segment's gradient equals the gradient of the same segment started from a
    /// constant copy of the state (detached), and differs from the derivative of the
    /// two-segment loss through the first segment (which a non-detached graph would give).
    @Test func segmentsAreDetached() throws {
        var c = try ReasoningTestSupport.trm()
        c.cycles = 1
        let batch = 2
        let m = try ReasoningModel<Double>(configuration: c, maxBatch: batch, seed: 3)
        let tokens = ReasoningTestSupport.tokens(batch: batch, sequence: 4, vocabulary: 5, seed: 4)
        let zero = m.makeState()
        // Segment 1 (no gradient needed), then segment 2 with gradient.
        let afterFirst = m.makeState()
        m.runSegment(afterFirst, input: try m.embedded(tokens, batch: batch), record: false)
        let second = try ReasoningTestSupport.segmentGradient(m, tokens: tokens, start: afterFirst, batch: batch)

        // The same from a fresh copy of the state: identical gradient.
        let copy = m.makeState()
        copy.copy(from: afterFirst)
        let again = try ReasoningTestSupport.segmentGradient(m, tokens: tokens, start: copy, batch: batch)
        #expect(second.gradient == again.gradient)

        // Finite differences of the loss after two segments from zero (θ also moves the
        // incoming state): differs from the detached gradient.
        func twoSegmentLoss() throws -> Double {
            let s = m.makeState()
            s.copy(from: zero)
            let input = try m.embedded(tokens, batch: batch)
            m.runSegment(s, input: input, record: false)
            m.runSegment(s, input: input, record: false)
            m.computeHeads(s, batch: batch)
            return ReasoningTestSupport.linearLoss(m, batch: batch, seed: 99)
        }
        var differs = 0.0
        for k in stride(from: 0, to: m.store.count, by: max(1, m.store.count / 20)) {
            let p = m.store.values.pointer + k, saved = p.pointee
            p.pointee = saved + 1e-6
            let up = try twoSegmentLoss()
            p.pointee = saved - 1e-6
            let down = try twoSegmentLoss()
            p.pointee = saved
            differs = max(differs, abs((up - down) / 2e-6 - second.gradient[k]))
        }
        #expect(differs > 1e-4)
    }

    /// One-step gradient (HRM): only the last low- and high-level steps are taped, so the
    /// gradient changes when an earlier step changes only through the state it produces,
    /// and equals the gradient of a one-cycle, one-low-level-step segment from that state.
    @Test func oneStepDifferentiatesOnlyTheLastSteps() throws {
        let c = try ReasoningTestSupport.hrm()  // L 2, H 2, one-step
        let batch = 2
        let m = try ReasoningModel<Double>(configuration: c, maxBatch: batch, seed: 9)
        let tokens = ReasoningTestSupport.tokens(batch: batch, sequence: 4, vocabulary: 5, seed: 1)
        let start = m.makeState()
        ReasoningTestSupport.randomize(start, seed: 2)
        let full = try ReasoningTestSupport.segmentGradient(m, tokens: tokens, start: start, batch: batch)

        // Replay all but the last low- and high-level steps without gradient, then differentiate
        // a one-cycle, one-low-level-step segment from there with the same weights.
        var last = c
        last.cycles = 1
        last.lowSteps = 1
        let n = try ReasoningModel<Double>(configuration: last, maxBatch: batch, seed: 9)
        #expect(n.store.values.array == m.store.values.array)
        let s = m.makeState()
        s.copy(from: start)
        let input = try m.embedded(tokens, batch: batch)
        withExtendedLifetime(input) {
            let x = input.embedding
            m.takeStep(.low, s, x: x, batch: batch, taped: false, noise: nil)
            m.takeStep(.low, s, x: x, batch: batch, taped: false, noise: nil)
            m.takeStep(.high, s, x: x, batch: batch, taped: false, noise: nil)
            m.takeStep(.low, s, x: x, batch: batch, taped: false, noise: nil)
        }
        let tail = try ReasoningTestSupport.segmentGradient(n, tokens: tokens, start: s, batch: batch)
        #expect(ReasoningTestSupport.maxRelativeDifference(full.gradient, tail.gradient) < 1e-13)
        #expect(ReasoningTestSupport.maxRelativeDifference(full.logits, tail.logits) < 1e-13)
    }
}
