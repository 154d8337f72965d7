import AttractorNeural
import AttractorNumerics
import AttractorTasks
@testable import AttractorReasoning

/// Small shapes so every test runs in well under a second of debug time.
enum ReasoningTestSupport {
    static func block(sequence: Int = 4, hidden: Int = 8) -> BlockConfiguration {
        BlockConfiguration(hidden: hidden, sequence: sequence, layers: 1, mixer: .mlp, tokenInner: 8, channelInner: 12)
    }

    /// A TRM-shaped configuration (one shared network, direct updates).
    static func trm(sequence: Int = 4, hidden: Int = 8, vocabulary: Int = 5) throws -> ReasoningConfiguration {
        var c = try ReasoningConfiguration.preset("tiny", model: .trm, task: .sudoku)
        c.block = block(sequence: sequence, hidden: hidden)
        c.vocabulary = vocabulary
        c.lowSteps = 3
        c.cycles = 2
        c.segments = 4
        c.training.batch = 3
        return c
    }

    static func hrm(sequence: Int = 4, hidden: Int = 8, vocabulary: Int = 5) throws -> ReasoningConfiguration {
        var c = try ReasoningConfiguration.preset("tiny", model: .hrm, task: .sudoku)
        c.block = block(sequence: sequence, hidden: hidden)
        c.vocabulary = vocabulary
        c.segments = 4
        c.training.batch = 3
        return c
    }

    static func tokens(batch: Int, sequence: Int, vocabulary: Int, seed: UInt64) -> [Int32] {
        let r = RandomSource(seed: seed)
        return (0..<(batch * sequence)).map { _ in Int32(r.integer(below: vocabulary)) }
    }

    /// Fills a state with seeded Gaussians (a non-trivial incoming state).
    static func randomize<T: Scalar>(_ s: LatentState<T>, seed: UInt64) {
        let r = RandomSource(seed: seed)
        r.fillGaussian(s.high.buffer)
        r.fillGaussian(s.low.buffer)
    }

    /// A fixed linear loss of the segment's outputs: `Σ c_i·logits_i + Σ d_j·q_j`; fills the
    /// head cotangents and returns its value.
    static func linearLoss<T: Scalar>(_ m: ReasoningModel<T>, batch: Int, seed: UInt64) -> Double {
        let r = RandomSource(seed: seed)
        let n = batch * m.sequence * m.vocabulary
        var value = 0.0
        for i in 0..<n {
            let c = T(r.gaussian())
            m.logitsCotangent.pointer[i] = c
            value += Double(c) * Double(m.logits.pointer[i])
        }
        for i in 0..<(batch * m.configuration.haltOutputs.count) {
            let c = T(r.gaussian())
            m.haltCotangent.pointer[i] = c
            value += Double(c) * Double(m.haltLogits.pointer[i])
        }
        return value
    }

    /// Segment forward + linear loss + backward from a given state; returns loss and the gradient.
    static func segmentGradient<T: Scalar>(_ m: ReasoningModel<T>, tokens: [Int32], start: LatentState<T>, batch: Int,
                                           lossSeed: UInt64 = 99) throws -> (loss: Double, gradient: [T], high: [T], logits: [T]) {
        let s = m.makeState()
        s.copy(from: start)
        m.store.zeroGradients()
        let input = try m.embedded(tokens, batch: batch)
        m.runSegment(s, input: input, record: true)
        m.computeHeads(s, batch: batch)
        m.clearCotangents(batch: batch)
        let loss = linearLoss(m, batch: batch, seed: lossSeed)
        m.backwardHeads(s, batch: batch)
        try m.backwardSegment(s, input: input)
        return (loss, m.store.gradients.array, Array(s.high.buffer.prefix(batch * m.stateWidth)),
                Array(m.logits.buffer.prefix(batch * m.sequence * m.vocabulary)))
    }

    /// `∂loss/∂θ_k` by central differences of step `h` (the parameter restored after).
    static func centralDifference<T: Scalar>(_ m: ReasoningModel<T>, parameter k: Int, h: T = 1e-6,
                                             _ loss: () throws -> Double) rethrows -> Double {
        let p = m.store.values.pointer + k
        let saved = p.pointee
        p.pointee = saved + h
        let up = try loss()
        p.pointee = saved - h
        let down = try loss()
        p.pointee = saved
        return (up - down) / (2 * Double(h))
    }

    static func maxRelativeDifference<T: Scalar>(_ a: [T], _ b: [T]) -> Double {
        precondition(a.count == b.count)
        var num = 0.0, den = 0.0
        for i in a.indices {
            num = max(num, abs(Double(a[i]) - Double(b[i])))
            den = max(den, abs(Double(a[i])), abs(Double(b[i])))
        }
        return num / max(den, 1e-300)
    }
}
