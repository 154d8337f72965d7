import Foundation
import Testing
@testable import AttractorReasoning

/// The depth curriculum (`training.depthCurriculum`): its stages, the model running a
/// shallower depth exactly as a model configured that shallow, the trainer's steps following
/// the stages (and resuming across a stage boundary bit for bit), and the budget fit pricing
/// the shallow steps.
@Suite struct DepthCurriculumTests {
    @Test func stagesParseAndFollowTheSchedule() throws {
        let c = try DepthCurriculum(parsing: "2x1@0.2, 4×2@0.5")
        #expect(c.stages == [.init(lowSteps: 2, cycles: 1, until: 0.2), .init(lowSteps: 4, cycles: 2, until: 0.5)])
        let full = (lowSteps: 6, cycles: 3)
        let depths = [0, 19, 20, 49, 50, 99].map { c.depth(step: $0, totalSteps: 100, full: full) }
        #expect(depths.map { $0.lowSteps } == [2, 2, 4, 4, 6, 6])
        #expect(depths.map { $0.cycles } == [1, 1, 2, 2, 3, 3])
        #expect(try DepthCurriculum(parsing: "").isEmpty)
        for bad in ["2x1", "2x1@1", "2x1@0", "4x2@0.5,2x1@0.3", "0x1@0.2", "ax1@0.1", "2x1@0.2,", "2@0.2"] {
            #expect(throws: ReasoningError.self, "\(bad)") { _ = try DepthCurriculum(parsing: bad) }
        }
    }

    @Test func theConfigurationTakesItFromSetAndRejectsWhatCannotRun() throws {
        let base = try ReasoningConfiguration.preset("tiny", model: .cmm, task: .sudoku)
        let set = try base.applying(["training.depthCurriculum=2x1@0.2,4x2@0.5"])
        #expect(set.training.depthCurriculum == "2x1@0.2,4x2@0.5")
        // It survives the checkpoint's JSON, and a file without the field has none.
        let decoded = try JSONDecoder().decode(ReasoningConfiguration.self, from: JSONEncoder().encode(set))
        #expect(decoded.training.depthCurriculum == set.training.depthCurriculum)
        // Set explicitly, a curriculum the gradient cannot run is an error, as is a malformed one.
        #expect(throws: ReasoningError.self) { _ = try base.applying(["training.depthCurriculum=2x1@0.2", "gradient=implicit"]) }
        #expect(throws: ReasoningError.self) { _ = try base.applying(["training.depthCurriculum=2x1@x"]) }
        // The cmm preset's own curriculum is dropped when an assignment makes it unusable, and
        // capped at a shallower configured depth.
        #expect(!base.training.depthCurriculum.isEmpty)
        #expect(try base.applying(["gradient=implicit"]).training.depthCurriculum.isEmpty)
        #expect(try base.applying(["sigma=0.01"]).training.depthCurriculum == base.training.depthCurriculum)
        let shallow = try base.applying(["lowSteps=3", "cycles=1"])
        let capped = try DepthCurriculum(parsing: shallow.training.depthCurriculum).capped(lowSteps: shallow.lowSteps, cycles: shallow.cycles)
        #expect(capped.stages.map { [$0.lowSteps, $0.cycles] } == [[2, 1], [3, 1]])
        #expect(try DepthCurriculum(parsing: "7x4@0.5").capped(lowSteps: 6, cycles: 3).stages == [.init(lowSteps: 6, cycles: 3, until: 0.5)])
    }

    /// A model set to depth (2, 1) computes, bit for bit, what a model configured with
    /// lowSteps 2, cycles 1 and the same weights computes: the segment, the heads and the
    /// gradient through the tape.
    @Test func aShallowDepthIsTheShallowConfiguration() throws {
        var deep = try ReasoningTestSupport.trm()
        deep.integrator = .eulerMaruyama
        deep.stepSize = 0.95
        deep.lowStepSize = 0.95
        var shallow = deep
        shallow.lowSteps = 2
        shallow.cycles = 1
        let a = try ReasoningModel<Double>(configuration: deep, maxBatch: 3, seed: 5)
        let b = try ReasoningModel<Double>(configuration: shallow, maxBatch: 3, seed: 6)
        b.store.values.pointer.update(from: a.store.values.pointer, count: a.store.count)
        let tokens = ReasoningTestSupport.tokens(batch: 3, sequence: 4, vocabulary: 5, seed: 7)
        let start = a.makeState()
        ReasoningTestSupport.randomize(start, seed: 8)
        let full = try ReasoningTestSupport.segmentGradient(a, tokens: tokens, start: start, batch: 3)
        a.setDepth(lowSteps: 2, cycles: 1)
        let viaDepth = try ReasoningTestSupport.segmentGradient(a, tokens: tokens, start: start, batch: 3)
        let configured = try ReasoningTestSupport.segmentGradient(b, tokens: tokens, start: start, batch: 3)
        #expect(viaDepth.high == configured.high && viaDepth.logits == configured.logits)
        #expect(viaDepth.gradient == configured.gradient && viaDepth.loss == configured.loss)
        #expect(viaDepth.high != full.high)  // the depth did change the segment
        a.resetDepth()
        let again = try ReasoningTestSupport.segmentGradient(a, tokens: tokens, start: start, batch: 3)
        #expect(again.high == full.high && again.gradient == full.gradient)
    }

    static func config(_ curriculum: String) throws -> ReasoningConfiguration {
        var c = try TrainingTests.sudokuConfig(.trm)
        c.lowSteps = 3
        c.cycles = 2
        c.training.scheduleSteps = 4
        c.training.shards = 2
        c.training.depthCurriculum = curriculum
        return c
    }

    /// Steps 0 and 1 of a 4-step schedule run depth (1, 1), steps 2 and 3 the configured
    /// (3, 2): fewer passes of F, and the model is left at its configured depth after each step.
    @Test func trainingStepsFollowTheStagesAndResumeAcrossABoundary() throws {
        let c = try Self.config("1x1@0.5")
        let examples = TrainingExamples(sudoku: try TrainingTests.puzzles(count: 12, blanks: 4, seed: 10))
        let straight = try ReasoningTrainer(configuration: c, examples: examples, seed: 11, threads: 1)
        var reports: [ReasoningTrainer.StepReport] = []
        for _ in 0..<4 {
            reports.append(try straight.trainStep())
            #expect(straight.model.depth == (3, 2))
        }
        #expect(reports.map { $0.lowSteps } == [1, 1, 3, 3] && reports.map { $0.cycles } == [1, 1, 2, 2])
        // (n + 1)·T forward steps per example: 2 in the shallow stage, 8 at the full depth.
        #expect(reports[0].forwardExamples * 4 == reports[3].forwardExamples)
        let plain = try ReasoningTrainer(configuration: try Self.config(""), examples: examples, seed: 11, threads: 1)
        let first = try plain.trainStep()
        #expect(first.lowSteps == 3 && first.forwardExamples == reports[3].forwardExamples)
        #expect(first.totalLoss != reports[0].totalLoss)

        let interrupted = try ReasoningTrainer(configuration: c, examples: examples, seed: 11, threads: 2)
        _ = try interrupted.trainStep()
        let dir = TrainingTests.temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        try ReasoningCheckpoint.save(interrupted, to: dir, trainingSeconds: 1)
        let resumed = try ReasoningTrainer(configuration: c, examples: examples, seed: 11, threads: 2)
        try ReasoningCheckpoint.restore(resumed, from: dir)
        var losses: [Double] = []
        for _ in 0..<3 { losses.append(try resumed.trainStep().totalLoss) }
        #expect(losses == reports.suffix(3).map { $0.totalLoss })
        #expect(resumed.model.store.values.array == straight.model.store.values.array)
    }

    /// The fit prices each stage by `(n + 1)·T + 2·(n + 1)` (TRM's taped last cycle): a
    /// measured (1, 1) step costs 6, a (3, 2) step 16.
    @Test func theBudgetFitPricesTheShallowSteps() throws {
        let examples = TrainingExamples(sudoku: try TrainingTests.puzzles(count: 8, blanks: 2, seed: 4))
        let plain = try ReasoningTrainer(configuration: try Self.config(""), examples: examples, seed: 1)
        #expect(plain.fittedScheduleLength(remainingSeconds: 100, secondsPerStep: 2, measured: (3, 2)) == 50)
        let staged = try ReasoningTrainer(configuration: try Self.config("1x1@0.5"), examples: examples, seed: 1)
        // 50 measured steps buy 300 units; N = 27: 14 shallow (84) + 13 full (208) = 292 ≤ 300, N = 28 costs 308.
        #expect(staged.fittedScheduleLength(remainingSeconds: 100, secondsPerStep: 2, measured: (1, 1)) == 27)
        // Measured at the full depth, the same seconds buy 50 × 16 = 800 units: N = 73 costs
        // 37·6 + 36·16 = 798, N = 74 costs 814.
        #expect(staged.fittedScheduleLength(remainingSeconds: 100, secondsPerStep: 2, measured: (3, 2)) == 73)

        // Through a session on a fake clock: 2 CPU-seconds a step, 1 untimed and 2 measured,
        // a 1-CPU-minute budget; the fit at step 3 has 54 s = 27 steps of cost 6 = 162 units:
        // N = 16 costs 5·6 + 8·16 = 158, N = 17 costs 6·6 + 8·16 = 164.
        let fitted = try ReasoningTrainer(configuration: try Self.config("1x1@0.5"), examples: examples, seed: 1)
        fitted.schedule.totalSteps = 200
        let clock = TrainingSessionTests.FakeClock()
        let session = TrainingSession(trainer: fitted, budget: .init(cpuMinutes: 1), fitsSchedule: true,
                                      scheduleFit: .init(skip: 1, measure: 2), clock: clock.clock)
        var proposals: [Int?] = []
        for _ in 0..<3 {
            let report = try fitted.trainStep()
            clock.tick(wall: 1, cpu: 2)
            proposals.append(session.record(report))
        }
        #expect(proposals == [nil, nil, 16])
        #expect(session.progressLine().contains("depth 1x1"))
    }

    /// Passes of `F` that do not shrink with the depth (a regulariser's) make a shallow step
    /// relatively dearer: measured at (1, 1) with 4 forward and 3 backward passes per example
    /// (overhead 2 and 1), a (1, 1) step costs 2 + 2 + 2·(2 + 1) = 10 and a (3, 2) step
    /// 8 + 2 + 2·(4 + 1) = 20, so 500 units buy N = 33 (17·10 + 16·20 = 490), not 27.
    @Test func theBudgetFitPricesTheOverheadThatDoesNotShrink() throws {
        let taped: (Int) -> Int = { $0 + 1 }
        let overhead = DepthCurriculum.Overhead(measuredForward: 4, backward: 3, lowSteps: 1, cycles: 1, tapedSteps: taped)
        #expect(overhead == .init(forward: 2, backward: 1))
        #expect(DepthCurriculum.Overhead(measuredForward: 1, backward: 1, lowSteps: 1, cycles: 1, tapedSteps: taped) == .none)
        #expect(DepthCurriculum.segmentCost(lowSteps: 3, cycles: 2, tapedSteps: taped, overhead: overhead) == 20)
        let examples = TrainingExamples(sudoku: try TrainingTests.puzzles(count: 8, blanks: 2, seed: 4))
        let staged = try ReasoningTrainer(configuration: try Self.config("1x1@0.5"), examples: examples, seed: 1)
        #expect(staged.fittedScheduleLength(remainingSeconds: 100, secondsPerStep: 2, measured: (1, 1), passes: (4, 3)) == 33)
        #expect(staged.fittedScheduleLength(remainingSeconds: 100, secondsPerStep: 2, measured: (1, 1), passes: (2, 2)) == 27)

        // A session counts the measured steps' passes: with the equilibrium residual (one more
        // backward pass per example) its fit is the one those passes price, not the bare depth's.
        var c = try Self.config("1x1@0.5")
        c.loss.residual = 1
        let trainer = try ReasoningTrainer(configuration: c, examples: examples, seed: 1)
        trainer.schedule.totalSteps = 200
        let clock = TrainingSessionTests.FakeClock()
        let session = TrainingSession(trainer: trainer, budget: .init(cpuMinutes: 1), fitsSchedule: true,
                                      scheduleFit: .init(skip: 1, measure: 2), clock: clock.clock)
        var reports: [ReasoningTrainer.StepReport] = []
        var proposal: Int? = nil
        for _ in 0..<3 {
            let report = try trainer.trainStep()
            reports.append(report)
            clock.tick(wall: 1, cpu: 2)
            proposal = session.record(report)
        }
        let examplesMeasured = Double(2 * c.training.batch)
        let forward = Double(reports[1].forwardExamples + reports[2].forwardExamples) / examplesMeasured
        let backward = Double(reports[1].backwardExamples + reports[2].backwardExamples) / examplesMeasured
        #expect(backward > 2)  // (1, 1) tapes 2 steps; the residual adds its own pass
        let priced = trainer.fittedScheduleLength(remainingSeconds: 54, secondsPerStep: 2, measured: (1, 1), passes: (forward, backward))
        #expect(proposal == priced)
        #expect(priced > 16)
    }

    /// The chord hinge's passes scale with the depth: priced per stage, and only on the steps
    /// from `loss.chordFrom` on. With every row every step (share 1) and one chord segment,
    /// the chord runs 2 segments forward and 1 backward: 8 units at (1, 1), 24 at (3, 2), on
    /// top of the segment's 6 and 16.
    @Test func theBudgetFitPricesTheChordPerStageFromItsStart() throws {
        let examples = TrainingExamples(sudoku: try TrainingTests.puzzles(count: 8, blanks: 2, seed: 4))
        func trainer(from: Double) throws -> ReasoningTrainer {
            var c = try Self.config("1x1@0.5")
            c.loss.chord = 0.1
            c.loss.chordSegments = 1
            c.loss.regulariserEvery = 1
            c.loss.regulariserBatch = c.training.batch
            c.loss.chordFrom = from
            return try ReasoningTrainer(configuration: c, examples: examples, seed: 1)
        }
        let always = try trainer(from: 0)
        #expect(always.chordSegmentShare == (2, 1))
        // Measured with the chord: 50 steps of 14 = 700 units; N = 25 costs 13·14 + 12·40 = 662,
        // N = 26 costs 702 (unpriced, 27).
        #expect(always.fittedScheduleLength(remainingSeconds: 100, secondsPerStep: 2, measured: (1, 1)) == 25)
        // The counted passes include the chord's (2 + 4 forward, 2 + 2 backward): no overhead left.
        #expect(always.fittedScheduleLength(remainingSeconds: 100, secondsPerStep: 2, measured: (1, 1), passes: (6, 4)) == 25)
        // From half the schedule, measured without it: 300 units; N = 13 costs 7·6 + 6·40 = 282,
        // N = 14 costs 322.
        let late = try trainer(from: 0.5)
        #expect(late.fittedScheduleLength(remainingSeconds: 100, secondsPerStep: 2, measured: (1, 1)) == 13)
        // No curriculum and a chord from the first step: every step costs the same.
        var plain = try Self.config("")
        plain.loss.chord = 0.1
        let uniform = try ReasoningTrainer(configuration: plain, examples: examples, seed: 1)
        #expect(uniform.fittedScheduleLength(remainingSeconds: 100, secondsPerStep: 2, measured: (3, 2)) == 50)
    }

    /// `chordSegmentShare` is what a chord step really runs: on a step with the hinge (margin
    /// 0, so it always back-propagates) the counted passes exceed the same step without it by
    /// the share times the depth's forward and taped steps, for the random start, a misled
    /// start (`chordWrongClues`) and more chord segments.
    @Test func theChordShareMatchesTheCountedPasses() throws {
        let examples = TrainingExamples(sudoku: try TrainingTests.puzzles(count: 24, blanks: 30, seed: 8))
        for (segments, wrong, every, rows, chordEvery) in [(0, 0, 1, 64, 0), (1, 8, 1, 4, 0), (2, 8, 2, 64, 0), (0, 8, 1, 64, 3)] {
            // The preset's CMM (one evaluation of F per step; the test suite's multi-rate RK4
            // takes four), at the small test size.
            var c = try ReasoningConfiguration.preset("tiny", model: .cmm, task: .sudoku)
            let small = try TrainingTests.sudokuConfig(.cmm)
            c.block = small.block
            c.training.batch = small.training.batch
            c.lowSteps = 2
            c.cycles = 2
            c.training.depthCurriculum = ""
            c.loss.regulariserEvery = every
            c.loss.regulariserBatch = rows
            c.training.shards = 2
            let off = try ReasoningTrainer(configuration: c, examples: examples, seed: 3)
            c.loss.chord = 1
            c.loss.chordMargin = 0
            c.loss.chordSegments = segments
            c.loss.chordWrongClues = wrong
            c.loss.chordEvery = chordEvery
            let on = try ReasoningTrainer(configuration: c, examples: examples, seed: 3)
            let a = try off.trainStep(), b = try on.trainStep()  // step 0: a chord step
            #expect(b.regularisers.chord > 0 && b.chordActive && !a.chordActive)
            let n = c.lowSteps, t = c.cycles, taped = c.gradient == .oneStep ? 2 : n + 1
            let examplesPerStep = Double(c.training.batch)
            let share = on.chordSegmentShare
            let scale = Double(chordEvery > 0 ? chordEvery : every)  // the share is per step, averaged over the steps between chords
            #expect(Double(b.forwardExamples - a.forwardExamples) / examplesPerStep == share.forward * scale * Double((n + 1) * t),
                    "\(segments) \(wrong) \(every) \(rows) \(chordEvery)")
            #expect(Double(b.backwardExamples - a.backwardExamples) / examplesPerStep == share.backward * scale * Double(taped),
                    "\(segments) \(wrong) \(every) \(rows) \(chordEvery)")
        }
    }
}
