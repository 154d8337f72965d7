import AttractorNeural
import AttractorNumerics
import Testing
@testable import AttractorReasoning

/// The segment input is explicit: a segment, its backward pass and the regularisers are
/// given the embedded batch, nothing they do changes it, and halted rows retire from it.
@Suite struct SegmentInputTests {
    static let batch = 3

    static func regularised() throws -> ReasoningConfiguration {
        var c = try ReasoningTestSupport.trm()
        c.loss.traceHinge = 0.1
        c.loss.repellerHinge = 0.1
        c.loss.regulariserEvery = 1
        return c
    }

    /// Forward, heads, backward and the Jacobian regularisers (which read `x` again for the
    /// repeller hinge) leave the input as embedded; a second segment of the same batch
    /// (deep supervision) reads the same `x`.
    @Test func aSegmentAndItsBackwardLeaveTheInputAsEmbedded() throws {
        let m = try ReasoningModel<Double>(configuration: try Self.regularised(), maxBatch: Self.batch, seed: 3)
        let tokens = ReasoningTestSupport.tokens(batch: Self.batch, sequence: 4, vocabulary: 5, seed: 4)
        let input = try m.embedded(tokens, batch: Self.batch)
        let n = Self.batch * m.stateWidth
        let embedded = Array(UnsafeBufferPointer(start: input.embedding, count: n))
        #expect(embedded.contains { $0 != 0 })
        #expect(input.tokens == tokens)
        let s = m.makeState()
        ReasoningTestSupport.randomize(s, seed: 5)
        for _ in 0..<2 {
            m.store.zeroGradients()
            m.runSegment(s, input: input, record: true)
            m.computeHeads(s, batch: Self.batch)
            m.clearCotangents(batch: Self.batch)
            _ = ReasoningTestSupport.linearLoss(m, batch: Self.batch, seed: 9)
            m.backwardHeads(s, batch: Self.batch)
            try m.backwardSegment(s, input: input)
            let values = m.jacobianRegularisers(s, input: input, batch: Self.batch, random: RandomSource(seed: 6))
            #expect(values.repellerHinge >= 0 && values.traceHinge >= 0)
            #expect(Array(UnsafeBufferPointer(start: input.embedding, count: n)) == embedded)
            #expect(input.tokens == tokens && input.batch == Self.batch)
        }
        // The same as embedding afresh.
        let fresh = try m.embedded(tokens, batch: Self.batch)
        #expect(Array(UnsafeBufferPointer(start: fresh.embedding, count: n)) == embedded)
    }

    /// Retiring rows (`keep`, `truncate`) gives the input that embedding the kept rows gives,
    /// and the segment on it the same rows.
    @Test func retiredRowsLeaveTheInputOfTheKeptRows() throws {
        let m = try ReasoningModel<Double>(configuration: try ReasoningTestSupport.trm(), maxBatch: Self.batch, seed: 3)
        let tokens = ReasoningTestSupport.tokens(batch: Self.batch, sequence: 4, vocabulary: 5, seed: 4)
        let input = try m.embedded(tokens, batch: Self.batch)
        input.keep(row: 2, at: 0)  // row 0 and row 1 halted; row 2 runs on
        input.truncate(to: 1)
        let kept = try m.embedded(Array(tokens[8..<12]), batch: 1)
        let w = m.stateWidth
        #expect(input.batch == 1 && input.tokens == Array(tokens[8..<12]))
        #expect(Array(UnsafeBufferPointer(start: input.embedding, count: w)) == Array(UnsafeBufferPointer(start: kept.embedding, count: w)))
        let a = m.makeState(), b = m.makeState()
        ReasoningTestSupport.randomize(a, seed: 7)
        b.copy(from: a)
        m.runSegment(a, input: input, record: false)
        m.runSegment(b, input: kept, record: false)
        #expect(Array(a.high.buffer.prefix(w)) == Array(b.high.buffer.prefix(w)))
    }

    @Test func embeddingRefusesWhatTheInputCannotHold() throws {
        let m = try ReasoningModel<Double>(configuration: try ReasoningTestSupport.trm(), maxBatch: Self.batch, seed: 3)
        let input = m.makeInput()
        #expect(input.batch == 0)
        let four = ReasoningTestSupport.tokens(batch: 4, sequence: 4, vocabulary: 5, seed: 4)
        #expect(throws: ReasoningError.self) { try m.embed(four, batch: 4, into: input) }
        #expect(throws: ReasoningError.self) { try m.embed(Array(four.prefix(7)), batch: 2, into: input) }
        #expect(throws: ReasoningError.self) { try m.embed([0, 1, 2, 9], batch: 1, into: input) }  // token outside the vocabulary
        let other = try ReasoningModel<Double>(configuration: try ReasoningTestSupport.trm(hidden: 16), maxBatch: Self.batch, seed: 3)
        #expect(throws: ReasoningError.self) { try m.embed(Array(four.prefix(4)), batch: 1, into: other.makeInput()) }
        #expect(input.batch == 0)
    }
}
