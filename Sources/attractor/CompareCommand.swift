import ArgumentParser
import Attractor
import AttractorMPI
import Foundation

/// `attractor compare`: the same puzzles through several checkpoints (discrete and continuous).
struct CompareCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "compare",
        abstract: "Compare reasoning checkpoints on the same Sudoku puzzles: accuracy, compute, convergence, stability, agreement.",
        discussion: "Each model iterates its segment map z ← F(z) for --steps steps; answers are read at 1, 2, 4, … steps (accuracy vs steps and vs network evaluations). See Docs/Stability.md.")

    enum Format: String, ExpressibleByArgument, CaseIterable { case text, json }

    @Option(help: "Comma-separated checkpoints (directories or bundled names: cmm-tiny, trm-tiny, hrm-tiny).")
    var checkpoints: String

    @Option(help: "Puzzle file (one per line or 9-line grids), or a dataset .safetensors.")
    var puzzles: String

    @Option(parsing: .unconditional, help: "Replace each puzzle by a blanks-ladder puzzle of its solution with exactly K blanks (0…64).")
    var blanks: Int?

    @Option(parsing: .unconditional, help: "Use only the first N puzzles (N ≥ 1).")
    var limit: Int = 64

    @Option(parsing: .unconditional, help: "Segments (applications of F) per puzzle.")
    var steps: Int = 16

    @Option(help: "Relative residual ‖F(z) − z‖/‖z‖ at which a puzzle counts as converged (and stops).")
    var tolerance: Double = 1e-3

    @Option(help: "Seed for --blanks.")
    var seed: UInt64 = 0

    @Option(parsing: .unconditional, help: "Estimate the spectral radius ρ(J) at the end points of the first N puzzles (power iteration, 12 JVP pairs each).")
    var stabilityPuzzles: Int = 8

    @Option(help: "Worker threads per model (default: all cores); the results do not depend on it.")
    var threads: Int?

    @Option(help: "Write report.json and index.html into this folder.")
    var report: String?

    @Option(help: "Output format: text or json.")
    var format: Format = .text

    @Flag(help: "Compare the training weights of each checkpoint's last step (state.safetensors) instead of its evaluation weights (model.safetensors: the EMA once it has forgotten its start).")
    var rawWeights = false

    @Flag(help: "Accept puzzles with several solutions (scored against one of them; read validity for them).")
    var allowMultiple = false

    func validate() throws {
        guard limit > 0, steps > 0, tolerance > 0, tolerance.isFinite else {
            throw ValidationError("--limit, --steps and --tolerance must be positive (got \(limit), \(steps), \(tolerance))")
        }
        if steps > 1_000_000 { throw ValidationError("--steps must be at most 1000000, got \(steps)") }
        if let blanks, !(0...64).contains(blanks) { throw ValidationError("--blanks must be in 0…64, got \(blanks)") }
        guard !checkpoints.split(separator: ",").isEmpty else { throw ValidationError("--checkpoints is empty") }
        if stabilityPuzzles < 0 { throw ValidationError("--stability-puzzles must be 0 or more, got \(stabilityPuzzles)") }
        if let threads, threads < 1 { throw ValidationError("--threads must be at least 1, got \(threads)") }
    }

    func run() throws {
        if Communicator.launchedByMPI() { return try runSharded() }  // CompareCommand+MPI.swift
        let result: ModelComparison.Report
        do {
            let set = try SudokuPuzzleSet.load(path: puzzles, limit: limit, blanks: blanks, seed: seed,
                                               allowMultipleSolutions: allowMultiple)
            if !set.multipleSolutionLines.isEmpty {
                standardError(PuzzleSolutionsMessage.warning(path: puzzles, lines: set.multipleSolutionLines, total: set.puzzles.count))
            }
            let models = try checkpoints.split(separator: ",").map { name throws(StabilityError) in
                try ReasoningSudokuModel(checkpoint: String(name), maxBatch: min(64, set.puzzles.count),
                                         threads: threads ?? WorkerPool.availableCores, rawWeights: rawWeights)
            }
            standardError("compare: \(models.count) model(s) on \(set.puzzles.count) puzzles, up to \(steps) segments each …")
            result = try ModelComparison.run(models, puzzles: set.puzzles, solutions: set.solutions, options: options)
        } catch {
            let (message, status) = ErrorReport.classify(error)
            throw CommandFailure("compare: \(message)", status: status)
        }
        try finish(result)
    }

    var options: ModelComparison.Options {
        var budgets: [Int] = []
        var b = 1
        while b < steps { budgets.append(b); b *= 2 }
        return .init(maximumSteps: steps, budgets: budgets + [steps], tolerance: tolerance,
                     stabilityRows: stabilityPuzzles, stabilityIterations: 12, relative: true)
    }

    /// Writes and prints the report.
    func finish(_ result: ModelComparison.Report) throws {
        let page = ModelComparison.validationReport(result, gslVersion: GSL.version)
        if let report {
            do { try ValidationRunner.writeReport(page, to: report) } catch {
                // The finished results are not thrown away: JSON on stdout, then the error.
                try printJSON(result)
                throw CommandFailure("cannot write the report to \(report) (\(ErrorReport.classify(error).message)); the results were written to stdout as JSON instead, choose a writable --report folder",
                                     status: .cannotCreate)
            }
        }
        switch format {
        case .json:
            try printJSON(result, nonFinite: true)
        case .text:
            print("model".padding(toLength: 36, withPad: " ", startingAt: 0)
                  + "exact   cell    F-evals/puzzle  s/puzzle  converged  med.rate  med.ρ(J)  ρ(J)<1")
            for m in result.models {
                print(m.model.padding(toLength: 36, withPad: " ", startingAt: 0)
                      + String(format: "%-7.4f %-7.4f %-15.1f %-9.4f %-10.3f %-9.4f %-9.4f ", m.exactAccuracy, m.cellAccuracy,
                               m.functionEvaluationsPerPuzzle, m.secondsPerPuzzle, m.convergedFraction,
                               m.medianContractionRate, Quantiles.median(m.spectralRadius))
                      + "\(m.spectralRadius.filter { $0 < 1 }.count)/\(m.spectralRadius.count)")
                let curve = zip(m.budgets, m.cellAccuracyAtBudget).map { "\($0):\(String(format: "%.3f", $1))" }
                print("   cell accuracy by steps: " + curve.joined(separator: " "))
            }
            for i in result.models.indices {
                for j in result.models.indices where j > i {
                    print("agreement \(result.models[i].model) vs \(result.models[j].model): \(String(format: "%.3f", result.agreement[i][j]))")
                }
            }
            if let report { print("report: \(report)/index.html, \(report)/report.json") }
        }
    }
}
