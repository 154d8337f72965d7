import Testing
@testable import AttractorReasoning

/// The library side of a training run (`TrainingSession`): budgets, the schedule fitted to a
/// budget, the progress statistics — on a fake clock, so every figure is exact.
@Suite struct TrainingSessionTests {
    /// A clock that advances `wall` and `cpu` seconds per call to `tick`.
    final class FakeClock {
        var wall = 0.0, cpu = 0.0
        func tick(wall dw: Double, cpu dc: Double) { wall += dw; cpu += dc }
        var clock: TrainingSession.Clock { { [unowned self] in (self.wall, self.cpu) } }
    }

    static func trainer() throws -> ReasoningTrainer {
        var c = try TrainingTests.sudokuConfig(.trm)
        c.training.batch = 4
        c.training.shards = 1
        c.training.warmupSteps = 2
        let train = try TrainingTests.puzzles(count: 8, blanks: 2, seed: 4)
        return try ReasoningTrainer(configuration: c, examples: TrainingExamples(sudoku: train), seed: 1, threads: 1)
    }

    @Test func aStepBudgetStopsAtItsStep() throws {
        let t = try Self.trainer()
        let clock = FakeClock()
        let s = TrainingSession(trainer: t, budget: .init(steps: 3), fitsSchedule: false, clock: clock.clock)
        var steps = 0
        while !s.isBudgetSpent {
            #expect(s.record(try t.trainStep()) == nil)
            steps += 1
        }
        #expect(steps == 3 && t.step == 3)
    }

    /// A CPU budget is a total across resumes: the prior run's seconds count.
    @Test func aCPUBudgetCountsThePriorRun() throws {
        let t = try Self.trainer()
        let clock = FakeClock()
        let s = TrainingSession(trainer: t, budget: .init(cpuMinutes: 1), fitsSchedule: false,
                                priorWallSeconds: 100, priorCPUSeconds: 50, clock: clock.clock)
        #expect(!s.isBudgetSpent)
        #expect(s.remaining == "ETA 10 CPU-s")
        clock.tick(wall: 3, cpu: 9.5)
        #expect(!s.isBudgetSpent && s.cpuSeconds == 59.5 && s.wallSeconds == 103)
        clock.tick(wall: 1, cpu: 0.5)
        #expect(s.isBudgetSpent)
    }

    /// Steps cost 2 CPU-seconds each after 1 untimed step; with 2 measured steps and a
    /// 1-CPU-minute budget the fit at step 3 (6 CPU-seconds spent) proposes 3 + 54/2 = 30.
    @Test func theScheduleIsFittedToTheBudget() throws {
        let t = try Self.trainer()
        let clock = FakeClock()
        let s = TrainingSession(trainer: t, budget: .init(cpuMinutes: 1), fitsSchedule: true,
                                scheduleFit: .init(skip: 1, measure: 2), clock: clock.clock)
        var proposals: [Int?] = []
        for _ in 0..<4 {
            let report = try t.trainStep()
            clock.tick(wall: 1, cpu: 2)
            proposals.append(s.record(report))
        }
        #expect(proposals == [nil, nil, 30, nil])
        // Without fitting, nothing is proposed.
        let u = TrainingSession(trainer: t, budget: .init(cpuMinutes: 1), fitsSchedule: false, clock: clock.clock)
        #expect(u.record(try t.trainStep()) == nil)
    }

    @Test func theProgressLineAveragesItsWindowAndStartsAnother() throws {
        let t = try Self.trainer()
        let clock = FakeClock()
        let s = TrainingSession(trainer: t, budget: .init(steps: 10), fitsSchedule: false, clock: clock.clock)
        var reports: [ReasoningTrainer.StepReport] = []
        for _ in 0..<2 {
            let r = try t.trainStep()
            clock.tick(wall: 1, cpu: 1)
            reports.append(r)
            _ = s.record(r)
        }
        let line = s.progressLine()
        let meanLoss = (reports[0].totalLoss + reports[1].totalLoss) / 2
        #expect(line.hasPrefix("step 2  4.0 ex/s  loss " + String(format: "%.4f", meanLoss)))
        #expect(line.hasSuffix("ETA 8s"))
        #expect(s.finished == reports.map(\.finished).reduce(0, +))
        let r = try t.trainStep()
        clock.tick(wall: 1, cpu: 1)
        _ = s.record(r)
        #expect(s.progressLine().contains("loss " + String(format: "%.4f", r.totalLoss)))
        let summary = s.summaryLines(checkpoint: "out")
        #expect(summary.count == 2 && summary[1].hasPrefix("done: 3 steps in 3.0 s wall, 3.0 s CPU"))
        #expect(!summary[1].contains("whole run"))
    }

    /// A resumed run's closing line separates this session's steps and time from the whole
    /// run's (the old line read as if the session's time were the run's).
    @Test func aResumedRunsClosingLineGivesTheSessionAndTheWholeRun() throws {
        let t = try Self.trainer()
        _ = try t.trainStep()
        let clock = FakeClock()
        let s = TrainingSession(trainer: t, budget: .init(steps: 10), fitsSchedule: false,
                                priorWallSeconds: 100, priorCPUSeconds: 50, clock: clock.clock)
        for _ in 0..<2 {
            let r = try t.trainStep()
            clock.tick(wall: 2, cpu: 1.5)
            _ = s.record(r)
        }
        let done = s.summaryLines(checkpoint: "out")[1]
        #expect(done.hasPrefix("done: 3 steps (2 in this session) in 4.0 s wall, 3.0 s CPU"))
        #expect(done.hasSuffix("; the whole run 104.0 s wall, 53.0 s CPU; checkpoint out"))
    }
}
