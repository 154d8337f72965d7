import Foundation

/// What a front end needs to drive one training run besides `ReasoningTrainer.step`: the
/// budget (steps, wall minutes, process CPU-minutes — totals across `--resume`), the clocks
/// that measure it, the cosine schedule fitted to a budget, and the running statistics
/// behind each progress line and the final summary. The CLI (`attractor train`) parses
/// options, calls `isBudgetSpent`, `trainer.trainStep()`, `record(_:)`, and prints
/// `progressLine`; nothing of the loop's bookkeeping lives there.
///
/// ```swift
/// let session = TrainingSession(trainer: trainer, budget: .init(cpuMinutes: 90), fitsSchedule: true)
/// while !session.isBudgetSpent {
///     let report = try trainer.trainStep()
///     if let total = session.record(report) { trainer.schedule.totalSteps = total }
///     if trainer.step % 10 == 0 { print(session.progressLine()) }
/// }
/// ```
public final class TrainingSession {
    /// When a run stops: the first limit reached (at least one must be set).
    public struct Budget: Sendable, Equatable {
        public var steps: Int?
        public var wallMinutes: Double?
        public var cpuMinutes: Double?

        public init(steps: Int? = nil, wallMinutes: Double? = nil, cpuMinutes: Double? = nil) {
            self.steps = steps
            self.wallMinutes = wallMinutes
            self.cpuMinutes = cpuMinutes
        }
    }

    /// Wall and process CPU seconds since some origin (injected by tests).
    public typealias Clock = () -> (wall: Double, cpu: Double)

    /// Steps measured before the schedule is fitted to a budget: the first `skip` steps are
    /// not timed (they allocate the tape and warm the caches), the next `measure` are.
    public struct ScheduleFit: Sendable {
        public var skip: Int
        public var measure: Int
        public init(skip: Int = 5, measure: Int = 20) { self.skip = skip; self.measure = measure }
    }

    public let trainer: ReasoningTrainer
    public let budget: Budget
    /// Whether the cosine schedule is fitted to the budget (`record` proposes its length).
    public let fitsSchedule: Bool
    public let scheduleFit: ScheduleFit
    /// The trainer's step when this session started (a resumed run's checkpoint step).
    public let startStep: Int
    let priorWallSeconds: Double, priorCPUSeconds: Double
    let clock: Clock
    let origin: (wall: Double, cpu: Double)
    private var fitStart: (wall: Double, cpu: Double)?
    /// Passes of `F` (all examples) on the steps the fit measures.
    private var fitPasses = (forward: 0, backward: 0)
    /// Measured steps on which the chord hinge acted.
    private var fitChordSteps = 0

    // Statistics: since the last progress line, and over the session.
    private var window: [ReasoningTrainer.StepReport] = []
    private var windowFinished = 0
    private var windowSegmentSum = 0.0
    public private(set) var finished = 0
    public private(set) var finishedExact = 0
    public private(set) var totalFlops = 0.0
    public private(set) var forwardPasses = 0
    public private(set) var backwardPasses = 0

    /// A session for `trainer` from its current step; `priorWallSeconds`/`priorCPUSeconds`
    /// are what a resumed run had already spent (from its manifest).
    public init(trainer: ReasoningTrainer, budget: Budget, fitsSchedule: Bool, scheduleFit: ScheduleFit = ScheduleFit(),
                priorWallSeconds: Double = 0, priorCPUSeconds: Double = 0, clock: Clock? = nil) {
        precondition(budget.steps != nil || budget.wallMinutes != nil || budget.cpuMinutes != nil, "a budget needs a limit")
        self.trainer = trainer
        self.budget = budget
        self.fitsSchedule = fitsSchedule
        self.scheduleFit = scheduleFit
        startStep = trainer.step
        self.priorWallSeconds = priorWallSeconds
        self.priorCPUSeconds = priorCPUSeconds
        let clock = clock ?? TrainingSession.systemClock()
        self.clock = clock
        origin = clock()
    }

    /// Wall seconds of the monotonic clock and CPU seconds of this process.
    public static func systemClock() -> Clock {
        let c = ContinuousClock(), t0 = c.now
        return {
            let d = c.now - t0
            return (Double(d.components.seconds) + Double(d.components.attoseconds) * 1e-18, TrainingBenchmark.processCPUSeconds())
        }
    }

    /// Wall and CPU seconds of this session (without the prior run's).
    public var sessionSeconds: (wall: Double, cpu: Double) {
        let now = clock()
        return (now.wall - origin.wall, now.cpu - origin.cpu)
    }
    /// Total training seconds of the run, resumed parts included.
    public var wallSeconds: Double { priorWallSeconds + sessionSeconds.wall }
    public var cpuSeconds: Double { priorCPUSeconds + sessionSeconds.cpu }

    /// Whether the budget is spent (checked before each step).
    public var isBudgetSpent: Bool {
        if let steps = budget.steps, trainer.step >= steps { return true }
        if let m = budget.wallMinutes, wallSeconds >= m * 60 { return true }
        if let m = budget.cpuMinutes, cpuSeconds >= m * 60 { return true }
        return false
    }

    /// Adds a step's report to the statistics. When the schedule is fitted and the last
    /// measured step is done, returns the cosine schedule's length: the steps the rest of
    /// the budget buys at the measured rate (never shorter than the warm-up plus one);
    /// the caller sets `trainer.schedule.totalSteps` (after agreeing on it across ranks).
    public func record(_ report: ReasoningTrainer.StepReport) -> Int? {
        window.append(report)
        totalFlops += report.flops
        forwardPasses += report.forwardExamples
        backwardPasses += report.backwardExamples
        finished += report.finished
        windowFinished += report.finished
        windowSegmentSum += report.finishedSegments * Double(report.finished)
        finishedExact += report.finishedExact
        guard fitsSchedule else { return nil }
        return fittedSchedule(cpuSeconds: cpuSeconds, wallSeconds: wallSeconds, report: report)
    }

    func fittedSchedule(cpuSeconds: Double, wallSeconds: Double, report: ReasoningTrainer.StepReport) -> Int? {
        let done = trainer.step - startStep
        if done == scheduleFit.skip { fitStart = (wallSeconds, cpuSeconds) }
        if done > scheduleFit.skip, done <= scheduleFit.skip + scheduleFit.measure {
            fitPasses.forward += report.forwardExamples
            fitPasses.backward += report.backwardExamples
            if report.chordActive { fitChordSteps += 1 }
        }
        guard done == scheduleFit.skip + scheduleFit.measure, let start = fitStart else { return nil }
        let n = Double(scheduleFit.measure)
        // The measured steps' depth and passes of F per example (a depth curriculum prices
        // its other stages from them).
        let measured = window.last.map { ($0.lowSteps, $0.cycles) } ?? (trainer.configuration.lowSteps, trainer.configuration.cycles)
        let examples = n * Double(trainer.configuration.training.batch)
        let passes = (Double(fitPasses.forward) / examples, Double(fitPasses.backward) / examples)
        var length: Int? = nil
        func fit(remaining: Double, perStep: Double) {
            guard perStep > 0, (remaining / perStep).isFinite else { return }  // no time measured
            let proposed = trainer.fittedScheduleLength(remainingSeconds: remaining, secondsPerStep: perStep,
                                                        measured: measured, passes: passes,
                                                        chordMeasured: Double(fitChordSteps) / n)
            length = min(length ?? proposed, proposed)
        }
        if let m = budget.cpuMinutes { fit(remaining: m * 60 - cpuSeconds, perStep: (cpuSeconds - start.cpu) / n) }
        if let m = budget.wallMinutes { fit(remaining: m * 60 - wallSeconds, perStep: (wallSeconds - start.wall) / n) }
        guard let length else { return nil }
        return max(length, trainer.schedule.warmupSteps + 1)
    }

    /// What is left of the budget, for the progress line: seconds of CPU or wall time, or
    /// (a step budget) seconds at this session's rate.
    public var remaining: String {
        if let m = budget.cpuMinutes { return String(format: "ETA %.0f CPU-s", max(0, m * 60 - cpuSeconds)) }
        if let m = budget.wallMinutes { return String(format: "ETA %.0fs", max(0, m * 60 - wallSeconds)) }
        if let steps = budget.steps {
            let done = max(1, trainer.step - startStep)
            return String(format: "ETA %.0fs", Double(steps - trainer.step) * sessionSeconds.wall / Double(done))
        }
        return ""
    }

    /// The progress line over the steps since the last one (means of their reports; exact
    /// over every example finished in the session), then a new window starts.
    public func progressLine() -> String {
        let n = Double(max(1, window.count))
        func mean(_ f: (ReasoningTrainer.StepReport) -> Double) -> Double { window.map(f).reduce(0, +) / n }
        let batch = trainer.configuration.training.batch
        let rate = Double((trainer.step - startStep) * batch) / max(sessionSeconds.wall, 1e-9)
        let exactRate: Double = finished > 0 ? Double(finishedExact) / Double(finished) : 0
        let meanSegments: Double = windowFinished > 0 ? windowSegmentSum / Double(windowFinished) : 0
        let learningRate = window.last?.learningRate ?? 0
        // A depth curriculum's stage, when one is set (the last step's depth).
        let depth = trainer.curriculum.isEmpty ? "" : window.last.map { "depth \($0.lowSteps)x\($0.cycles)  " } ?? ""
        // An annealed spectral bound, while it is above the unit ball.
        let t = trainer.configuration.training
        let spectral = t.spectralBoundStart > 1
            ? String(format: "bound %.3g  ", t.spectralBound(step: trainer.step, totalSteps: trainer.schedule.totalSteps)) : ""
        let line = "step \(trainer.step)  " + String(format: "%.1f ex/s  loss %.4f (answer %.4f halt %.4f reg %.4f)  cell %.3f",
                                                     rate, mean { $0.totalLoss }, mean { $0.answerLoss },
                                                     mean { $0.haltingLoss }, mean { $0.regularisers.total }, mean { $0.cellAccuracy })
            + (trainer.configuration.loss.wrongMotion > 0 ? String(format: "  motion %.5f", mean { $0.regularisers.wrongMotion }) : "")
            + (trainer.configuration.loss.swappedHalting > 0 ? String(format: "  swapped %.4f", mean { $0.regularisers.swappedHalting }) : "")
            + "  exact \(finishedExact)/\(finished) " + String(format: "(%.3f)  segs %.1f  lr %.2e  ", exactRate,
                                                               meanSegments, learningRate) + depth + spectral + remaining
        window.removeAll(keepingCapacity: true)
        windowFinished = 0
        windowSegmentSum = 0
        return line
    }

    /// The two closing lines: passes of `F` and matmul rate per step, and the session's time;
    /// a resumed run's also names the steps of this session and the whole run's time
    /// (the figure a `--cpu-minutes` budget counts).
    public func summaryLines(checkpoint: String) -> [String] {
        let session = sessionSeconds
        let done = max(1, trainer.step - startStep)
        let batch = trainer.configuration.training.batch
        let examples = Double((trainer.step - startStep) * batch)
        let resumed = startStep > 0  // a checkpoint is saved after a step, so a resumed run starts past 0
        return [
            String(format: "per step: %.1f forward and %.1f backward passes of F per example, %.1f GFLOP (matmuls); %.1f GFLOP/s per CPU-second",
                   Double(forwardPasses) / Double(done * batch), Double(backwardPasses) / Double(done * batch),
                   totalFlops / Double(done) / 1e9, totalFlops / max(session.cpu, 1e-9) / 1e9),
            "done: \(trainer.step) steps" + (resumed ? " (\(trainer.step - startStep) in this session)" : "") + " in "
                + String(format: "%.1f s wall, %.1f s CPU (%.1f examples/s wall, %.1f per CPU-second)",
                         session.wall, session.cpu, examples / max(session.wall, 1e-9), examples / max(session.cpu, 1e-9))
                + (resumed ? String(format: "; the whole run %.1f s wall, %.1f s CPU", priorWallSeconds + session.wall, priorCPUSeconds + session.cpu) : "")
                + "; checkpoint \(checkpoint)",
        ]
    }
}
