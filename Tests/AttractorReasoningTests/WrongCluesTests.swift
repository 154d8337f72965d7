import AttractorNumerics
import AttractorTasks
import Foundation
import Testing
@testable import AttractorReasoning

/// `training.perturbation = wrongClues`: carried segments that start from a state the model
/// reached on the puzzle with a few wrong givens.
@Suite struct WrongCluesTests {
    static func sharesUnit(_ a: Int, _ b: Int) -> Bool {
        a / 9 == b / 9 || a % 9 == b % 9 || (a / 27 == b / 27 && (a % 9) / 3 == (b % 9) / 3)
    }

    /// The corrupted puzzle: exactly `cells` blank cells become givens, every one of them
    /// wrong; givens and the other blanks are kept; with blanks to spare the wrong givens come
    /// in pairs of one unit exchanging their solution digits; seeded; a puzzle with fewer
    /// blanks than asked loses them all, each to its own wrong digit when no pair is left.
    @Test func wrongCluesTurnBlankCellsIntoWrongGivensInPairs() throws {
        let puzzles = try TrainingTests.puzzles(count: 20, blanks: 40, seed: 11)
        var pairs = 0
        for (k, p) in puzzles.enumerated() {
            let input = p.puzzle.tokens.map(Int32.init), label = p.solution.tokens.map(Int32.init)
            let out = TrainingExamples.wrongClues(input, label: label, cells: 8, using: RandomSource(seed: UInt64(k)))
            #expect(out == TrainingExamples.wrongClues(input, label: label, cells: 8, using: RandomSource(seed: UInt64(k))))
            let changed = (0..<81).filter { out[$0] != input[$0] }
            #expect(changed.count == 8, "puzzle \(k): \(changed.count) cells changed")
            for c in changed {
                #expect(input[c] == Int32(SudokuToken.blank), "puzzle \(k): a given changed at \(c)")
                #expect((2...10).contains(out[c]) && out[c] != label[c], "puzzle \(k): cell \(c) got \(out[c]), label \(label[c])")
                let partner = changed.filter { $0 != c && Self.sharesUnit(c, $0) && out[c] == label[$0] && out[$0] == label[c] }
                if !partner.isEmpty { pairs += 1 }
            }
        }
        // With 40 blanks a partner is nearly always left: almost every wrong given is half a pair.
        #expect(pairs >= 150, "only \(pairs) of 160 wrong givens are in exchanged pairs")
        // Fewer blanks than asked: all of them, each wrong.
        let few = try TrainingTests.puzzles(count: 1, blanks: 3, seed: 2)[0]
        let input = few.puzzle.tokens.map(Int32.init), label = few.solution.tokens.map(Int32.init)
        let out = TrainingExamples.wrongClues(input, label: label, cells: 8, using: RandomSource(seed: 5))
        #expect(!out.contains(Int32(SudokuToken.blank)))
        #expect((0..<81).filter { out[$0] != label[$0] }.count == 3)
        // A lone wrong given draws every wrong digit, never the solution's.
        let one = try TrainingTests.puzzles(count: 1, blanks: 1, seed: 3)[0]
        let cell = (0..<81).first { one.puzzle.tokens[$0] == SudokuToken.blank }!
        let digits = Set((0..<200).map {
            TrainingExamples.wrongClues(one.puzzle.tokens.map(Int32.init), label: one.solution.tokens.map(Int32.init),
                                        cells: 2, using: RandomSource(seed: UInt64($0)))[cell]
        })
        #expect(digits == Set((2...10).map(Int32.init)).subtracting([Int32(one.solution.tokens[cell])]))
    }

    /// In a trainer: carried slots chosen for it get a prelude on wrong givens (new draws never),
    /// seeded by `(seed, step, slot)` alone; the prelude moves the marked slots' carried state
    /// and no other; the first step (all fresh) is the plain run's, the next ones part from
    /// it; reproducible; refused for a maze model; readable from `--set`.
    @Test func wrongCluesPreludeMovesOnlyTheMarkedCarriedSlots() throws {
        let examples = TrainingExamples(sudoku: try TrainingTests.puzzles(count: 24, blanks: 30, seed: 8))
        var c = try TrainingTests.sudokuConfig(.trm)
        c.training.startScale = 1
        c.training.perturbedSegments = 0.5
        c.training.perturbedPositions = 0.1
        c.training.perturbation = .wrongClues
        let (whole, split) = try TrainingTests.wholeAndSharded(&c, shards: 4, examples: examples)
        let l = c.block.sequence, w = c.stateWidth
        for trainer in [whole, split] {
            trainer.refillHaltedSlots()
            #expect(!trainer.slotPrelude.contains(true), "a fresh draw got a prelude")
            for b in 0..<trainer.batch { trainer.perturbCarriedSlot(b) }
        }
        #expect(whole.slotPrelude == split.slotPrelude && whole.preludeTokens == split.preludeTokens,
                "the choice depends on the sharding")
        #expect(whole.slotPrelude.contains(true) && whole.slotPrelude.contains(false), "marked: \(whole.slotPrelude)")
        for b in 0..<whole.batch where whole.slotPrelude[b] {
            let wrong = (0..<l).filter { whole.preludeTokens[b * l + $0] != whole.slotInputs[b * l + $0] }
            #expect(wrong.count == 8, "slot \(b): \(wrong.count) wrong givens")
        }
        // The prelude on shard 0 of the whole-batch trainer: marked rows move, others do not.
        let beforeHigh = whole.carryRows(high: true), beforeLow = whole.carryRows(high: false)
        let replica = whole.workers[0]
        let pass = ReasoningTrainer.ShardPass(index: 0, worker: 0, start: 0, rows: whole.batch, share: 1, replica: replica,
                                              input: whole.segmentInputs[0], carry: whole.carries[0])
        try whole.runPrelude(pass)
        let high = whole.carryRows(high: true), low = whole.carryRows(high: false)
        for b in 0..<whole.batch {
            let rows = (b * w)..<((b + 1) * w)
            if whole.slotPrelude[b] {
                #expect(high[rows] != beforeHigh[rows] && low[rows] != beforeLow[rows], "slot \(b): the prelude left it")
            } else {
                #expect(high[rows] == beforeHigh[rows] && low[rows] == beforeLow[rows], "slot \(b) moved without a prelude")
            }
        }
        // Training with it: the first step is the plain run's, later ones are not; reproducible.
        c.training.shards = 1
        let (la, lb, lp) = try TrainingTests.perturbedAndPlainLosses(&c, examples: examples)
        #expect(la == lb)
        #expect(la[0] == lp[0], "the first segment starts fresh: no prelude")
        #expect(la[1] != lp[1], "the carried segment had no prelude")
        #expect(try c.applying(["training.perturbation=wrongClues"]).training.perturbation == .wrongClues)
        var maze = c
        maze.task = .maze
        maze.training.perturbedSegments = 0.25
        maze.training.perturbation = .wrongClues
        #expect(throws: ReasoningError.self) { try maze.validate() }
    }
}
