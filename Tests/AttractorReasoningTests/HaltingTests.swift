import AttractorNumerics
import Testing
@testable import AttractorReasoning

/// Halting: the learned halting logit, Q-learning, equilibrium, the N_sup cap, refilling.
@Suite struct HaltingTests {
    static func examples(count: Int = 8) -> TrainingExamples {
        // Tiny "task": 4 tokens in 2…4, label = input (copying).
        let r = RandomSource(seed: 1)
        var puzzles: [(input: [Int32], label: [Int32])] = []
        for _ in 0..<count {
            let t = (0..<4).map { _ in Int32(2 + r.integer(below: 3)) }
            puzzles.append((t, t))
        }
        return TrainingExamples(task: .sudoku, sequence: 4, vocabulary: 5, inputs: puzzles.map(\.input),
                                labels: puzzles.map(\.label), augment: false)
    }

    func trainer(_ c: ReasoningConfiguration) throws -> ReasoningTrainer {
        try ReasoningTrainer(configuration: c, examples: Self.examples(), seed: 2)
    }

    func setHaltBias(_ t: ReasoningTrainer, _ values: [Float]) throws {
        try t.model.store.setValues(named: "halt.bias", values)
        try t.model.store.setValues(named: "halt.weight", Array(repeating: 0, count: t.model.hidden * values.count))
    }

    @Test func haltLogitAboveZeroHaltsAfterOneSegment() throws {
        var c = try ReasoningTestSupport.trm()
        c.exploration = 0
        c.training.learningRate = 0   // keep the bias where we put it
        let t = try trainer(c)
        try setHaltBias(t, [5])
        let r = try t.trainStep()
        #expect(r.finished == c.training.batch)
        #expect(t.slotHalted.allSatisfy { $0 })
        _ = try t.trainStep()
        #expect(t.draws == 2 * c.training.batch)  // every slot refilled
    }

    @Test func negativeLogitRunsToTheSegmentCap() throws {
        var c = try ReasoningTestSupport.trm()
        c.exploration = 0
        c.training.learningRate = 0
        let t = try trainer(c)
        try setHaltBias(t, [-5])
        for k in 1...c.segments {
            let r = try t.trainStep()
            #expect(r.finished == (k == c.segments ? c.training.batch : 0))
        }
        #expect(t.slotSegments.allSatisfy { $0 == c.segments })
        #expect(t.draws == c.training.batch)
    }

    @Test func qLearningHaltsWhenHaltBeatsContinue() throws {
        var c = try ReasoningTestSupport.hrm()
        c.exploration = 0
        c.training.learningRate = 0
        let t = try trainer(c)
        try setHaltBias(t, [1, 2])    // q_halt < q_continue: continue
        #expect(try t.trainStep().finished == 0)
        try setHaltBias(t, [2, 1])    // q_halt > q_continue: halt
        #expect(try t.trainStep().finished == c.training.batch)
    }

    @Test func equilibriumHaltsUnderTolerance() throws {
        var c = try ReasoningTestSupport.trm()
        c.model = .cmm
        c.halting = .equilibrium
        c.haltOutputs = .absent
        c.exploration = 0
        c.equilibriumTolerance = 1e9
        #expect(try trainer(c).trainStep().finished == c.training.batch)
        c.equilibriumTolerance = 1e-12
        #expect(try trainer(c).trainStep().finished == 0)
    }

    @Test func explorationDelaysHalting() throws {
        var c = try ReasoningTestSupport.trm()
        c.exploration = 1
        c.training.learningRate = 0
        let t = try trainer(c)
        try setHaltBias(t, [5])
        // Exploration draws a minimum of ≥ 2 segments for every slot.
        #expect(try t.trainStep().finished == 0)
    }

    @Test func nonFiniteLossIsAnErrorNamingTheStep() throws {
        let c = try ReasoningTestSupport.trm()
        let t = try trainer(c)
        _ = try t.trainStep()
        t.model.store.values.pointer[0] = .nan
        t.model.store.values.pointer[t.model.store.count - 1] = .nan
        #expect(throws: ReasoningError.nonFiniteLoss(step: 2, lastGoodCheckpoint: nil)) {
            _ = try t.trainStep()
        }
    }
}
