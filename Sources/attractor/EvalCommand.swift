import ArgumentParser
import Attractor
import AttractorMPI
import Foundation

/// `attractor eval`: accuracy of a checkpoint on a puzzle file (or a blanks ladder of it).
struct EvalCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "eval", abstract: "Evaluate a reasoning checkpoint on Sudoku puzzles or mazes.")

    @Option(help: "Checkpoint directory or bundled name (cmm-tiny, trm-tiny, hrm-tiny).") var checkpoint: String
    @Option(help: "Puzzle file (one per line or 9-line grids), or a dataset .safetensors (for a maze checkpoint: a maze dataset from `attractor data maze`).") var puzzles: String
    @Option(parsing: .unconditional, help: "Replace each puzzle by one of its solutions with exactly K seeded blanks (unique), K in 0…64.") var blanks: Int?
    @Option(parsing: .unconditional, help: "Use only the first N puzzles (N ≥ 1).") var limit: Int?
    @Option(help: "Seed for --blanks.") var seed: UInt64 = 0
    @Option(help: "Output format: text or json.") var format: OutputFormat = .text
    @Option(parsing: .unconditional, help: "Batch size (≥ 1).") var batch = 64
    @Option(help: "Worker threads (default: all cores); the results do not depend on it.") var threads: Int?
    @Flag(help: "Accept puzzles with several solutions (scored against one of them; read valid accuracy for them).") var allowMultiple = false
    @Flag(help: "Evaluate the training weights of the checkpoint's last step (state.safetensors) instead of its evaluation weights (model.safetensors: the EMA once it has forgotten its start).") var rawWeights = false
    @OptionGroup(title: "Test-time scaling (Docs/TestTimeScaling.md)") var scaling: TestTimeOptions

    func validate() throws {
        if let limit, limit < 1 { throw ValidationError("--limit must be at least 1, got \(limit)") }
        if batch < 1 { throw ValidationError("--batch must be at least 1, got \(batch)") }
        if let threads, threads < 1 { throw ValidationError("--threads must be at least 1, got \(threads)") }
        if let blanks, !(0...64).contains(blanks) { throw ValidationError("--blanks must be in 0…64, got \(blanks)") }
        try scaling.validate()
    }

    func run() throws {
        if Communicator.launchedByMPI() {  // EvalCommand+MPI.swift
            if scaling.isActive {
                throw CommandFailure("test-time scaling (--samples, --verify, --segments, …) runs in one process: drop mpirun, or drop those options", status: .usage)
            }
            return try runSharded()
        }
        do {
            let path = try CheckpointLocator.resolve(checkpoint)
            try ReasoningCheckpoint.requireMemory(at: path, maxBatch: batch)
            if try ReasoningCheckpoint.manifest(at: path).configuration.task == .maze {
                try evaluateMazes(path)
                return
            }
            var items = try Self.loadPuzzles(puzzles, limit: limit, allowMultiple: allowMultiple, reblanking: blanks != nil)
            if let blanks { items = try items.reblanked(blanks: blanks, seed: seed) }
            let (model, manifest) = try ReasoningCheckpoint.loadModel(path, maxBatch: batchSize(items.count), task: .sudoku,
                                                                      rawWeights: rawWeights)
            let name = "\(manifest.configuration.model.rawValue)-\(manifest.configuration.preset)"
            let progress = ProgressLine("eval", unit: "puzzles")
            let e = try ReasoningInference.evaluateSudoku(model, name: name, puzzles: items, threads: workerThreads,
                                                          sampling: scaling.samplingOptions, progress: progress.update)
            try printSudoku(e, name: name)
        } catch let e as ReasoningError { throw e }
    }

    func printSudoku(_ e: SudokuEvaluation, name: String) throws {
        if format == .json {
            try printJSON(e, pretty: false)
        } else {
            print("\(name) on \(e.puzzles) puzzles\(blanks.map { " (\($0) blanks)" } ?? ""): " + String(format: "exact %.4f  valid %.4f  cell %.4f  segments %.2f  F-evals %.1f  residual %.3g  halted %.3f  (%.1f s)",
                         e.exactAccuracy, e.validAccuracy,
                         e.cellAccuracy, e.meanSteps, e.meanFunctionEvaluations, e.meanResidual, e.haltedFraction, e.seconds))
            if scaling.isActive {
                let chosen = e.selection.sorted { $0.key < $1.key }.map { "\($0.key) \($0.value)" }.joined(separator: ", ")
                print(String(format: "  verified %.4f  samples %.2f per puzzle  F-evals max %.0f  chosen by: ", e.verifiedAccuracy, e.meanSamples,
                             e.maxFunctionEvaluations) + chosen)
            }
        }
    }

    /// A maze checkpoint on a maze dataset: exact (equals the label), valid (an optimal
    /// path, `MazePathValidator`), cell accuracy, path-cell precision/recall and the common keys.
    func evaluateMazes(_ path: String) throws {
        if blanks != nil { throw CommandFailure("--blanks applies to Sudoku, not to a maze checkpoint", status: .usage) }
        _ = try requireReadableFile(puzzles, what: "maze dataset")
        guard puzzles.hasSuffix(".safetensors") else {
            throw CommandFailure("\(puzzles): a maze checkpoint needs a maze dataset .safetensors from `attractor data maze`", status: .usage)
        }
        var mazes: [MazeInstance]
        do {
            let size = Int((Double(try TokenTensorFile.read(path: puzzles).tensors["inputs"]?.shape.last ?? 900)).squareRoot())
            mazes = try MazeDatasetBuilder.read(path: puzzles, size: size)
        } catch { throw CommandFailure("\(puzzles) is not a maze dataset (\(error)); make one with `attractor data maze`", status: .dataError) }
        if let limit { mazes = Array(mazes.prefix(limit)) }
        guard !mazes.isEmpty else { throw CommandFailure("\(puzzles) holds no mazes; make a dataset with `attractor data maze`", status: .dataError) }
        let (model, manifest) = try ReasoningCheckpoint.loadModel(path, maxBatch: batchSize(mazes.count), task: .maze,
                                                                  rawWeights: rawWeights)
        guard model.sequence == mazes[0].maze.tokens.count else {
            throw CommandFailure("the checkpoint was trained on mazes of \(model.sequence) cells, \(puzzles) holds mazes of \(mazes[0].maze.tokens.count); use a dataset of the same size", status: .dataError)
        }
        let name = "\(manifest.configuration.model.rawValue)-\(manifest.configuration.preset)"
        let progress = ProgressLine("eval", unit: "mazes")
        if scaling.samples > 1 || scaling.budget != nil || scaling.sigma > 0 || scaling.startScale > 0 {
            throw CommandFailure("mazes take --verify, --halting and --segments; sampling (--samples, --budget, --sigma, --start-scale) is for Sudoku", status: .usage)
        }
        let e = try ReasoningInference.evaluateMazes(model, name: name, mazes: mazes, threads: workerThreads,
                                                     options: scaling.inferenceOptions, verifying: scaling.verifies,
                                                     progress: progress.update)
        if format == .json {
            try printJSON(e, pretty: false)
        } else {
            print("\(name) on \(e.mazes) mazes: " + String(format: "exact %.4f  valid %.4f  cell %.4f  path-cell recall %.3f  precision %.3f  segments %.2f  F-evals %.1f  residual %.3g  halted %.3f  (%.1f s)",
                         e.exactAccuracy, e.validAccuracy, e.cellAccuracy, e.pathCellRecall, e.pathCellPrecision,
                         e.meanSteps, e.meanFunctionEvaluations, e.meanResidual, e.haltedFraction, e.seconds))
        }
    }

    var workerThreads: Int { threads ?? WorkerPool.availableCores }

    /// At most `--batch` examples per batch, the same number of batches for every worker and
    /// batches of equal size (200 puzzles on 2 threads: 4 × 50, not 64, 64, 64, 8).
    func batchSize(_ count: Int) -> Int {
        let perWorker = (count + workerThreads - 1) / workerThreads
        let batchesPerWorker = max(1, (perWorker + batch - 1) / batch)
        return max(1, (perWorker + batchesPerWorker - 1) / batchesPerWorker)
    }

    /// Puzzles with their exact solutions (solved here). A puzzle with several solutions is an
    /// error unless `allowMultiple` (then it keeps its first solution with a warning, and only
    /// `valid_accuracy` is meaningful for it). An empty file is an error.
    /// `reblanking`: the puzzles only supply solution grids to re-blank (`--blanks`), so a
    /// puzzle with several solutions is fine and no warning is printed (the ladder puzzle
    /// made from the chosen solution has exactly one).
    static func loadPuzzles(_ path: String, limit: Int?, allowMultiple: Bool = true, reblanking: Bool = false) throws -> [SudokuExample] {
        _ = try requireReadableFile(path, what: "puzzle file")
        if path.hasSuffix(".safetensors") {
            let all: [LabelledSudoku]
            do { all = try SudokuDatasetBuilder.read(path: path) } catch {
                throw CommandFailure("\(path) is not a Sudoku dataset: \(error); make one with `attractor data sudoku`", status: .dataError)
            }
            guard !all.isEmpty else { throw CommandFailure("\(path) holds no puzzles", status: .dataError) }
            return all.prefix(limit ?? all.count).map(SudokuExample.init)
        }
        let text = try readTextFile(path, what: "puzzle file")
        let collection: SudokuParser.Collection
        do { collection = try SudokuParser.parseCollection(text, skipInvalid: false) } catch {
            throw CommandFailure("\(path): \(error); fix or remove that puzzle", status: .dataError)
        }
        guard !collection.puzzles.isEmpty else {
            throw CommandFailure("\(path) holds no puzzles; give one puzzle per line (81 characters) or 9-line grids", status: .dataError)
        }
        let solver = SudokuSolver()
        var out: [SudokuExample] = []
        var multiple: [Int] = []
        for (line, p) in zip(collection.lines, collection.puzzles).prefix(limit ?? collection.puzzles.count) {
            let r = solver.solve(p, limit: 2)
            guard let s = r.solution else {
                throw CommandFailure("\(path): the puzzle on line \(line) has no solution; remove it", status: .dataError)
            }
            if r.count == .multiple { multiple.append(line) }
            out.append(SudokuExample(puzzle: p, solution: s))
        }
        if !multiple.isEmpty && !reblanking {
            guard allowMultiple else {
                throw CommandFailure(PuzzleSolutionsMessage.multiple(path: path, lines: multiple, total: out.count), status: .dataError)
            }
            standardError(PuzzleSolutionsMessage.warning(path: path, lines: multiple, total: out.count))
        }
        return out
    }
}
