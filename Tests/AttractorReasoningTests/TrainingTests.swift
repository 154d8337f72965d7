import AttractorNeural
import AttractorNumerics
import AttractorTasks
import Foundation
import Testing
@testable import AttractorReasoning

/// A short seeded run on easy Sudoku, checkpoints, resume, mismatches.
@Suite struct TrainingTests {
    /// Sudoku with few blanks from the generator, a network of hidden 16.
    /// Two trainers of `c` with seed 3, one on the whole batch and one in `shards` shards
    /// (left in `c`), for tests that a draw does not depend on the sharding.
    static func wholeAndSharded(_ c: inout ReasoningConfiguration, shards: Int,
                                examples: TrainingExamples) throws -> (ReasoningTrainer, ReasoningTrainer) {
        c.training.shards = 1
        let whole = try ReasoningTrainer(configuration: c, examples: examples, seed: 3)
        c.training.shards = shards
        return (whole, try ReasoningTrainer(configuration: c, examples: examples, seed: 3))
    }

    static func sudokuConfig(_ model: ModelKind) throws -> ReasoningConfiguration {
        var c = try ReasoningConfiguration.preset("tiny", model: model, task: .sudoku)
        // The CMM with every part exercised: multi-rate RK4, equilibrium halting, regularisers.
        if model == .cmm { c.applyMultiRateRK4() }
        c.block = BlockConfiguration(hidden: 16, sequence: 81, layers: 1, mixer: .mlp, tokenInner: 32, channelInner: 32)
        c.training.batch = 16
        c.training.warmupSteps = 5
        c.training.scheduleSteps = 200
        c.training.learningRate = 3e-3
        c.training.emaDecay = 0.9
        c.lowSteps = 2
        c.cycles = 1
        c.segments = 2
        c.loss.regulariserBatch = 4
        return c
    }

    /// Three steps' total losses of two trainers of `c` with every carried segment perturbed
    /// and of one without (`c` is left with `perturbedSegments = 0`), all with seed 3.
    static func perturbedAndPlainLosses(_ c: inout ReasoningConfiguration, examples: TrainingExamples)
        throws -> (perturbed: [Double], again: [Double], plain: [Double]) {
        c.training.perturbedSegments = 1
        let a = try ReasoningTrainer(configuration: c, examples: examples, seed: 3)
        let b = try ReasoningTrainer(configuration: c, examples: examples, seed: 3)
        c.training.perturbedSegments = 0
        let plain = try ReasoningTrainer(configuration: c, examples: examples, seed: 3)
        var la: [Double] = [], lb: [Double] = [], lp: [Double] = []
        for _ in 0..<3 {
            la.append(try a.trainStep().totalLoss)
            lb.append(try b.trainStep().totalLoss)
            lp.append(try plain.trainStep().totalLoss)
        }
        return (la, lb, lp)
    }

    static func puzzles(count: Int, blanks: Int, seed: UInt64) throws -> [SudokuExample] {
        let g = SudokuGenerator(seed: seed)
        return try (0..<count).map { _ in
            let p = try g.puzzle(blanks: blanks)
            return SudokuExample(puzzle: p.puzzle, solution: p.solution)
        }
    }

    @Test func shortRunLowersLossAndRaisesAccuracy() throws {
        var c = try Self.sudokuConfig(.trm)
        c.block = BlockConfiguration(hidden: 32, sequence: 81, layers: 1, mixer: .mlp, tokenInner: 64, channelInner: 64)
        let train = try Self.puzzles(count: 16, blanks: 1, seed: 1)
        let t = try ReasoningTrainer(configuration: c, examples: TrainingExamples(sudoku: train, augment: false), seed: 1)
        let before = try ReasoningInference.evaluateSudoku(t.model, name: "trm", puzzles: train)
        var first = 0.0, last = 0.0
        let steps = 50
        for k in 0..<steps {
            let r = try t.trainStep()
            if k < 5 { first += r.answerLoss / 5 }
            if k >= steps - 5 { last += r.answerLoss / 5 }
        }
        let after = try ReasoningInference.evaluateSudoku(t.model, name: "trm", puzzles: train)
        print("short run: answer loss \(first) → \(last); exact \(before.exactAccuracy) → \(after.exactAccuracy); cell \(before.cellAccuracy) → \(after.cellAccuracy)")
        #expect(last < 0.5 * first, "answer loss \(first) → \(last)")
        #expect(after.exactAccuracy > before.exactAccuracy + 0.2, "exact \(before.exactAccuracy) → \(after.exactAccuracy)")
    }

    /// The learning test: a seeded run of a small TRM on easy puzzles (4 blanks, generated)
    /// must solve most *held-out* puzzles of the same kind exactly, from none at the start.
    /// 300 steps take ~3 CPU-seconds; the run reached 0.89 when this test was written
    /// (`attractor train --model trm --blanks 4 --steps 300 …`, Docs/Training.md). Fails if
    /// the forward pass, the gradient, the optimiser, the data or the EMA breaks.
    /// The learning test's small TRM (hidden 32, one block, 2 segments, 300-step schedule).
    /// `withEvaluationWeights`: the EMA weights inside (once the average has forgotten its
    /// start), the training weights back afterwards — also when the body throws.
    @Test func evaluationWeightsAreSwappedInAndBack() throws {
        var c = try Self.learningConfig()
        c.training.emaDecay = 0.5  // 0.5^7 < 0.01: the EMA is used from step 7
        let t = try ReasoningTrainer(configuration: c, examples: TrainingExamples(sudoku: try Self.puzzles(count: 40, blanks: 2, seed: 3)),
                                     seed: 0)
        for _ in 0..<8 { _ = try t.trainStep() }
        #expect(t.evaluationUsesEMA)
        let raw = t.model.store.values.array, shadow = Array(t.ema.shadow.buffer)
        #expect(raw != shadow)
        let seen = t.withEvaluationWeights { t.model.store.values.array }
        #expect(seen == shadow)
        #expect(t.model.store.values.array == raw)
        struct Stop: Error {}
        #expect(throws: Stop.self) { try t.withEvaluationWeights { () throws(Stop) in throw Stop() } }
        #expect(t.model.store.values.array == raw && Array(t.ema.shadow.buffer) == shadow)
    }

    /// `training.emaCorrection`: the average is the run's own weights from the first step (the
    /// initialisation leaves it at once) and evaluation uses it; without, the average still
    /// holds the initialisation and the raw weights are evaluated.
    @Test func correctedEMAIsTheRunsOwnAverageFromTheFirstStep() throws {
        var c = try Self.learningConfig()
        c.training.emaDecay = 0.999
        let examples = TrainingExamples(sudoku: try Self.puzzles(count: 40, blanks: 2, seed: 3))
        c.training.emaCorrection = true
        let t = try ReasoningTrainer(configuration: c, examples: examples, seed: 0)
        #expect(!t.evaluationUsesEMA)  // no update yet: the average is the initialisation
        _ = try t.trainStep()
        #expect(t.evaluationUsesEMA)
        let first = t.model.store.values.array
        let startLeft = Array(t.ema.shadow.buffer) == first
        #expect(startLeft, "β₁ = 0: after one update the average is the weights")
        _ = try t.trainStep()
        let second = t.model.store.values.array, beta = 0.999 / 1.999
        let worst = zip(zip(first, second), t.ema.shadow.buffer).map { pair, s in
            abs(Double(s) - (beta * Double(pair.0) + (1 - beta) * Double(pair.1)))
        }.max() ?? 0
        #expect(worst < 1e-6, "largest deviation from β₂θ₁ + (1 − β₂)θ₂: \(worst)")
        let evaluated = t.withEvaluationWeights { t.model.store.values.array } == Array(t.ema.shadow.buffer)
        #expect(evaluated)

        c.training.emaCorrection = false
        let plain = try ReasoningTrainer(configuration: c, examples: examples, seed: 0)
        _ = try plain.trainStep()
        #expect(!plain.evaluationUsesEMA)
        let plainDiffers = Array(plain.ema.shadow.buffer) != plain.model.store.values.array
        #expect(plainDiffers)
        // Checkpoints written before the option existed decode without it.
        let old = try Self.savedWithout(["emaCorrection"], in: "training", c)
        #expect(old.training.emaCorrection == false)
    }

    /// The chord hinge's value on three steps of a CMM with the hinge on every step at margin
    /// 0 (positive whenever `b ≠ a`), `chord` choosing its other end.
    /// `c` as a configuration file written before `keys` of its `section` existed: encoded,
    /// the keys removed (each must have been saved), decoded again.
    static func savedWithout(_ keys: [String], in section: String, _ c: ReasoningConfiguration) throws -> ReasoningConfiguration {
        var json = try #require(try JSONSerialization.jsonObject(with: JSONEncoder().encode(c)) as? [String: Any])
        var fields = try #require(json[section] as? [String: Any])
        for key in keys { #expect(fields.removeValue(forKey: key) != nil, "\(section).\(key) was not saved") }
        json[section] = fields
        return try JSONDecoder().decode(ReasoningConfiguration.self, from: JSONSerialization.data(withJSONObject: json))
    }

    /// A hinge switched on at half of an 8-step schedule (`hinge` on top of `base`), run
    /// beside the same training without it for 6 steps: the weights are bit-identical for the
    /// first 4 steps and part by the end; `before` and `after` check each step's two reports
    /// (without, with). Returns the hinged configuration.
    static func lateHingeAgainstNone(base: (inout ReasoningConfiguration) -> Void, hinge: (inout ReasoningConfiguration) -> Void,
                                     before: (ReasoningTrainer.StepReport, ReasoningTrainer.StepReport, Int) -> Void,
                                     after: (ReasoningTrainer.StepReport, ReasoningTrainer.StepReport, Int) -> Void) throws -> ReasoningConfiguration {
        let examples = TrainingExamples(sudoku: try puzzles(count: 24, blanks: 30, seed: 8))
        var c = try sudokuConfig(.cmm)
        c.training.scheduleSteps = 8
        base(&c)
        let plain = try ReasoningTrainer(configuration: c, examples: examples, seed: 3)
        hinge(&c)
        let hinged = try ReasoningTrainer(configuration: c, examples: examples, seed: 3)
        for step in 0..<6 {
            let a = try plain.trainStep(), b = try hinged.trainStep()
            if step < 4 {
                before(a, b, step)
                let same = hinged.model.store.values.array == plain.model.store.values.array
                #expect(same, "step \(step + 1): the weights part before the hinge acts")
            } else {
                after(a, b, step)
            }
        }
        let parted = hinged.model.store.values.array != plain.model.store.values.array
        #expect(parted)
        return c
    }

    static func chordValues(blanks: Int, threads: Int, _ chord: (inout ReasoningConfiguration.LossWeights) -> Void) throws -> [Double] {
        var c = try sudokuConfig(.cmm)
        c.loss.regulariserEvery = 1
        c.loss.chord = 1
        c.loss.chordMargin = 0
        chord(&c.loss)
        let t = try ReasoningTrainer(configuration: c, examples: TrainingExamples(sudoku: try puzzles(count: 12, blanks: blanks, seed: 8)),
                                     seed: 3, threads: threads)
        return try (0..<3).map { _ in try t.trainStep().regularisers.chord }
    }

    /// `loss.chordSwaps`: the chord's other end is the trajectory point with a few positions
    /// rotated, not a random start — another hinge value, positive at margin 0, the same on
    /// any thread count; a count outside 2…L is refused.
    @Test func chordToASwappedStateReplacesTheRandomStart() throws {
        let random = try Self.chordValues(blanks: 4, threads: 1) { _ in }
        let swapped = try Self.chordValues(blanks: 4, threads: 1) { $0.chordSwaps = 4 }
        #expect(swapped.allSatisfy { $0 > 0 && $0.isFinite }, "\(swapped)")
        #expect(swapped != random)
        #expect(try Self.chordValues(blanks: 4, threads: 2) { $0.chordSwaps = 4 } == swapped)
        var c = try Self.sudokuConfig(.cmm)
        for bad in [1, 82] {
            c.loss.chordSwaps = bad
            #expect(throws: ReasoningError.self) { try c.validate() }
        }
    }

    /// `loss.chordWrongClues`: the chord's other end is the trajectory point run one segment
    /// on its puzzle with K wrong givens. A positive hinge at margin 0 (so `b ≠ a`), values
    /// that depend on K (so the segment reads the wrong givens, not the true puzzle), another
    /// than the random start's, the same on two threads; bad values refused.
    @Test func chordToAWrongClueStateRunsTheMisledSegment() throws {
        let random = try Self.chordValues(blanks: 30, threads: 1) { _ in }
        let eight = try Self.chordValues(blanks: 30, threads: 1) { $0.chordWrongClues = 8 }
        let two = try Self.chordValues(blanks: 30, threads: 1) { $0.chordWrongClues = 2 }
        #expect(eight.allSatisfy { $0 > 0 && $0.isFinite } && two.allSatisfy { $0 > 0 && $0.isFinite }, "\(eight) \(two)")
        #expect(eight != random && eight != two)
        #expect(try Self.chordValues(blanks: 30, threads: 2) { $0.chordWrongClues = 8 } == eight)
        var c = try Self.sudokuConfig(.cmm)
        for (wrong, swaps) in [(1, 0), (65, 0), (8, 4)] {
            c.loss.chordWrongClues = wrong
            c.loss.chordSwaps = swaps
            #expect(throws: ReasoningError.self) { try c.validate() }
        }
    }

    /// `loss.chordFrom`: before that fraction of the schedule the chord hinge is off and the
    /// run is bit-identical to one without it; from it on the hinge acts; bad values refused,
    /// and a configuration saved before the field existed reads 0.
    @Test func chordHingeSwitchesOnAtItsFractionOfTheSchedule() throws {
        var c = try Self.lateHingeAgainstNone(base: { $0.loss.regulariserEvery = 1 }, hinge: {
            $0.loss.chord = 1
            $0.loss.chordMargin = 0
            $0.loss.chordWrongClues = 8
            $0.loss.chordFrom = 0.5
        }, before: { a, b, _ in
            #expect(b.regularisers.chord == 0 && !b.chordActive && b.forwardExamples == a.forwardExamples)
        }, after: { _, b, step in
            #expect(b.regularisers.chord > 0 && b.chordActive, "step \(step + 1)")
        })
        for bad in [-0.1, 1.5, Double.nan] {
            c.loss.chordFrom = bad
            #expect(throws: ReasoningError.self) { try c.validate() }
        }
        c.loss.chordFrom = 0.5
        #expect(try c.applying(["loss.chordFrom=0.6"]).loss.chordFrom == 0.6)
        #expect(try JSONDecoder().decode(ReasoningConfiguration.self, from: JSONEncoder().encode(c)).loss.chordFrom == 0.5)
        let old = try Self.savedWithout(["chordFrom"], in: "loss", c)
        #expect(old.loss.chordFrom == 0)
    }

    /// `loss.chordEvery`: the chord hinge runs on its own period, the Jacobian regularisers on
    /// theirs; 0 keeps it with them.
    @Test func chordHingeRunsOnItsOwnPeriod() throws {
        let examples = TrainingExamples(sudoku: try Self.puzzles(count: 24, blanks: 30, seed: 8))
        var c = try Self.sudokuConfig(.cmm)
        c.loss.regulariserEvery = 2
        c.loss.spectral = 1
        c.loss.chord = 1
        c.loss.chordMargin = 0
        c.loss.chordWrongClues = 8
        for (every, chordSteps) in [(0, [0, 2, 4, 6]), (3, [0, 3, 6])] {
            c.loss.chordEvery = every
            let trainer = try ReasoningTrainer(configuration: c, examples: examples, seed: 3)
            var seen: [Int] = [], spectral: [Int] = []
            for step in 0..<7 {
                let r = try trainer.trainStep()
                if r.regularisers.chord > 0 { seen.append(step) }
                if r.regularisers.spectral > 0 { spectral.append(step) }
            }
            #expect(seen == chordSteps, "chordEvery \(every)")
            #expect(spectral == [0, 2, 4, 6], "chordEvery \(every)")
        }
        c.loss.chordEvery = -1
        #expect(throws: ReasoningError.self) { try c.validate() }
        c.loss.chordEvery = 5
        #expect(try c.applying(["loss.chordEvery=8"]).loss.chordEvery == 8)
        #expect(try JSONDecoder().decode(ReasoningConfiguration.self, from: JSONEncoder().encode(c)).loss.chordEvery == 5)
        #expect(try Self.savedWithout(["chordEvery"], in: "loss", c).loss.chordEvery == 0)
    }

    /// `assignments(differingFrom:)` names exactly the changed leaves, sorted, in the form
    /// `--set` takes, and applying them to the base gives the configuration back.
    @Test func differencesFromThePresetReadAsSetAssignments() throws {
        let base = try ReasoningConfiguration.preset("tiny", model: .cmm, task: .sudoku)
        #expect(base.assignments(differingFrom: base).isEmpty)
        let set = ["block.initialization=truncatedLecunNormal", "loss.chord=0.2", "loss.chordEvery=8", "sigma=0.03",
                   "training.perturbation=swap"]
        let changed = try base.applying(set)
        let found = changed.assignments(differingFrom: base)
        #expect(found == set, "\(found)")
        let back = try base.applying(found)
        let roundTrips = back == changed
        #expect(roundTrips)
    }

    /// Easier copies (`training.easierCopies`): the puzzle with some blanks filled from its
    /// solution — its givens kept, blanks between the minimum and its own, still its
    /// solution; seeded per draw; a fraction of 0 leaves every draw as it was.
    @Test func easierCopiesRevealPartOfTheSolution() throws {
        let puzzles = try Self.puzzles(count: 12, blanks: 40, seed: 4)
        let plain = TrainingExamples(sudoku: puzzles, augment: false)
        var easier = plain
        easier.easierFraction = 1
        var zero = plain
        zero.easierFraction = 0
        var counts: Set<Int> = []
        for i in 0..<48 {
            let a = easier.draw(i, seed: 7), p = plain.draw(i, seed: 7)
            #expect(a.label == p.label && zero.draw(i, seed: 7).input == p.input)
            #expect(easier.draw(i, seed: 7).input == a.input, "not reproducible")
            let blanks = a.input.filter { $0 == 1 }.count
            counts.insert(blanks)
            #expect((10...40).contains(blanks))
            for c in 0..<81 where p.input[c] != 1 { #expect(a.input[c] == p.input[c], "a given changed") }
            for c in 0..<81 where a.input[c] != 1 { #expect(a.input[c] == a.label[c], "a revealed cell is not the solution's") }
        }
        #expect(counts.count > 5, "the number of blanks should vary: \(counts.sorted())")
        var c = try Self.learningConfig()
        c.training.easierCopies = 1.5
        #expect(throws: ReasoningError.self) { try c.validate() }
    }

    /// `training.startScale`: every drawn example starts from its own Gaussian `z_H`, `z_L`,
    /// seeded by `(seed, draw)` alone — the same for any sharding, with the requested spread,
    /// different per draw — and from zero without it; a negative scale is refused.
    @Test func startScaleGivesEveryDrawItsOwnSeededStart() throws {
        let examples = TrainingExamples(sudoku: try Self.puzzles(count: 12, blanks: 4, seed: 8))
        var c = try Self.sudokuConfig(.trm)
        c.training.batch = 6
        c.training.startScale = 0.5
        let (whole, split) = try Self.wholeAndSharded(&c, shards: 3, examples: examples)
        whole.refillHaltedSlots()
        split.refillHaltedSlots()
        for high in [true, false] {
            let a = whole.carryRows(high: high)
            #expect(a == split.carryRows(high: high), "the start depends on the sharding")
            let mean = a.reduce(0) { $0 + Double($1) } / Double(a.count)
            let std = (a.reduce(0) { $0 + (Double($1) - mean) * (Double($1) - mean) } / Double(a.count)).squareRoot()
            #expect(abs(mean) < 0.02 && abs(std - 0.5) < 0.02, "mean \(mean), std \(std)")
            let w = whole.model.stateWidth
            #expect(Array(a[0..<w]) != Array(a[w..<2 * w]), "two draws share a start")
        }
        #expect(whole.carryRows(high: true) != whole.carryRows(high: false))
        // A run with random starts trains and is reproducible.
        let again = try ReasoningTrainer(configuration: c, examples: examples, seed: 3)
        #expect(try split.trainStep().totalLoss == (try again.trainStep().totalLoss))
        c.training.startScale = 0
        let zero = try ReasoningTrainer(configuration: c, examples: examples, seed: 3)
        zero.refillHaltedSlots()
        #expect(zero.carryRows(high: true).allSatisfy { $0 == 0 } && zero.carryRows(high: false).allSatisfy { $0 == 0 })
        c.training.startScale = -0.1
        #expect(throws: ReasoningError.self) { try c.validate() }
    }

    /// `training.perturbation = swap`: a perturbed carried state has the `z_H`/`z_L` pairs of
    /// `round(perturbedPositions · L)` positions rotated among themselves — every chosen
    /// position gets another chosen position's pair, both levels moving together, nothing
    /// else changes — independent of the sharding; old configurations read as `redraw`, and
    /// `--set training.perturbation=swap` works while an unknown name is refused.
    @Test func swapPerturbationRotatesWholePositionsAmongAFewCells() throws {
        let examples = TrainingExamples(sudoku: try Self.puzzles(count: 24, blanks: 4, seed: 8))
        var c = try Self.sudokuConfig(.trm)
        c.training.startScale = 1
        c.training.perturbedSegments = 1
        c.training.perturbedPositions = 0.1
        c.training.perturbation = .swap
        let (whole, split) = try Self.wholeAndSharded(&c, shards: 4, examples: examples)
        let l = c.block.sequence, d = c.block.hidden, w = l * d, k = Int((0.1 * Double(l)).rounded())
        whole.refillHaltedSlots()
        let beforeHigh = whole.carryRows(high: true), beforeLow = whole.carryRows(high: false)
        split.refillHaltedSlots()
        for trainer in [whole, split] { for b in 0..<trainer.batch { trainer.perturbCarriedSlot(b) } }
        let high = whole.carryRows(high: true), low = whole.carryRows(high: false)
        #expect(high == split.carryRows(high: true) && low == split.carryRows(high: false),
                "the swap depends on the sharding")
        for b in 0..<whole.batch {
            func vector(_ a: [Float], _ t: Int) -> ArraySlice<Float> { a[(b * w + t * d)..<(b * w + (t + 1) * d)] }
            let moved = (0..<l).filter { vector(high, $0) != vector(beforeHigh, $0) }
            #expect(moved.count == k, "slot \(b): \(moved.count) positions changed, expected \(k)")
            for t in 0..<l where !moved.contains(t) {
                #expect(vector(low, t) == vector(beforeLow, t), "slot \(b): z_L changed at an unchosen position \(t)")
            }
            for t in moved {
                let sources = moved.filter { $0 != t && vector(beforeHigh, $0) == vector(high, t) }
                #expect(sources.count == 1, "slot \(b) position \(t) did not receive another chosen position's z_H")
                if let u = sources.first {
                    #expect(vector(beforeLow, u) == vector(low, t), "slot \(b): z_H and z_L of position \(t) came from different cells")
                }
            }
        }
        let old = try Self.savedWithout(["perturbation"], in: "training", c)
        #expect(old.training.perturbation == .redraw)
        c.training.perturbation = .redraw
        #expect(try c.applying(["training.perturbation=swap"]).training.perturbation == .swap)
        #expect(throws: ReasoningError.self) { try c.applying(["training.perturbation=shuffle"]) }
    }

    /// `training.perturbedSegments`: a carried state is redrawn at about `perturbedPositions`
    /// of its positions (whole `z_H`/`z_L` vectors, from the start distribution), the other
    /// positions kept bit for bit; the draws depend on `(seed, step, slot)` alone (not the
    /// sharding), a run with it is reproducible and differs from one without, a configuration
    /// saved before the fields existed reads as "off", and out-of-range values are refused.
    @Test func perturbedSegmentsRedrawSomePositionsOfACarriedState() throws {
        let examples = TrainingExamples(sudoku: try Self.puzzles(count: 24, blanks: 4, seed: 8))
        var c = try Self.sudokuConfig(.trm)
        c.training.startScale = 0
        c.training.perturbedSegments = 1
        c.training.perturbedPositions = 0.25
        let (whole, split) = try Self.wholeAndSharded(&c, shards: 4, examples: examples)
        for trainer in [whole, split] {
            trainer.refillHaltedSlots()  // zero starts
            for b in 0..<trainer.batch { trainer.perturbCarriedSlot(b) }
        }
        let l = c.block.sequence, d = c.block.hidden, w = l * d
        let high = whole.carryRows(high: true), low = whole.carryRows(high: false)
        #expect(high == split.carryRows(high: true) && low == split.carryRows(high: false),
                "the perturbation depends on the sharding")
        var redrawn = 0
        for b in 0..<whole.batch {
            for t in 0..<l {
                let h = high[(b * w + t * d)..<(b * w + (t + 1) * d)], z = low[(b * w + t * d)..<(b * w + (t + 1) * d)]
                let hz = h.allSatisfy { $0 == 0 }, lz = z.allSatisfy { $0 == 0 }
                #expect(hz == lz, "slot \(b) position \(t): only one of z_H, z_L redrawn")
                if !hz { redrawn += 1 }
            }
        }
        let fraction = Double(redrawn) / Double(whole.batch * l)
        #expect(abs(fraction - 0.25) < 0.04, "redrawn fraction \(fraction)")
        let values = high.filter { $0 != 0 }
        let std = (values.reduce(0) { $0 + Double($1) * Double($1) } / Double(values.count)).squareRoot()
        #expect(abs(std - 1) < 0.03, "a redrawn coordinate has std \(std), not the start scale 1")
        // At probability 0.5 some carried slots are perturbed and some not.
        c.training.perturbedSegments = 0.5
        let half = try ReasoningTrainer(configuration: c, examples: examples, seed: 3)
        half.refillHaltedSlots()
        for b in 0..<half.batch { half.perturbCarriedSlot(b) }
        let rows = (0..<half.batch).map { b in half.carryRows(high: true)[(b * w)..<((b + 1) * w)].contains { $0 != 0 } }
        #expect(rows.contains(true) && rows.contains(false), "perturbed slots: \(rows)")
        // Training with it is reproducible and differs from training without it once states carry.
        let (la, lb, lp) = try Self.perturbedAndPlainLosses(&c, examples: examples)
        #expect(la == lb)
        #expect(la[0] == lp[0], "the first segment starts fresh: nothing to perturb")
        #expect(la[1] != lp[1], "the carried segment was not perturbed")
        let old = try Self.savedWithout(["perturbedSegments", "perturbedPositions"], in: "training", c)
        #expect(old.training.perturbedSegments == 0 && old.training.perturbedPositions == 0.25)
        let set = try c.applying(["training.perturbedSegments=0.3", "training.perturbedPositions=0.1"])
        #expect(set.training.perturbedSegments == 0.3 && set.training.perturbedPositions == 0.1)
        for (p, f) in [(1.5, 0.25), (-0.1, 0.25), (Double.nan, 0.25), (0.5, 0), (0.5, 1.2), (0.5, .nan)] {
            c.training.perturbedSegments = p
            c.training.perturbedPositions = f
            #expect(throws: ReasoningError.self) { try c.validate() }
        }
    }

    /// `loss.wrongMotionFrom`: before that fraction of the schedule the hinge is off and a run
    /// with it is bit-identical to one without (so a run switched on mid-way is the run that
    /// configuration reproduces from scratch); from it on the hinge acts on the wrong
    /// examples and the runs part. A configuration saved before the hinge existed reads it off.
    @Test func wrongMotionHingeSwitchesOnAtItsFractionOfTheSchedule() throws {
        let c = try Self.lateHingeAgainstNone(base: { $0.loss.residual = 0.1 }, hinge: {
            $0.loss.wrongMotion = 1
            $0.loss.wrongMotionMargin = 100  // every wrong example "at rest": the hinge acts on all of them
            $0.loss.wrongMotionFrom = 0.5
        }, before: { a, b, _ in
            #expect(a.regularisers.wrongMotion == 0 && b.regularisers.wrongMotion == 0)
        }, after: { _, b, step in
            #expect(b.regularisers.wrongMotion > 0, "step \(step + 1): no wrong example?")
            #expect(abs(b.totalLoss - b.answerLoss - b.haltingLoss - b.regularisers.total) < 1e-9)
        })
        let old = try Self.savedWithout(["wrongMotion", "wrongMotionMargin", "wrongMotionFrom"], in: "loss", c)
        #expect(old.loss.wrongMotion == 0 && old.loss.wrongMotionMargin == 0.01 && old.loss.wrongMotionFrom == 0)
    }

    /// `training.embeddingStd`: the embedded input `√hidden · E[token]` of a fresh network has
    /// that standard deviation (1 by default, HRM/TRM's), a configuration saved before the field
    /// existed reads as 1, and a non-positive value is refused.
    /// `training.spectralBoundStart`: the projection after each step allows spectral norms up
    /// to `B^(1 − s/(f·T))`, so weights pushed outside the unit ball early stay there (the
    /// control, without annealing, projects them back at once), and from step `f·T` on both
    /// the training and the EMA weights are back on the ball: the certificate holds again.
    @Test func annealedSpectralBoundLoosensThenClosesOnTheUnitBall() throws {
        var t = ReasoningConfiguration.Training()
        t.spectralBoundStart = 8
        t.spectralBoundUntil = 0.5
        #expect(t.spectralBound(step: 0, totalSteps: 20) == 8)
        #expect(abs(t.spectralBound(step: 5, totalSteps: 20) - 8.0.squareRoot()) < 1e-12)
        #expect(t.spectralBound(step: 10, totalSteps: 20) == 1 && t.spectralBound(step: 19, totalSteps: 20) == 1)
        #expect(ReasoningConfiguration.Training().spectralBound(step: 0, totalSteps: 20) == 1)

        var c = try ReasoningConfiguration.preset("tiny", model: .cmm, task: .sudoku)
        c.block = BlockConfiguration(hidden: 8, sequence: 81, layers: 2, mixer: .mlp, tokenInner: 16,
                                     channelInner: 16, structure: .contractive, lipschitz: 0.45, injection: true)
        c.training.batch = 4
        c.training.scheduleSteps = 20
        c.training.emaDecay = 0.9
        c.lowSteps = 2
        c.cycles = 1
        c.segments = 2
        c.training.depthCurriculum = ""
        let examples = TrainingExamples(sudoku: try Self.puzzles(count: 8, blanks: 4, seed: 2), augment: false)
        func largest(_ values: UnsafePointer<Float>, _ trainer: ReasoningTrainer) -> Double {
            trainer.model.network.spectrallyBoundedMatrices.map {
                SpectralBound.largestSingularValueUpperBound(values + $0.offset, rows: $0.shape[0], columns: $0.shape[1])
            }.max()!
        }
        func blownUpTrainer(_ c: ReasoningConfiguration) throws -> ReasoningTrainer {
            let trainer = try ReasoningTrainer(configuration: c, examples: examples, seed: 3)
            let p = trainer.model.store.values.pointer
            for v in trainer.model.network.spectrallyBoundedMatrices { for e in v.offset..<v.end { p[e] *= 3 } }
            _ = try trainer.trainStep()
            return trainer
        }
        let control = try blownUpTrainer(c)
        // Up to the slack of the projection's 30 power iterations (the bound here is rigorous).
        #expect(largest(control.model.store.values.pointer, control) <= 1.02)
        c.training.spectralBoundStart = 8
        c.training.spectralBoundUntil = 0.5
        try c.validate()
        let annealed = try blownUpTrainer(c)
        let early = largest(annealed.model.store.values.pointer, annealed)
        #expect(early > 2 && early <= c.training.spectralBound(step: 1, totalSteps: 20) * 1.01, "\(early)")
        while annealed.step < 10 { _ = try annealed.trainStep() }
        #expect(largest(annealed.model.store.values.pointer, annealed) <= 1.02)
        #expect(largest(annealed.ema.shadow.pointer, annealed) <= 1.02)
        let certificate = try #require(annealed.model.network.contractionCertificate())
        #expect(certificate.lipschitz <= 0.45 * 1.04 && certificate.segmentFactor! < 1)
        // Only the contractive structure, with its bound on, anneals; the bound starts at ≥ 1.
        var postNorm = try ReasoningConfiguration.preset("tiny", model: .cmm, task: .sudoku)
        postNorm.training.spectralBoundStart = 8
        #expect(throws: ReasoningError.self) { try postNorm.validate() }
        c.training.spectralBoundStart = 0.5
        #expect(throws: ReasoningError.self) { try c.validate() }
        c.training.spectralBoundStart = 8
        c.training.spectralBoundUntil = 0
        #expect(throws: ReasoningError.self) { try c.validate() }
    }

    @Test func embeddingStdSetsTheScaleOfTheEmbeddedInput() throws {
        var c = try Self.sudokuConfig(.cmm)
        c.block = BlockConfiguration(hidden: 64, sequence: 81, layers: 1, mixer: .mlp, tokenInner: 32, channelInner: 32)
        func embeddedStd(_ c: ReasoningConfiguration) throws -> Double {
            let network = try ReasoningNetwork<Float>(configuration: c, seed: 5)
            let tokens = (0..<Int32(c.vocabulary)).map { $0 }
            var x = [Float](repeating: 0, count: tokens.count * c.block.hidden)
            try tokens.withUnsafeBufferPointer { t in
                try x.withUnsafeMutableBufferPointer { try network.embed(t.baseAddress!, rows: tokens.count, into: $0.baseAddress!) }
            }
            let mean = x.reduce(0) { $0 + Double($1) } / Double(x.count)
            return (x.reduce(0) { $0 + (Double($1) - mean) * (Double($1) - mean) } / Double(x.count)).squareRoot()
        }
        #expect(c.training.embeddingStd == 1)
        let unit = try embeddedStd(c)
        c.training.embeddingStd = 8
        let wide = try embeddedStd(c)
        // A truncated normal's spread is a little under its parameter; the ratio is exact.
        #expect(unit > 0.75 && unit < 1.1, "std \(unit)")
        #expect(abs(wide / unit - 8) < 1e-3, "ratio \(wide / unit)")
        #expect(try JSONDecoder().decode(ReasoningConfiguration.self, from: JSONEncoder().encode(c)).training.embeddingStd == 8)
        let old = try Self.savedWithout(["embeddingStd"], in: "training", c)
        #expect(old.training.embeddingStd == 1)
        #expect(try c.applying(["training.embeddingStd=11.3"]).training.embeddingStd == 11.3)
        for bad in [0.0, -1, .infinity] {
            c.training.embeddingStd = bad
            #expect(throws: ReasoningError.self) { try c.validate() }
        }
    }

    static func learningConfig() throws -> ReasoningConfiguration {
        var c = try ReasoningConfiguration.preset("tiny", model: .trm, task: .sudoku)
        c.block = BlockConfiguration(hidden: 32, sequence: 81, layers: 1, mixer: .mlp, tokenInner: 32, channelInner: 64)
        c.block.initialization = .uniform
        c.lowSteps = 2
        c.cycles = 1
        c.segments = 2
        c.training.batch = 32
        c.training.warmupSteps = 10
        c.training.learningRate = 3e-3
        c.training.emaDecay = 0.9
        c.training.scheduleSteps = 300
        return c
    }

    @Test func shortRunSolvesHeldOutEasyPuzzles() throws {
        let c = try Self.learningConfig()
        let all = try Self.puzzles(count: 2064, blanks: 4, seed: 5)
        let train = Array(all.prefix(2000)), heldOut = Array(all.suffix(64))
        let t = try ReasoningTrainer(configuration: c, examples: TrainingExamples(sudoku: train), seed: 0, threads: 2)
        let before = try ReasoningInference.evaluateSudoku(t.model, name: "trm", puzzles: heldOut)
        for _ in 0..<300 { _ = try t.trainStep() }
        t.swapEvaluationWeights()
        let after = try ReasoningInference.evaluateSudoku(t.model, name: "trm", puzzles: heldOut)
        print("learning test: held-out exact \(before.exactAccuracy) → \(after.exactAccuracy), blank cells \(before.cellAccuracy) → \(after.cellAccuracy)")
        #expect(before.exactAccuracy < 0.05)
        #expect(after.exactAccuracy >= 0.5, "held-out exact accuracy \(after.exactAccuracy) after 300 steps")
    }

    static func temporaryDirectory() -> String {
        NSTemporaryDirectory() + "attractor-reasoning-\(UUID().uuidString)"
    }

    /// `loadModel(rawWeights:)`: the saved evaluation weights are the EMA here; the raw ones
    /// are the trainer's last step, read from `state.safetensors`; without that file, an error.
    @Test func rawWeightsLoadTheLastStepInsteadOfTheAverage() throws {
        var c = try Self.sudokuConfig(.trm)
        c.training.emaDecay = 0.5  // 0.5^7 < 0.01: model.safetensors holds the EMA after 8 steps
        let t = try ReasoningTrainer(configuration: c, examples: TrainingExamples(sudoku: try Self.puzzles(count: 8, blanks: 4, seed: 2)),
                                     seed: 3)
        for _ in 0..<8 { _ = try t.trainStep() }
        #expect(t.evaluationUsesEMA)
        let dir = Self.temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        try ReasoningCheckpoint.save(t, to: dir, trainingSeconds: 1)
        let saved = try ReasoningCheckpoint.loadModel(dir, maxBatch: 4).model.store.values.array
        let raw = try ReasoningCheckpoint.loadModel(dir, maxBatch: 4, rawWeights: true).model.store.values.array
        let (isAverage, isRaw) = (saved == Array(t.ema.shadow.buffer), raw == t.model.store.values.array)
        #expect(isAverage && isRaw && saved != raw)
        try FileManager.default.removeItem(atPath: dir + "/state.safetensors")
        #expect(throws: ReasoningError.self) { _ = try ReasoningCheckpoint.loadModel(dir, maxBatch: 4, rawWeights: true) }
    }

    @Test func saveAndReloadGiveIdenticalOutputs() throws {
        let c = try Self.sudokuConfig(.cmm)
        let train = try Self.puzzles(count: 8, blanks: 4, seed: 2)
        let t = try ReasoningTrainer(configuration: c, examples: TrainingExamples(sudoku: train), seed: 3)
        for _ in 0..<2 { _ = try t.trainStep() }
        let dir = Self.temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        try ReasoningCheckpoint.save(t, to: dir, trainingSeconds: 1)
        let (loaded, manifest) = try ReasoningCheckpoint.loadModel(dir, maxBatch: 16)
        #expect(manifest.configuration == c)
        #expect(manifest.step == 2)
        #expect(!t.evaluationUsesEMA)  // 2 steps: the EMA is still mostly the initialisation
        let inputs = train.map { $0.puzzle.tokens.map(Int32.init) }
        let a = try ReasoningInference.run(t.model, inputs: inputs)
        let b = try ReasoningInference.run(loaded, inputs: inputs)
        #expect(a.map(\.answer) == b.map(\.answer))
        #expect(a.map(\.residual) == b.map(\.residual))
        #expect(!FileManager.default.fileExists(atPath: dir + "/model.safetensors.tmp-\(getpid())"))
    }

    @Test(arguments: [ModelKind.cmm, .hrm])
    func resumeContinuesBitForBit(_ model: ModelKind) throws {
        let c = try Self.sudokuConfig(model)
        let train = try Self.puzzles(count: 8, blanks: 4, seed: 4)
        let examples = TrainingExamples(sudoku: train)
        let straight = try ReasoningTrainer(configuration: c, examples: examples, seed: 5)
        var straightLosses: [Double] = []
        for _ in 0..<4 { straightLosses.append(try straight.trainStep().totalLoss) }

        let first = try ReasoningTrainer(configuration: c, examples: examples, seed: 5)
        for _ in 0..<2 { _ = try first.trainStep() }
        let dir = Self.temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        try ReasoningCheckpoint.save(first, to: dir, trainingSeconds: 1)
        let resumed = try ReasoningTrainer(configuration: c, examples: examples, seed: 5)
        try ReasoningCheckpoint.restore(resumed, from: dir)
        var resumedLosses: [Double] = []
        for _ in 0..<2 { resumedLosses.append(try resumed.trainStep().totalLoss) }
        #expect(resumedLosses == Array(straightLosses.suffix(2)))
        #expect(resumed.model.store.values.array == straight.model.store.values.array)
        #expect(resumed.ema.shadow.array == straight.ema.shadow.array)
        #expect(resumed.optimizer.secondMoment.array == straight.optimizer.secondMoment.array)
    }

    @Test func mismatchesAreClearErrors() throws {
        let c = try Self.sudokuConfig(.trm)
        let train = try Self.puzzles(count: 4, blanks: 4, seed: 6)
        let t = try ReasoningTrainer(configuration: c, examples: TrainingExamples(sudoku: train), seed: 1)
        let dir = Self.temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        try ReasoningCheckpoint.save(t, to: dir, trainingSeconds: 0)
        #expect(throws: ReasoningError.mismatch("checkpoint \(dir) holds a trm model, not cmm")) {
            _ = try ReasoningCheckpoint.loadModel(dir, maxBatch: 1, expecting: .cmm)
        }
        #expect(throws: ReasoningError.mismatch("checkpoint \(dir) was trained on sudoku, not maze")) {
            _ = try ReasoningCheckpoint.loadModel(dir, maxBatch: 1, task: .maze)
        }
        #expect(throws: ReasoningError.mismatch("checkpoint \(dir) uses preset tiny, not small")) {
            _ = try ReasoningCheckpoint.loadModel(dir, maxBatch: 1, preset: .small)
        }
        // A maze data set for a Sudoku model.
        let maze = TrainingExamples(task: .maze, sequence: 81, vocabulary: 6, inputs: [[Int32](repeating: 1, count: 81)],
                                    labels: [[Int32](repeating: 1, count: 81)], augment: false)
        #expect(throws: ReasoningError.self) { _ = try ReasoningTrainer(configuration: c, examples: maze, seed: 1) }
        // A puzzle of the wrong size.
        #expect(throws: ReasoningError.invalidInput("example 0 has 80 tokens, the model expects 81")) {
            _ = try ReasoningInference.run(t.model, inputs: [[Int32](repeating: 1, count: 80)])
        }
        #expect(throws: ReasoningError.self) { _ = try CheckpointLocator.resolve(dir + "-missing") }
        // A bundled name the executable's location cannot reach says where it looked, not
        // that no checkpoint has that name.
        do {
            _ = try CheckpointLocator.resolve("cmm-tiny", executable: "/nonexistent/bin/attractor")
            let here = FileManager.default.fileExists(atPath: "Checkpoints/cmm-tiny/config.json")
            #expect(here, "resolved a bundled checkpoint that is not in the current directory")
        } catch {
            #expect("\(error)".contains("/nonexistent/bin/attractor") && "\(error)".contains("Checkpoints/cmm-tiny"), "\(error)")
        }
    }
}

/// Data parallelism: shards reduced in a fixed order, so the thread count never changes a step.
@Suite struct ParallelTrainingTests {
    static func config(_ model: ModelKind, shards: Int) throws -> ReasoningConfiguration {
        var c = try TrainingTests.sudokuConfig(model)
        c.training.batch = 10  // shards of unequal size (3, 3, 4 / 2, 3, 2, 3)
        c.training.shards = shards
        if model == .cmm {
            c.loss.regulariserEvery = 1  // the Jacobian regularisers and the chord hinge every step
            c.loss.chord = 0.1
            c.loss.chordSegments = 1
        }
        return c
    }

    @Test(arguments: [(ModelKind.trm, 3), (.hrm, 4), (.cmm, 3)])
    func oneAndTwoThreadsAreBitIdentical(_ model: ModelKind, _ shards: Int) throws {
        let c = try Self.config(model, shards: shards)
        let examples = TrainingExamples(sudoku: try TrainingTests.puzzles(count: 12, blanks: 4, seed: 8))
        let one = try ReasoningTrainer(configuration: c, examples: examples, seed: 9, threads: 1)
        let two = try ReasoningTrainer(configuration: c, examples: examples, seed: 9, threads: 2)
        let three = try ReasoningTrainer(configuration: c, examples: examples, seed: 9, threads: 3)
        var chord = 0.0
        for _ in 0..<3 {
            let a = try one.trainStep(), b = try two.trainStep(), d = try three.trainStep()
            chord += a.regularisers.chord
            #expect(a.totalLoss == b.totalLoss && a.totalLoss == d.totalLoss)
            #expect(a.gradientNorm == b.gradientNorm && a.gradientNorm == d.gradientNorm)
        }
        #expect((chord > 0) == (model == .cmm))  // the chord hinge ran (cmm) and is shard-exact
        #expect(one.model.store.values.array == two.model.store.values.array)
        #expect(one.model.store.values.array == three.model.store.values.array)
        #expect(one.carryRows(high: true) == two.carryRows(high: true))
        #expect(one.slotHalted == two.slotHalted)
    }

    @Test func shardsChangeOnlyTheRoundingOfTheGradient() throws {
        // One shard and three shards compute the same mean loss and gradient up to rounding.
        let examples = TrainingExamples(sudoku: try TrainingTests.puzzles(count: 12, blanks: 4, seed: 8))
        let whole = try ReasoningTrainer(configuration: try Self.config(.trm, shards: 1), examples: examples, seed: 9)
        let split = try ReasoningTrainer(configuration: try Self.config(.trm, shards: 3), examples: examples, seed: 9)
        let a = try whole.trainStep(), b = try split.trainStep()
        #expect(abs(a.totalLoss - b.totalLoss) <= 1e-5 * abs(a.totalLoss))
        #expect(abs(a.gradientNorm - b.gradientNorm) <= 1e-4 * a.gradientNorm)
    }

    @Test func resumeWithAnotherThreadCountContinuesBitForBit() throws {
        let c = try Self.config(.cmm, shards: 3)
        let examples = TrainingExamples(sudoku: try TrainingTests.puzzles(count: 12, blanks: 4, seed: 10))
        let straight = try ReasoningTrainer(configuration: c, examples: examples, seed: 11, threads: 1)
        var losses: [Double] = []
        for _ in 0..<4 { losses.append(try straight.trainStep().totalLoss) }
        let first = try ReasoningTrainer(configuration: c, examples: examples, seed: 11, threads: 2)
        for _ in 0..<2 { _ = try first.trainStep() }
        let dir = TrainingTests.temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        try ReasoningCheckpoint.save(first, to: dir, trainingSeconds: 1)
        let resumed = try ReasoningTrainer(configuration: c, examples: examples, seed: 11, threads: 3)
        try ReasoningCheckpoint.restore(resumed, from: dir)
        var resumedLosses: [Double] = []
        for _ in 0..<2 { resumedLosses.append(try resumed.trainStep().totalLoss) }
        #expect(resumedLosses == Array(losses.suffix(2)))
        #expect(resumed.model.store.values.array == straight.model.store.values.array)
        #expect(resumed.ema.shadow.array == straight.ema.shadow.array)
    }

    @Test func checkpointsWithoutShardsDecodeAsOneShard() throws {
        // The manifest of the first bundled trm-tiny (trained before sharding and before
        // the initialisation was a choice), kept as a fixture.
        let url = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("Fixtures/first-format")
        let m = try ReasoningCheckpoint.manifest(at: url.path)
        #expect(m.configuration.training.shards == 1)
        #expect(m.configuration.block.initialization == .truncatedLecunNormal)
        #expect(try ReasoningConfiguration.preset("tiny", model: .trm, task: .sudoku).training.shards == 4)
    }

    @Test func levelFieldsHaveOneNameAndOldFilesStillRead() throws {
        // The first-format fixture says `fastSteps` / `fastStepSize` (6 and 1).
        let url = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("Fixtures/first-format")
        let old = try ReasoningCheckpoint.manifest(at: url.path).configuration
        #expect(old.lowSteps == 6 && old.lowStepSize == 1)
        // Written back, only the current names appear.
        let text = String(decoding: try JSONEncoder().encode(old), as: UTF8.self)
        #expect(text.contains("\"lowSteps\"") && text.contains("\"lowStepSize\""))
        #expect(!text.contains("fastSteps") && !text.contains("fastStepSize"))
        // `--set` takes either name for the same field.
        let c = try ReasoningConfiguration.preset("tiny", model: .trm, task: .sudoku)
        let current = try c.applying(["lowSteps=2", "lowStepSize=0.5"])
        let legacy = try c.applying(["fastSteps=2", "fastStepSize=0.5"])
        #expect(current.lowSteps == 2 && current.lowStepSize == 0.5)
        #expect(legacy.lowSteps == 2 && legacy.lowStepSize == 0.5)
    }

    @Test func uniformInitialisationIsPyTorchsLinearDefault() throws {
        var c = try TrainingTests.sudokuConfig(.trm)
        c.block.initialization = .uniform
        let m = try ReasoningModel<Float>(configuration: c, maxBatch: 1, seed: 3)
        let lecun = try ReasoningModel<Float>(configuration: try TrainingTests.sudokuConfig(.trm), maxBatch: 1, seed: 3)
        for name in ["blocks.0.mlp.gate_up.weight", "blocks.0.token_mlp.down.weight", "head.weight"] {
            let view = try #require(m.store.layout.view(named: name))
            let fanIn = view.shape[1]
            let w = try #require(m.store.values(named: name)).map(Double.init)
            let bound = 1 / Double(fanIn).squareRoot()
            #expect(w.allSatisfy { abs($0) <= bound }, "\(name) outside ±1/√\(fanIn)")
            let std = (w.map { $0 * $0 }.reduce(0, +) / Double(w.count)).squareRoot()
            #expect(abs(std - bound / 3.0.squareRoot()) < 0.1 * bound, "\(name): std \(std), bound \(bound)")
            let l = try #require(lecun.store.values(named: name)).map(Double.init)
            let lstd = (l.map { $0 * $0 }.reduce(0, +) / Double(l.count)).squareRoot()
            #expect(lstd > 1.5 * std, "LeCun normal is √3 wider: \(lstd) vs \(std)")
        }
        // Saved with the checkpoint and read back.
        let data = try JSONEncoder().encode(c)
        #expect(try JSONDecoder().decode(ReasoningConfiguration.self, from: data).block.initialization == .uniform)
    }
}

/// Batched inference: retiring halted rows and spreading batches over threads change no outcome.
@Suite struct BatchedInferenceTests {
    @Test(arguments: [ModelKind.trm, .hrm, .cmm])
    func outcomesDoNotDependOnBatchOrThreads(_ model: ModelKind) throws {
        var c = try TrainingTests.sudokuConfig(model)
        c.segments = 6
        let puzzles = try TrainingTests.puzzles(count: 11, blanks: 6, seed: 12)
        let t = try ReasoningTrainer(configuration: c, examples: TrainingExamples(sudoku: puzzles), seed: 13)
        for _ in 0..<3 { _ = try t.trainStep() }
        // Make some rows halt early and others not: random halting weights, zero bias.
        if let head = t.model.haltHead, let bias = head.bias {
            let v = t.model.store.values.pointer
            let random = RandomSource(seed: 15)
            for i in 0..<head.weight.count { v[head.weight.offset + i] = Float(random.gaussian(sigma: 3)) }
            for i in 0..<bias.count { v[bias.offset + i] = 0 }
        }
        let inputs = puzzles.map { $0.puzzle.tokens.map(Int32.init) }
        let alone = try inputs.map { try ReasoningInference.run(t.model, inputs: [$0])[0] }
        let dir = TrainingTests.temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        try ReasoningCheckpoint.save(t, to: dir, trainingSeconds: 0)
        for (batch, threads) in [(11, 1), (4, 2), (3, 3)] {
            let (m, _) = try ReasoningCheckpoint.loadModel(dir, maxBatch: batch)
            let together = try ReasoningInference.run(m, inputs: inputs, threads: threads)
            #expect(together.map(\.answer) == alone.map(\.answer), "batch \(batch), \(threads) threads")
            #expect(together.map(\.segments) == alone.map(\.segments))
            #expect(together.map(\.residual) == alone.map(\.residual))
            #expect(together.map(\.functionEvaluations) == alone.map(\.functionEvaluations))
        }
        if model != .cmm {  // a halting head at bias 0 stops some rows before the cap, not all
            let segments = Set(alone.map(\.segments))
            print("\(model) segments per puzzle: \(alone.map(\.segments))")
            #expect(segments.count > 1 || segments.first! < c.segments)
        }
    }

    /// A small damped-EM cmm with a halting head, six segments, three steps trained, and its
    /// eight 6-blank puzzles: the subject of the test-time noise schedules' tests.
    static func smallNoisyCMM() throws -> (ReasoningTrainer, [SudokuExample]) {
        var c = try ReasoningConfiguration.preset("tiny", model: .cmm, task: .sudoku)
        c.block = BlockConfiguration(hidden: 16, sequence: 81, layers: 1, mixer: .mlp, tokenInner: 32, channelInner: 32)
        c.training.batch = 8
        c.training.depthCurriculum = ""
        c.lowSteps = 2
        c.cycles = 1
        c.segments = 6
        let puzzles = try TrainingTests.puzzles(count: 8, blanks: 6, seed: 12)
        let t = try ReasoningTrainer(configuration: c, examples: TrainingExamples(sudoku: puzzles), seed: 13)
        for _ in 0..<3 { _ = try t.trainStep() }
        return (t, puzzles)
    }

    /// Annealed test-time noise: the first K segments carry σ, the rest are the drift alone,
    /// and the model's halting waits for them.
    @Test func noiseOnTheFirstSegmentsOnly() throws {
        let (t, puzzles) = try Self.smallNoisyCMM()
        if let head = t.model.haltHead, let bias = head.bias {  // halt at once wherever the head may
            for i in 0..<bias.count { t.model.store.values.pointer[bias.offset + i] = 50 }
        }
        let inputs = puzzles.map { $0.puzzle.tokens.map(Int32.init) }
        let clean = try ReasoningInference.run(t.model, inputs: inputs)
        #expect(clean.allSatisfy { $0.segments == 1 }, "\(clean.map(\.segments))")
        let annealed = try ReasoningInference.run(t.model, inputs: inputs,
                                                  options: InferenceOptions(sigma: 0.3, startScale: 1, noisySegments: 2))
        // Halting read only on the noise-free segments: the earliest stop is segment 3.
        #expect(annealed.allSatisfy { $0.segments == 3 }, "\(annealed.map(\.segments))")
        // Segment 3 is noise-free: the same run with the noise on every segment ends elsewhere.
        let noisy = try ReasoningInference.run(t.model, inputs: inputs,
                                               options: InferenceOptions(segments: 3, halting: .verified, sigma: 0.3, startScale: 1))
        #expect(noisy.map(\.residual) != annealed.map(\.residual))
        #expect(t.model.sampleSigma == 0)
        for bad in [InferenceOptions(sigma: 0, noisySegments: 2), InferenceOptions(sigma: 0.1, noisySegments: 6),
                    InferenceOptions(sigma: 0.1, noisySegments: 0)] {
            #expect(throws: ReasoningError.self) { _ = try ReasoningInference.run(t.model, inputs: inputs, options: bad) }
        }
    }

    /// Doubt-gated test-time noise: a row carries σ only while the halting rule does not
    /// fire at its state, halts only after a noise-free segment, and the last segment is
    /// noise-free.
    @Test func noiseGatedByTheHaltingRule() throws {
        let (t, puzzles) = try Self.smallNoisyCMM()
        func setBias(_ value: Float) {
            if let head = t.model.haltHead, let bias = head.bias {
                for i in 0..<bias.count { t.model.store.values.pointer[bias.offset + i] = value }
            }
        }
        let inputs = puzzles.map { $0.puzzle.tokens.map(Int32.init) }
        let gate = InferenceOptions(sigma: 0.3, noiseGate: .halting)
        // The rule fires everywhere: nothing is doubted, the run is the noise-free one.
        setBias(50)
        let clean = try ReasoningInference.run(t.model, inputs: inputs)
        let trusted = try ReasoningInference.run(t.model, inputs: inputs, options: gate)
        let ungated = try ReasoningInference.run(t.model, inputs: inputs, options: InferenceOptions(sigma: 0.3))
        #expect(trusted.map(\.residual) == clean.map(\.residual) && trusted.allSatisfy { $0.segments == 1 })
        #expect(ungated.map(\.residual) != clean.map(\.residual))
        // The rule never fires: every segment but the last is noisy, as the annealed schedule
        // with five noisy segments of six, bit for bit.
        setBias(-50)
        let doubted = try ReasoningInference.run(t.model, inputs: inputs, options: gate)
        let annealed = try ReasoningInference.run(t.model, inputs: inputs, options: InferenceOptions(sigma: 0.3, noisySegments: 5))
        #expect(doubted.map(\.residual) == annealed.map(\.residual) && doubted.allSatisfy { $0.segments == 6 })
        #expect(doubted.map(\.answer) == annealed.map(\.answer))
        #expect(t.model.sampleSigma == 0 && t.model.sampleRowGate.isEmpty)
        // A row's gate is its own: other batch sizes and thread counts give the same outcomes.
        // The bias at the median halting logit: some rows trusted, some doubted, some retiring.
        setBias(0)
        let logits = try ReasoningInference.run(t.model, inputs: inputs).compactMap(\.confidence).sorted()
        setBias(-logits[logits.count / 2])
        let whole = try ReasoningInference.run(t.model, inputs: inputs, options: gate)
        let split = try ReasoningInference.run(try ReasoningModel(replicaOf: t.model, maxBatch: 3), inputs: inputs, threads: 2,
                                               options: gate)
        #expect(whole.map(\.residual) == split.map(\.residual) && whole.map(\.segments) == split.map(\.segments))
        #expect(Set(whole.map(\.segments)).count > 1, "\(whole.map(\.segments))")
        for bad in [InferenceOptions(sigma: 0, noiseGate: .halting), InferenceOptions(sigma: 0.1, noisySegments: 2, noiseGate: .halting)] {
            #expect(throws: ReasoningError.self) { _ = try ReasoningInference.run(t.model, inputs: inputs, options: bad) }
        }
    }

    @Test func progressCountsEveryPuzzleOnce() throws {
        let c = try TrainingTests.sudokuConfig(.trm)
        let puzzles = try TrainingTests.puzzles(count: 9, blanks: 6, seed: 14)
        let m = try ReasoningModel<Float>(configuration: c, maxBatch: 2, seed: 1)
        let counter = Counter()
        _ = try ReasoningInference.run(m, inputs: puzzles.map { $0.puzzle.tokens.map(Int32.init) }, threads: 2,
                                       progress: { done, total in counter.record(done, total) })
        #expect(counter.calls.map(\.0) == [2, 4, 6, 8, 9] || counter.calls.last! == (9, 9))
        #expect(counter.calls.count == 5 && counter.calls.last! == (9, 9))
    }

    final class Counter: @unchecked Sendable {
        var calls: [(Int, Int)] = []
        func record(_ done: Int, _ total: Int) { calls.append((done, total)) }
    }
}
