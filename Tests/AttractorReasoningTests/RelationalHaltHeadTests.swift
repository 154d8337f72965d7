import AttractorNeural
import AttractorNumerics
import Testing
@testable import AttractorReasoning

/// The relational halting readout (`haltReadout = relational`) and the swapped-state halting
/// loss (`loss.swappedHalting`).
@Suite struct RelationalHaltHeadTests {
    static func relational() throws -> ReasoningConfiguration {
        var c = try ReasoningTestSupport.trm()
        c.haltReadout = .relational
        return c
    }

    /// A model whose relational readout is not at its zero start (so every part of it matters).
    static func model(_ c: ReasoningConfiguration, batch: Int) throws -> ReasoningModel<Double> {
        let m = try ReasoningModel<Double>(configuration: c, maxBatch: batch, seed: 5)
        if let readout = m.store.layout.view(named: "halt.relational.readout.weight") {
            let r = RandomSource(seed: 31)
            for i in readout.offset..<readout.end { m.store.values.pointer[i] = r.gaussian(sigma: 0.5) }
        }
        return m
    }

    func relationalViews(_ m: ReasoningModel<Double>) -> [ParameterView] {
        m.store.layout.views.filter { $0.name.hasPrefix("halt.relational.") }
    }

    @Test func addsItsParametersOnlyWhenAsked() throws {
        let plain = try ReasoningModel<Double>(configuration: try ReasoningTestSupport.trm(), maxBatch: 1, seed: 5)
        let m = try Self.model(try Self.relational(), batch: 1)
        #expect(relationalViews(plain).isEmpty)
        #expect(relationalViews(m).map(\.name) == ["halt.relational.cell.weight", "halt.relational.cell.bias",
                                                    "halt.relational.mix.weight", "halt.relational.mix.bias",
                                                    "halt.relational.readout.weight"])
        // A fresh relational model halts exactly as the mean head alone: its readout starts at 0.
        let fresh = try ReasoningModel<Double>(configuration: try Self.relational(), maxBatch: 2, seed: 5)
        let p2 = try ReasoningModel<Double>(configuration: try ReasoningTestSupport.trm(), maxBatch: 2, seed: 5)
        let s = fresh.makeState(), t = p2.makeState()
        ReasoningTestSupport.randomize(s, seed: 3)
        t.copy(from: s)
        fresh.computeHeads(s, batch: 2)
        p2.computeHeads(t, batch: 2)
        #expect(fresh.haltLogits.pointer[0] == p2.haltLogits.pointer[0])
        #expect(fresh.haltLogits.pointer[1] == p2.haltLogits.pointer[1])
    }

    /// The taped segment with the relational readout against central differences, over a
    /// spread of every parameter and all of the readout's: the halting cotangent reaches the
    /// heads' parameters and, through `z_H`, the blocks and the embedding.
    @Test func segmentGradientMatchesFiniteDifferences() throws {
        let batch = 2
        var c = try Self.relational()
        c.cycles = 1  // the whole segment taped: the last-cycle gradient is then the exact one
        let m = try Self.model(c, batch: batch)
        let tokens = ReasoningTestSupport.tokens(batch: batch, sequence: 4, vocabulary: 5, seed: 8)
        let start = m.makeState()
        ReasoningTestSupport.randomize(start, seed: 12)
        let analytic = try ReasoningTestSupport.segmentGradient(m, tokens: tokens, start: start, batch: batch).gradient
        func loss() throws -> Double {
            let s = m.makeState()
            s.copy(from: start)
            m.runSegment(s, input: try m.embedded(tokens, batch: batch), record: false)
            m.computeHeads(s, batch: batch)
            return ReasoningTestSupport.linearLoss(m, batch: batch, seed: 99)
        }
        var indices = Array(stride(from: 0, to: m.store.count, by: max(1, m.store.count / 24)))
        for v in relationalViews(m) { indices += Array(stride(from: v.offset, to: v.end, by: 5)) }
        var worst = 0.0, largest = 0.0
        for k in indices {
            let fd = try ReasoningTestSupport.centralDifference(m, parameter: k, loss)
            worst = max(worst, abs(fd - analytic[k]) / max(1, abs(fd)))
            if k >= relationalViews(m)[0].offset { largest = max(largest, abs(analytic[k])) }
        }
        #expect(worst < 1e-6, "worst error \(worst)")
        #expect(largest > 1e-3)  // the readout's parameters do get a gradient
    }

    /// The mean-pooled head gives a state with two positions swapped the halting logit of the
    /// original (the reason a model trained with it cannot doubt a confident wrong grid);
    /// the relational readout does not.
    @Test func onlyTheRelationalReadoutSeesASwap() throws {
        func logits(_ c: ReasoningConfiguration, swapped: Bool) throws -> Double {
            let m = try Self.model(c, batch: 1)
            let s = m.makeState()
            ReasoningTestSupport.randomize(s, seed: 21)
            if swapped {
                let d = m.hidden, z = s.high.pointer
                for j in 0..<d { let a = z[j]; z[j] = z[2 * d + j]; z[2 * d + j] = a }
            }
            m.computeHeads(s, batch: 1)
            return Double(m.haltLogits.pointer[0])
        }
        let mean = try ReasoningTestSupport.trm(), relational = try Self.relational()
        #expect(abs(try logits(mean, swapped: true) - logits(mean, swapped: false)) < 1e-12)
        #expect(abs(try logits(relational, swapped: true) - logits(relational, swapped: false)) > 1e-3)
    }

    /// `haltLogits` equals the heads' halting output, and `backwardHaltLogits` is its gradient
    /// in the heads' parameters (central differences) and nothing else: no block or embedding
    /// parameter gets any.
    @Test func haltLogitsAndTheirHeadOnlyGradient() throws {
        let batch = 3
        let m = try Self.model(try Self.relational(), batch: batch)
        let s = m.makeState()
        ReasoningTestSupport.randomize(s, seed: 4)
        m.computeHeads(s, batch: batch)
        let viaHeads = Array(m.haltLogits.buffer.prefix(batch))
        var q = [Double](repeating: 0, count: batch), pooled = [Double](repeating: 0, count: batch * m.hidden)
        m.network.haltLogits(UnsafePointer(s.high.pointer), batch: batch, into: &q, pooled: &pooled)
        #expect(q == viaHeads)
        let c: [Double] = [0.7, -1.3, 0.4]
        m.store.zeroGradients()
        m.network.backwardHaltLogits(UnsafePointer(s.high.pointer), batch: batch, haltCotangent: c, pooled: &pooled)
        let gradient = m.store.gradients.array
        let heads = m.store.layout.views.filter { $0.name.hasPrefix("halt.") }
        let headIndices = Set(heads.flatMap { Array($0.offset..<$0.end) })
        #expect(gradient.indices.allSatisfy { headIndices.contains($0) || gradient[$0] == 0 })
        func value() -> Double {
            m.network.haltLogits(UnsafePointer(s.high.pointer), batch: batch, into: &q, pooled: &pooled)
            return zip(c, q).map(*).reduce(0, +)
        }
        for k in heads.flatMap({ Array(stride(from: $0.offset, to: $0.end, by: 3)) }) {
            let fd = ReasoningTestSupport.centralDifference(m, parameter: k, value)
            #expect(abs(fd - gradient[k]) <= 1e-6 * max(1, abs(fd)), "parameter \(k)")
        }
    }

    @Test func swappedPositionsAreDistinctAndDependOnTheSlotAlone() {
        let a = ReasoningTrainer.swappedPositions(seed: 7, step: 3, slot: 5, count: 4, sequence: 81)
        #expect(Set(a).count == 4 && a.allSatisfy { (0..<81).contains($0) })
        #expect(a == ReasoningTrainer.swappedPositions(seed: 7, step: 3, slot: 5, count: 4, sequence: 81))
        #expect(a != ReasoningTrainer.swappedPositions(seed: 7, step: 3, slot: 6, count: 4, sequence: 81))
        #expect(a != ReasoningTrainer.swappedPositions(seed: 7, step: 4, slot: 5, count: 4, sequence: 81))
        let all = ReasoningTrainer.swappedPositions(seed: 1, step: 0, slot: 0, count: 9, sequence: 9)
        #expect(all.sorted() == Array(0..<9))
    }

    @Test func aRotationKeepsTheAnswerOnlyAmongEqualLabels() {
        let labels: [Int32] = [3, 3, 5, 3, 5]
        labels.withUnsafeBufferPointer { l in
            #expect(ReasoningTrainer.rotationKeepsAnswer(labels: l.baseAddress!, positions: [0, 1, 3]))
            #expect(!ReasoningTrainer.rotationKeepsAnswer(labels: l.baseAddress!, positions: [0, 2]))
            #expect(ReasoningTrainer.rotationKeepsAnswer(labels: l.baseAddress!, positions: [4, 2]))
        }
    }

    @Test func badSettingsAreRefusedByName() throws {
        let base = try ReasoningConfiguration.preset("tiny", model: .cmm, task: .sudoku)
        #expect(throws: ReasoningError.self) { try base.applying(["loss.swappedHaltingPositions=1"]) }
        #expect(throws: ReasoningError.self) { try base.applying(["loss.swappedHalting=-1"]) }
        #expect(throws: ReasoningError.self) { try base.applying(["haltReadout=pairs"]) }
        var noHead = base
        noHead.haltOutputs = .absent
        noHead.halting = .equilibrium
        noHead.loss.swappedHalting = 0.5
        #expect(throws: ReasoningError.self) { try noHead.validate() }
        let ok = try base.applying(["haltReadout=relational", "loss.swappedHalting=0.5"])
        #expect(ok.haltReadout == .relational && ok.loss.swappedHalting == 0.5 && ok.loss.swappedHaltingPositions == 4)
    }
}

/// The swapped-state halting term in the trainer.
@Suite struct SwappedHaltingTrainerTests {
    /// A batch mean: the examples that are not right contribute 0, so the terms of two right
    /// examples add (a mean over the right examples alone would average them, and with few
    /// right examples outweigh each one's halting positive — what silenced halting in run 20a).
    @Test func isABatchMeanOverTheRightExamples() throws {
        var c = try ReasoningTestSupport.trm()
        c.haltReadout = .relational
        c.loss.swappedHalting = 1
        c.loss.swappedHaltingPositions = 2
        c.training.shards = 1
        let t = try ReasoningTrainer(configuration: c, examples: HaltingTests.examples(), seed: 2)
        _ = try t.trainStep()
        // Labels all distinct within each example: every rotation makes the answer wrong.
        for b in 0..<3 { for p in 0..<4 { t.slotLabels[b * 4 + p] = Int32(1 + p) } }
        let pass = ReasoningTrainer.ShardPass(index: 0, worker: 0, start: 0, rows: 3, share: 1, replica: t.workers[0],
                                              input: t.segmentInputs[0], carry: t.carries[0])
        func value(right: Set<Int>) -> Double {
            for b in 0..<3 { t.slotCorrect[b] = right.contains(b) }
            return t.swappedHaltingLoss(pass)
        }
        let first = value(right: [0]), second = value(right: [1]), both = value(right: [0, 1])
        #expect(first > 0 && second > 0 && first != second)
        #expect(abs(both - (first + second)) <= 1e-12 * both)
        #expect(value(right: []) == 0)
    }
}
