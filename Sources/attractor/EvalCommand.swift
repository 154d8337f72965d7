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
    @Option(help: "Replace each puzzle by one of its solutions with exactly K seeded blanks (unique).") var blanks: Int?
    @Option(help: "Use only the first N puzzles.") var limit: Int?
    @Option(help: "Seed for --blanks.") var seed: UInt64 = 0
    @Option(help: "text or json.") var format: String = "text"
    @Option(help: "Batch size.") var batch = 64
    @Option(help: "Worker threads (default: all cores); the results do not depend on it.") var threads: Int?

    func run() throws {
        if Communicator.launchedByMPI() { return try runSharded() }  // EvalCommand+MPI.swift
        do {
            let path = try CheckpointLocator.resolve(checkpoint)
            if try ReasoningCheckpoint.manifest(at: path).configuration.task == .maze {
                try evaluateMazes(path)
                return
            }
            var items = try Self.loadPuzzles(puzzles, limit: limit)
            if let blanks {
                let generator = SudokuGenerator(seed: seed)
                items = try items.map { item in
                    let p = try generator.ladderPuzzle(from: item.solution, blanks: blanks)
                    return SudokuExample(puzzle: p, solution: item.solution)
                }
            }
            let (model, manifest) = try ReasoningCheckpoint.loadModel(path, maxBatch: batchSize(items.count), task: .sudoku)
            let name = "\(manifest.configuration.model.rawValue)-\(manifest.configuration.preset)"
            let progress = ProgressLine("eval", unit: "puzzles")
            let e = try ReasoningInference.evaluateSudoku(model, name: name, puzzles: items, threads: workerThreads,
                                                          progress: progress.update)
            try printSudoku(e, name: name)
        } catch let e as ReasoningError { throw CommandFailure("\(e)") }
    }

    func printSudoku(_ e: SudokuEvaluation, name: String) throws {
        if format == "json" {
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.sortedKeys]
            print(String(decoding: try encoder.encode(e), as: UTF8.self))
        } else {
            print("\(name) on \(e.puzzles) puzzles\(blanks.map { " (\($0) blanks)" } ?? ""): " + String(format: "exact %.4f  valid %.4f  cell %.4f  segments %.2f  F-evals %.1f  residual %.3g  halted %.3f  (%.1f s)",
                         e.exactAccuracy, e.validAccuracy,
                         e.cellAccuracy, e.meanSteps, e.meanFunctionEvaluations, e.meanResidual, e.haltedFraction, e.seconds))
        }
    }

    /// A maze checkpoint on a maze dataset: exact (equals the label), valid (an optimal
    /// path, `MazePathValidator`), cell accuracy, path-cell precision/recall and the common keys.
    func evaluateMazes(_ path: String) throws {
        if blanks != nil { throw CommandFailure("--blanks applies to Sudoku, not to a maze checkpoint") }
        guard FileManager.default.fileExists(atPath: puzzles) else { throw CommandFailure("no such file: \(puzzles)") }
        guard puzzles.hasSuffix(".safetensors") else {
            throw CommandFailure("\(puzzles): a maze checkpoint needs a maze dataset .safetensors from `attractor data maze`")
        }
        var mazes: [MazeInstance]
        do {
            let size = Int((Double(try TokenTensorFile.read(path: puzzles).tensors["inputs"]?.shape.last ?? 900)).squareRoot())
            mazes = try MazeDatasetBuilder.read(path: puzzles, size: size)
        } catch { throw CommandFailure("\(puzzles) is not a maze dataset (\(error))") }
        if let limit { mazes = Array(mazes.prefix(limit)) }
        guard !mazes.isEmpty else { throw CommandFailure("\(puzzles) holds no mazes") }
        let (model, manifest) = try ReasoningCheckpoint.loadModel(path, maxBatch: batchSize(mazes.count), task: .maze)
        guard model.sequence == mazes[0].maze.tokens.count else {
            throw CommandFailure("the checkpoint was trained on mazes of \(model.sequence) cells, \(puzzles) holds mazes of \(mazes[0].maze.tokens.count)")
        }
        let name = "\(manifest.configuration.model.rawValue)-\(manifest.configuration.preset)"
        let progress = ProgressLine("eval", unit: "mazes")
        let e = try ReasoningInference.evaluateMazes(model, name: name, mazes: mazes, threads: workerThreads,
                                                     progress: progress.update)
        if format == "json" {
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.sortedKeys]
            print(String(decoding: try encoder.encode(e), as: UTF8.self))
        } else {
            print("\(name) on \(e.mazes) mazes: " + String(format: "exact %.4f  valid %.4f  cell %.4f  path-cell recall %.3f  precision %.3f  segments %.2f  F-evals %.1f  residual %.3g  halted %.3f  (%.1f s)",
                         e.exactAccuracy, e.validAccuracy, e.cellAccuracy, e.pathCellRecall, e.pathCellPrecision,
                         e.meanSteps, e.meanFunctionEvaluations, e.meanResidual, e.haltedFraction, e.seconds))
        }
    }

    var workerThreads: Int { threads ?? WorkerPool.availableCores }

    /// At most `--batch` examples per batch, and at least one batch per worker.
    func batchSize(_ count: Int) -> Int {
        max(1, min(batch, (count + workerThreads - 1) / workerThreads))
    }

    /// Puzzles with their exact solutions (solved here; a puzzle without a unique solution
    /// keeps its first solution, and only `valid_accuracy` is meaningful for it).
    static func loadPuzzles(_ path: String, limit: Int?) throws -> [SudokuExample] {
        guard FileManager.default.fileExists(atPath: path) else { throw CommandFailure("no such file: \(path)") }
        if path.hasSuffix(".safetensors") {
            let all: [LabelledSudoku]
            do { all = try SudokuDatasetBuilder.read(path: path) } catch {
                throw CommandFailure("\(path) is not a Sudoku dataset: \(error)")
            }
            return all.prefix(limit ?? all.count).map(SudokuExample.init)
        }
        guard let text = try? String(contentsOfFile: path, encoding: .utf8) else { throw CommandFailure("cannot read \(path)") }
        let collection: SudokuParser.Collection
        do { collection = try SudokuParser.parseCollection(text, skipInvalid: false) } catch {
            throw CommandFailure("\(path): \(error)")
        }
        let solver = SudokuSolver()
        var out: [SudokuExample] = []
        for p in collection.puzzles.prefix(limit ?? collection.puzzles.count) {
            let r = solver.solve(p, limit: 2)
            guard let s = r.solution else { throw CommandFailure("\(path): puzzle \(p.line) has no solution") }
            out.append(SudokuExample(puzzle: p, solution: s))
        }
        return out
    }
}
