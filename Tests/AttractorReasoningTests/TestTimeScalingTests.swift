import AttractorNeural
import AttractorNumerics
import AttractorTasks
import Testing
@testable import AttractorReasoning

/// Verified halting, sampling and selection (`SudokuSampling`, `Docs/TestTimeScaling.md`).
@Suite(.serialized) struct TestTimeScalingTests {
    /// A small TRM trained as in the learning test (4 blanks, 300 steps): it solves most
    /// held-out puzzles but not all, so both certified and uncertified answers occur. Shared
    /// by the tests of this suite, which run one at a time (`.serialized`).
    nonisolated(unsafe) static let trained: (model: ReasoningModel<Float>, heldOut: [SudokuExample]) = {
        let c = try! TrainingTests.learningConfig()
        let all = try! TrainingTests.puzzles(count: 2064, blanks: 4, seed: 5)
        let t = try! ReasoningTrainer(configuration: c, examples: TrainingExamples(sudoku: Array(all.prefix(2000))), seed: 0,
                                      threads: 2)
        for _ in 0..<300 { _ = try! t.trainStep() }
        t.swapEvaluationWeights()
        // Harder held-out puzzles than it trained on (6 blanks): some right, some wrong.
        return (t.model, try! TrainingTests.puzzles(count: 48, blanks: 6, seed: 9))
    }()

    @Test func verifierAcceptsOnlyRuleAbidingCompletions() throws {
        let p = try SudokuGenerator(seed: 3).puzzle(blanks: 30)
        let solution = p.solution.tokens.map(Int32.init)
        #expect(SudokuSampling.verifies(solution, puzzle: p.puzzle))
        // One wrong cell (a blank filled with another digit): a unit repeats a digit.
        let blank = (0..<81).first { p.puzzle[$0] == 0 }!
        var wrong = solution
        wrong[blank] = wrong[blank] == 10 ? 2 : wrong[blank] + 1
        #expect(!SudokuSampling.verifies(wrong, puzzle: p.puzzle))
        // A given changed, even into another valid grid (digits 1 and 2 swapped everywhere).
        let swapped = solution.map { $0 == 2 ? 3 : $0 == 3 ? 2 : $0 }
        #expect(SudokuGrid(tokens: swapped.map { UInt8($0) })!.isValidSolution)
        #expect(!SudokuSampling.verifies(swapped, puzzle: p.puzzle))
        // Incomplete (a blank or pad token left) and wrong length.
        var incomplete = solution
        incomplete[blank] = Int32(SudokuToken.blank)
        #expect(!SudokuSampling.verifies(incomplete, puzzle: p.puzzle))
        incomplete[blank] = 0
        #expect(!SudokuSampling.verifies(incomplete, puzzle: p.puzzle))
        #expect(!SudokuSampling.verifies(Array(solution.prefix(80)), puzzle: p.puzzle))
    }

    @Test func transformsRoundTripAndPreserveSolutions() throws {
        let p = try SudokuGenerator(seed: 4).puzzle(blanks: 40)
        let solution = p.solution.tokens.map(Int32.init)
        var options = SudokuSampling.Options()
        options.seed = 12
        var distinct = Set<[Int32]>()
        for j in 0..<6 {
            let t = SudokuSampling.transform(sample: j, puzzle: 2, options: options)
            #expect((j == 0) == (t == .identity))
            let shown = t.apply(p.puzzle)
            let answer = SudokuSampling.map(solution, t)
            #expect(SudokuSampling.verifies(answer, puzzle: shown), "the transformed solution solves the transformed puzzle")
            #expect(SudokuSampling.map(answer, t.inverse) == solution)
            distinct.insert(answer)
        }
        #expect(distinct.count == 6)
        options.transforms = false
        #expect(SudokuSampling.transform(sample: 3, puzzle: 2, options: options) == .identity)
    }

    @Test func aVerifiedAnswerIsNeverWrong() throws {
        let model = Self.trained.model
        // Puzzles it mostly solves (6 blanks) and puzzles well beyond its training (20 blanks).
        let heldOut = Array(Self.trained.heldOut.prefix(24)) + (try TrainingTests.puzzles(count: 24, blanks: 20, seed: 10))
        var options = SudokuSampling.Options()
        options.samples = 4
        options.inference.segments = 4
        let outcomes = try SudokuSampling.solve(model, puzzles: heldOut.map(\.puzzle), options: options, threads: 2)
        var certified = 0, uncertifiedWrong = 0
        for (p, o) in zip(heldOut, outcomes) {
            if o.selection == .verified {
                certified += 1
                #expect(o.answer == p.solution.tokens.map(Int32.init), "a certified answer differs from the unique solution")
            } else {
                #expect(!SudokuSampling.verifies(o.answer, puzzle: p.puzzle))
                uncertifiedWrong += 1
            }
        }
        print("verified: \(certified) certified, \(uncertifiedWrong) not, of \(heldOut.count)")
        // Both cases occur, so the check above is not vacuous.
        #expect(certified > 0 && uncertifiedWrong > 0)
    }

    @Test func samplingStopsAtTheFirstVerifiedAnswerAndIsReproducible() throws {
        let (model, heldOut) = Self.trained
        var options = SudokuSampling.Options()
        options.samples = 4
        options.inference.segments = 4
        options.inference.sigma = 0.05
        options.inference.startScale = 0.1
        options.seed = 3
        let a = try SudokuSampling.solve(model, puzzles: heldOut.map(\.puzzle), options: options, threads: 2)
        let b = try SudokuSampling.solve(model, puzzles: heldOut.map(\.puzzle), options: options, threads: 1)
        #expect(a.map(\.answer) == b.map(\.answer) && a.map(\.functionEvaluations) == b.map(\.functionEvaluations))
        #expect(a.map(\.selection) == b.map(\.selection) && a.map(\.chosenSample) == b.map(\.chosenSample))
        let perSegment = model.configuration.cycles * (model.configuration.lowSteps + 1) + 1
        for o in a {
            if o.selection == .verified {
                // It stopped: no sample after the certified one, and that one halted at the
                // segment its answer verified (at most the 4 allowed).
                #expect(o.chosenSample == o.samplesUsed - 1)
                #expect(o.trajectory.verified)
            } else {
                #expect(o.samplesUsed == 4 && o.functionEvaluations == 4 * 4 * perSegment)
            }
        }
        #expect(a.contains { $0.selection == .verified && $0.functionEvaluations < 4 * perSegment })
        // Another seed gives other trajectories (noise, starts and transforms all change).
        options.seed = 4
        let c = try SudokuSampling.solve(model, puzzles: heldOut.map(\.puzzle), options: options, threads: 2)
        #expect(a.map(\.functionEvaluations) != c.map(\.functionEvaluations) || a.map(\.answer) != c.map(\.answer))
        // A budget below a second trajectory keeps every puzzle at one sample.
        options.budget = 4 * perSegment
        let capped = try SudokuSampling.solve(model, puzzles: heldOut.map(\.puzzle), options: options, threads: 2)
        #expect(capped.allSatisfy { $0.samplesUsed == 1 && $0.functionEvaluations <= 4 * perSegment })
        options.budget = 1
        #expect(throws: ReasoningError.self) { try SudokuSampling.solve(model, puzzles: heldOut.map(\.puzzle), options: options) }
    }

    @Test func verifiedHaltingRunsUntilTheRulesHold() throws {
        let (model, heldOut) = Self.trained
        let inputs = heldOut.map { $0.puzzle.tokens.map(Int32.init) }
        let puzzles = heldOut.map(\.puzzle)
        let verify: ReasoningInference.Verifier = { i, answer in SudokuSampling.verifies(answer, puzzle: puzzles[i]) }
        let plain = try ReasoningInference.run(model, inputs: inputs, threads: 2, options: InferenceOptions(segments: 6))
        let checked = try ReasoningInference.run(model, inputs: inputs, threads: 2,
                                                 options: InferenceOptions(segments: 6, halting: .verified), verify: verify)
        for (k, (p, c)) in zip(plain, checked).enumerated() {
            if c.verified {
                #expect(c.haltedEarly || c.segments == 6)
                #expect(SudokuSampling.verifies(c.answer, puzzle: puzzles[k]))
            } else {
                #expect(c.segments == 6, "an unverified row runs every segment")
            }
            // The model's halting head ignored: a plain run may stop earlier, never later.
            #expect(p.segments <= 6)
        }
        #expect(checked.contains { $0.verified && $0.segments < 6 })
    }

    /// The commitment step on a hand-made case: the most confident blank cells first, a
    /// digit a peer already holds skipped, at most `count` cells, givens never touched.
    @Test func commitmentTakesTheMostConfidentConsistentCells() throws {
        let p = try SudokuGenerator(seed: 11).puzzle(blanks: 12)
        let blanks = (0..<81).filter { p.puzzle[$0] == 0 }
        var answer = p.solution.tokens.map(Int32.init)
        var confidence = [Float](repeating: 0.5, count: 81)
        // Three confident blanks: the most confident holds a digit its row already has.
        let (a, b, c) = (blanks[0], blanks[1], blanks[2])
        let givenInRow = (0..<9).map { 9 * (a / 9) + $0 }.first { p.puzzle[$0] != 0 }!
        answer[a] = Int32(p.puzzle[givenInRow]) + 1
        confidence[a] = 0.99; confidence[b] = 0.9; confidence[c] = 0.8
        for g in 0..<81 where p.puzzle[g] != 0 { confidence[g] = 1 }  // givens are never candidates
        let two = try #require(SudokuSampling.committing(2, of: answer, confidence: confidence, into: p.puzzle))
        #expect(two[a] == 0, "the conflicting digit was committed")
        #expect(two[b] == p.solution[b] && two[c] == p.solution[c])
        #expect(two.blankCount == p.puzzle.blankCount - 2)
        #expect((0..<81).allSatisfy { p.puzzle[$0] == 0 || two[$0] == p.puzzle[$0] })
        // Nothing to commit: every blank's digit is one a given peer already holds.
        var blocked = answer
        for i in blanks {
            let peer = SudokuGeometry.peers[(i * 20)..<(i * 20 + 20)].first { p.puzzle[Int($0)] != 0 }!
            blocked[i] = Int32(p.puzzle[Int(peer)]) + 1
        }
        #expect(SudokuSampling.committing(3, of: blocked, confidence: confidence, into: p.puzzle) == nil)
        #expect(SudokuSampling.committing(1, of: answer, confidence: [], into: p.puzzle) == nil)
    }

    /// Chains of trajectories on ever fuller puzzles: a certified answer is still the unique
    /// solution, commitment reaches puzzles one plain trajectory does not, and it is
    /// reproducible across thread counts.
    @Test func confidentCellCommitmentCertifiesOnlySolutions() throws {
        let model = Self.trained.model
        let hard = try TrainingTests.puzzles(count: 24, blanks: 20, seed: 10)
        var options = SudokuSampling.Options()
        options.inference.segments = 2
        let plain = try SudokuSampling.solve(model, puzzles: hard.map(\.puzzle), options: options, threads: 2)
        options.commit = 2
        let chained = try SudokuSampling.solve(model, puzzles: hard.map(\.puzzle), options: options, threads: 2)
        let again = try SudokuSampling.solve(model, puzzles: hard.map(\.puzzle), options: options, threads: 1)
        #expect(chained.map(\.answer) == again.map(\.answer) && chained.map(\.functionEvaluations) == again.map(\.functionEvaluations))
        var certified = 0
        for (p, o) in zip(hard, chained) {
            if o.selection == .verified {
                certified += 1
                #expect(o.answer == p.solution.tokens.map(Int32.init), "a certified answer differs from the unique solution")
            } else {
                #expect(o.samplesUsed > 1, "an uncertified chain that could commit stopped after one trajectory")
            }
            #expect(o.samplesUsed == o.trajectories.count && o.trajectories.dropLast().allSatisfy { !$0.verified })
        }
        let plainCertified = plain.filter { $0.selection == .verified }.count
        print("commitment: \(certified) of \(hard.count) certified, one plain trajectory \(plainCertified)")
        #expect(certified > plainCertified)
        options.commit = 0
        #expect(throws: ReasoningError.self) { try SudokuSampling.solve(model, puzzles: [hard[0].puzzle], options: options) }
    }
}
