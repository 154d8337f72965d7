import ArgumentParser
import Attractor
import Foundation

/// `attractor train`: deep-supervision training of CMM, TRM or HRM with checkpoints.
struct TrainCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "train", abstract: "Train a reasoning model (cmm, trm, hrm) on Sudoku or mazes.")

    @Option(help: "cmm, trm or hrm.") var model: ModelKind
    @Option(help: "sudoku or maze.") var task: TaskKind = .sudoku
    @Option(help: "Size and schedule.") var preset: Preset = .tiny
    @Option(parsing: .unconditional, help: "Optimiser steps (also the cosine schedule length).") var steps: Int?
    @Option(help: "Wall-clock budget in minutes (instead of --steps); a total: --resume continues toward it.") var minutes: Double?
    @Option(help: "Process CPU-time budget in minutes (fair on a shared machine; with or instead of --minutes); a total: --resume continues toward it.") var cpuMinutes: Double?
    @Option(help: "Dataset directory from `attractor data` (default: built in-process from Data/sudoku).") var data: String?
    @Option(help: "Seed for weights, data order, augmentation, exploration.") var seed: UInt64 = 0
    @Option(help: "Checkpoint directory.") var out: String = "checkpoint"
    @Flag(help: "Continue from the checkpoint in --out.") var resume = false
    @Flag(help: "Replace a checkpoint already in --out (without it, training refuses to overwrite one).") var overwrite = false
    @Option(help: "Training puzzles when building in-process.") var trainCount = 1000
    @Option(parsing: .unconditional, help: "Batch size (default: the preset's).") var batch: Int?
    @Option(help: "Segment gradient (default: the preset's): oneStep, lastCycle, implicit (Neumann series), implicitAnderson, adjoint (continuous adjoint of the joint system; CMM).")
    var gradient: ReasoningConfiguration.SegmentGradient?
    @Option(help: "Neumann terms of --gradient implicit, or the iteration cap of implicitAnderson.") var implicitIterations: Int?
    @Option(help: "Steps between progress lines.") var logEvery = 10
    @Option(help: "Steps between checkpoints.") var saveEvery = 100
    @Option(help: "Steps between evaluations on held-out puzzles (0: only at the end).") var evalEvery = 0
    @Option(help: "Steps between snapshots of the evaluation weights, kept in OUT/snapshots/step-N (for learning curves: `attractor curves`).")
    var snapshotEvery: Int?
    @Option(help: "Held-out puzzles per evaluation.") var evalPuzzles = 64
    @Option(help: "Steps of the LR schedule when training by a budget (default: fitted to the budget after the first 25 steps, saved with the run).") var scheduleSteps: Int?
    @Option(help: "Sudoku blanks ladder instead of the Extreme-style data: train on puzzles with this many blanks.") var blanks: Int?
    @Option(help: "Worker threads (default: all cores). Any count trains bit for bit the same.") var threads: Int?
    @Option(help: "Shards of the batch (default: the preset's); the unit of data parallelism, saved with the run.") var shards: Int?
    @Option(name: .customLong("init"), help: "Weight initialisation (default: the preset's): uniform (±1/√fan_in, PyTorch's nn.Linear default; the tiny presets') or truncatedLecunNormal (HRM/TRM's published choice; the small and paper presets').")
    var initialization: WeightInitialization?
    @Option(name: .customLong("set"), help: ArgumentHelp("Change one field of the configuration, path=value (repeatable), e.g. --set sigma=0.01 --set training.learningRate=3e-4; the fields are those of the checkpoint's config.json.", valueName: "path=value"))
    var assignments: [String] = []

    func validate() throws {
        if steps == nil && minutes == nil && cpuMinutes == nil { throw ValidationError("give --steps N, --minutes M or --cpu-minutes M") }
        if let cpuMinutes, cpuMinutes <= 0 { throw ValidationError("--cpu-minutes must be positive") }
        if let steps, steps < 1 { throw ValidationError("--steps must be positive") }
        if let minutes, minutes <= 0 { throw ValidationError("--minutes must be positive") }
        if let threads, threads < 1 { throw ValidationError("--threads must be positive") }
        if let shards, shards < 1 { throw ValidationError("--shards must be positive") }
        try TrainArguments.validate(self)
    }

    func run() throws {
        // Every check that can fail is made before the data is built (~15 s) and training starts.
        try OutputDirectory.prepareCheckpoint(out, resume: resume, overwrite: overwrite)
        try TrainArguments.checkData(self)
        try RequestBudgets.requireTraining(self)
        if !assignments.isEmpty {  // a typo in --set fails before the data is built
            var early = try ReasoningConfiguration.preset(preset, model: model, task: task)
            if let gradient { early.gradient = gradient }
            if !ReasoningConfiguration.assignsDepthCurriculum(assignments) { early.dropUnusableDepthCurriculum() }
            _ = try early.applying(assignments)
        }
        do { try Distributed.run { world in try train(TrainingRanks(world)) } } catch let e as ReasoningError { throw e }
    }

    func train(_ ranks: TrainingRanks) throws {
        let (examples, heldOut) = try loadData()
        var config = try ReasoningConfiguration.preset(preset, model: model, task: task, sequence: examples.sequence)
        if let batch { config.training.batch = batch }
        if let shards { config.training.shards = shards }
        if let initialization { config.block.initialization = initialization }
        if let gradient { config.gradient = gradient }
        if let implicitIterations { config.implicitIterations = implicitIterations }
        if gradient == .implicitAnderson && implicitIterations == nil { config.implicitIterations = max(config.implicitIterations, 50) }
        config.training.scheduleSteps = steps ?? scheduleSteps ?? 2000
        config = try config.applying(assignments)
        if !ReasoningConfiguration.assignsDepthCurriculum(assignments), config.dropUnusableDepthCurriculum() {
            FileHandle.standardError.write("note: the preset's depth curriculum is off: --gradient \(config.gradient.rawValue) with discretisation \(config.discretisation.rawValue) runs every step at the full depth\n".data(using: .utf8)!)
        }
        if resume {
            // A resumed run keeps its configuration (schedule included); only the segment
            // gradient may change (e.g. to fine-tune with another gradient).
            var saved = try ReasoningCheckpoint.manifest(at: out).configuration
            if saved.model != model { throw ReasoningError.mismatch("checkpoint \(out) holds a \(saved.model.rawValue) model, not \(model.rawValue)") }
            if saved.preset != preset { throw ReasoningError.mismatch("checkpoint \(out) uses preset \(saved.preset), not \(preset)") }
            if saved.task != task { throw ReasoningError.mismatch("checkpoint \(out) was trained on \(saved.task.rawValue), not \(task.rawValue)") }
            let reassigned = try saved.applying(assignments) != saved
            let changed = batch.map { $0 != saved.training.batch } == true || shards.map { $0 != saved.training.shards } == true
                || initialization.map { $0 != saved.block.initialization } == true || reassigned
            if changed {
                throw CommandFailure("--resume keeps the configuration saved in \(out)/config.json: drop --batch, --shards, --init and --set (or train into a new --out)",
                                     status: .usage)
            }
            if let gradient {
                saved.gradient = gradient
                saved.implicitIterations = config.implicitIterations
            }
            config = saved
        }
        if overwrite && !resume {  // the replaced run's snapshots would mix into the new run's curves
            try? FileManager.default.removeItem(atPath: out + "/snapshots")
        }
        let trainer = try ReasoningTrainer(configuration: config, examples: examples, seed: seed,
                                           threads: threads ?? ranks.defaultThreads)
        var trainedSeconds = 0.0, trainedCPUSeconds = 0.0
        if resume {
            try ReasoningCheckpoint.restore(trainer, from: out)
            let manifest = try ReasoningCheckpoint.manifest(at: out)
            trainedSeconds = manifest.trainingSeconds
            trainedCPUSeconds = manifest.cpuSeconds ?? 0
            FileHandle.standardError.write("resumed \(out) at step \(trainer.step)\n".data(using: .utf8)!)
        }
        let stop = StopRequest()
        stop.install()
        // A budgeted run without --schedule-steps fits its cosine schedule to the budget.
        let fitsSchedule = steps == nil && scheduleSteps == nil && !resume && (minutes != nil || cpuMinutes != nil)
        let session = TrainingSession(trainer: trainer, budget: .init(steps: steps, wallMinutes: minutes, cpuMinutes: cpuMinutes),
                                      fitsSchedule: fitsSchedule, priorWallSeconds: trainedSeconds, priorCPUSeconds: trainedCPUSeconds)
        var lastGood: String? = resume ? out : nil
        func notes() -> [String: String] {
            ReasoningCheckpoint.Manifest.trainingNotes(data: dataDescription, seed: seed, cpuSeconds: session.cpuSeconds,
                                                       examplesSeen: trainer.draws)
        }
        func save() throws {
            try ranks.gatherCarries(trainer)
            if ranks.isRoot { try ReasoningCheckpoint.save(trainer, to: out, trainingSeconds: session.wallSeconds, notes: notes()) }
            lastGood = out
        }
        // Evaluation weights only (no optimiser state), named by step: the points of a learning curve.
        func snapshot() throws {
            guard ranks.isRoot else { return }
            let directory = out + "/snapshots/" + String(format: "step-%06d", trainer.step)
            try ReasoningCheckpoint.save(trainer, to: directory, trainingSeconds: session.wallSeconds,
                                         notes: notes(), includeState: false)
        }
        print("training \(model.rawValue)-\(preset) on \(task.rawValue): \(trainer.model.store.count) parameters, batch \(config.training.batch) in \(trainer.shardCount) shards on \(trainer.threads) threads, \(examples.count) training examples")
        if let line = ranks.describe(trainer) { print(line) }
        // The run's settings, so the log alone says what ran (and how to repeat it).
        let presetConfiguration = try ReasoningConfiguration.preset(preset, model: model, task: task, sequence: examples.sequence)
        let changes = config.assignments(differingFrom: presetConfiguration).filter { !$0.hasPrefix("training.scheduleSteps=") }
        let schedule = fitsSchedule ? "cosine, its length fitted to the budget" : "cosine over \(trainer.schedule.totalSteps) steps"
        print("settings: seed \(seed), schedule \(schedule); from the \(preset) preset: "
              + (changes.isEmpty ? "unchanged" : changes.map { "--set " + $0 }.joined(separator: " ")))
        while true {
            let received = stop.signal
            let agreed = try ranks.agree([session.isBudgetSpent, received != nil, received == SIGTERM])  // rank 0 decides for all ranks
            if agreed[0] { break }
            if agreed[1] {
                let signal = agreed[2] ? SIGTERM : SIGINT
                try save()
                print("interrupted: saved \(out) at step \(trainer.step)")
                standardError("interrupted by \(signal == SIGTERM ? "SIGTERM" : "SIGINT"): checkpoint saved in \(out) at step \(trainer.step); continue with --resume")
                throw ExitCode(signal == SIGTERM ? ExitStatus.terminated.rawValue : ExitStatus.interrupted.rawValue)
            }
            let report: ReasoningTrainer.StepReport
            do { report = try ranks.step(trainer) } catch {
                if case .nonFiniteLoss(let step, _) = error {
                    throw CommandFailure("\(ReasoningError.nonFiniteLoss(step: step, lastGoodCheckpoint: lastGood))")
                }
                throw error
            }
            if let proposed = session.record(report) {
                let total = try ranks.agree(total: proposed)  // rank 0's measurement for all ranks
                trainer.schedule.totalSteps = total
                print("schedule: cosine over \(total) steps, fitted to the budget at step \(trainer.step) (reproduce with --steps N --schedule-steps \(total))")
            }
            if trainer.step % logEvery == 0 {
                print(session.progressLine())
                fflush(nil)
            }
            if trainer.step % saveEvery == 0 { try save() }
            if let snapshotEvery, trainer.step % snapshotEvery == 0 { try snapshot() }
            if evalEvery > 0 && trainer.step % evalEvery == 0 && ranks.isRoot { try evaluate(trainer, heldOut) }
        }
        try save()
        // The closing lines time the training (as the saved checkpoint does), not the evaluation below.
        let summary = session.summaryLines(checkpoint: out)
        if ranks.isRoot { try evaluate(trainer, heldOut) }
        for line in summary { print(line) }
    }

    var dataDescription: String {
        if let data { return data }
        if let blanks { return "in-process blanks-\(blanks) puzzles, seed \(seed)" }
        return "in-process from Data/sudoku: \(trainCount) training puzzles, seed \(seed)"
    }

    /// Held-out examples for the periodic evaluation.
    struct HeldOut {
        var sudoku: [SudokuExample] = []
        var mazes: [MazeInstance] = []
    }

    func evaluate(_ trainer: ReasoningTrainer, _ heldOut: HeldOut) throws {
        try trainer.withEvaluationWeights { () throws in try evaluateNow(trainer, heldOut) }
    }

    /// `evaluate` with the evaluation weights already in the model.
    private func evaluateNow(_ trainer: ReasoningTrainer, _ heldOut: HeldOut) throws {
        let useEMA = trainer.evaluationUsesEMA
        if task == .maze, !heldOut.mazes.isEmpty {
            let e = try ReasoningInference.evaluateMazes(trainer.model, name: "\(model.rawValue)-\(preset)", mazes: heldOut.mazes,
                                                         threads: trainer.threads)
            print((useEMA ? "eval (EMA" : "eval (raw weights") + String(format: ", %d held-out mazes): exact %.3f  valid %.3f  cell %.4f  path-cell recall %.3f  precision %.3f  segments %.1f  %.1f s",
                         e.mazes, e.exactAccuracy, e.validAccuracy, e.cellAccuracy, e.pathCellRecall, e.pathCellPrecision, e.meanSteps, e.seconds))
            return
        }
        let heldOut = heldOut.sudoku
        guard task == .sudoku, !heldOut.isEmpty else { return }
        let e = try ReasoningInference.evaluateSudoku(trainer.model, name: "\(model.rawValue)-\(preset)", puzzles: heldOut,
                                                      threads: trainer.threads)
        print((useEMA ? "eval (EMA" : "eval (raw weights") + String(format: ", %d held-out puzzles): exact %.3f  valid %.3f  cell %.3f  segments %.1f  residual %.3g  %.1f s",
                     e.puzzles, e.exactAccuracy, e.validAccuracy, e.cellAccuracy, e.meanSteps, e.meanResidual, e.seconds))
    }

    /// Training examples and a few held-out puzzles.
    func loadData() throws -> (TrainingExamples, HeldOut) {
        switch task {
        case .sudoku:
            if let blanks {
                let generator = SudokuGenerator(seed: seed)
                var puzzles: [SudokuExample] = []
                for _ in 0..<(trainCount + evalPuzzles) {
                    let p = try generator.puzzle(blanks: blanks)
                    puzzles.append(SudokuExample(puzzle: p.puzzle, solution: p.solution))
                }
                return (TrainingExamples(sudoku: Array(puzzles.prefix(trainCount))), HeldOut(sudoku: Array(puzzles.suffix(evalPuzzles))))
            }
            if let data {
                let trainPath = data + "/train.safetensors"
                guard FileManager.default.fileExists(atPath: trainPath) else {
                    throw CommandFailure("no \(trainPath): --data must be a directory written by `attractor data sudoku`", status: .noInput)
                }
                let train: [LabelledSudoku]
                do { train = try SudokuDatasetBuilder.read(path: trainPath) } catch {
                    throw CommandFailure("\(trainPath) is not a Sudoku dataset (\(error)); a maze dataset needs --task maze", status: .dataError)
                }
                let testPath = data + "/test_forum_hardest_1905_11plus.safetensors"
                let test = (try? SudokuDatasetBuilder.read(path: testPath)) ?? []
                return (TrainingExamples(sudoku: train), HeldOut(sudoku: test.prefix(evalPuzzles).map(SudokuExample.init)))
            }
            var options = SudokuDatasetBuilder.Options()
            options.trainCount = trainCount
            options.seed = seed
            options.testPerSource = evalPuzzles
            let result = try SudokuDatasetBuilder(dataDirectory: DataSudokuCommand.defaultDataDirectory()).build(options) {
                FileHandle.standardError.write(($0 + "\n").data(using: .utf8)!)
            }
            return (TrainingExamples(sudoku: result.train), HeldOut(sudoku: (result.tests.last ?? []).map(SudokuExample.init)))
        case .maze:
            guard let data else { throw CommandFailure("--task maze needs --data DIR from `attractor data maze`", status: .usage) }
            let path = data + "/train.safetensors"
            let mazes: [MazeInstance]
            do {
                let size = Int((Double(try TokenTensorFile.read(path: path).tensors["inputs"]?.shape.last ?? 900)).squareRoot())
                mazes = try MazeDatasetBuilder.read(path: path, size: size)
            } catch { throw CommandFailure("\(path) is not a maze dataset (\(error)); a Sudoku dataset needs --task sudoku", status: .dataError) }
            let test = (try? MazeDatasetBuilder.read(path: data + "/test.safetensors", size: mazes.first?.maze.size ?? 30)) ?? []
            return (TrainingExamples(mazes: mazes), HeldOut(mazes: Array(test.prefix(evalPuzzles))))
        }
    }
}

/// Ctrl-C or SIGTERM (schedulers, `timeout`, containers) during training: the first signal
/// asks the loop to save and exit with 130 (SIGINT) or 143 (SIGTERM).
final class StopRequest: @unchecked Sendable {
    private let lock = NSLock()
    private var received: Int32?
    private var sources: [DispatchSourceSignal] = []

    var requested: Bool { signal != nil }
    /// The first signal received, if any.
    var signal: Int32? { lock.lock(); defer { lock.unlock() }; return received }

    func install() {
        for number in [SIGINT, SIGTERM] {
            Foundation.signal(number, SIG_IGN)
            let s = DispatchSource.makeSignalSource(signal: number, queue: .global())
            s.setEventHandler { [self] in
                lock.lock(); if received == nil { received = number }; lock.unlock()
                FileHandle.standardError.write("\n\(number == SIGTERM ? "SIGTERM" : "interrupt"): saving checkpoint after this step…\n".data(using: .utf8)!)
            }
            s.resume()
            sources.append(s)
        }
    }
}

extension ModelKind: ExpressibleByArgument {}
extension TaskKind: ExpressibleByArgument {}
extension ReasoningConfiguration.SegmentGradient: ExpressibleByArgument {}
extension WeightInitialization: ExpressibleByArgument {}
extension Preset: ExpressibleByArgument {}
