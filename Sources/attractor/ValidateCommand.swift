import ArgumentParser
import Attractor
import AttractorMPI
import Foundation

/// `attractor validate [SUITE ...]`: run validation suites from `Validation/`.
struct ValidateCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "validate",
        abstract: "Run stability validation suites (Validation/*.json): solvers, gradients, equilibrium, …",
        discussion: "SUITE is a suite name in Validation/ or a path to a suite .json file (default: every suite). Exits with status 1 when a pass/fail check fails. See Docs/Stability.md for the suite format.")

    enum Format: String, ExpressibleByArgument, CaseIterable { case text, json }

    @Argument(help: "Suites to run (default: all in Validation/).")
    var suites: [String] = []

    @Option(help: "A trained model checkpoint for the equilibrium checks (requires the issue-6 reasoning models).")
    var checkpoint: String?

    @Option(help: "Puzzle file for the equilibrium checks on a checkpoint.")
    var puzzles: String?

    @Option(parsing: .unconditional, help: "Replace each puzzle by a blanks-ladder puzzle of its solution with exactly K blanks (0…64): held-out puzzles of a known difficulty.")
    var blanks: Int?

    @Option(help: "Seed for --blanks.")
    var seed: UInt64 = 0

    @Flag(help: "Check the training weights of the checkpoint's last step (state.safetensors) instead of its evaluation weights (model.safetensors: the EMA once it has forgotten its start).")
    var rawWeights = false

    @Option(help: "Cap the number of samples of equilibrium checks.")
    var limit: Int?

    @Option(help: "Worker threads of a checkpoint's equilibrium checks (default: all cores); the results do not depend on it.")
    var threads: Int?

    @Option(help: "Write report.json and index.html (inline SVG plots) into this folder.")
    var report: String?

    @Option(help: "Output format: text or json.")
    var format: Format = .text

    @Flag(help: "No progress lines on stderr.")
    var quiet = false

    func validate() throws {
        if let limit, limit <= 0 { throw ValidationError("--limit must be positive") }
        if let blanks, !(0...64).contains(blanks) { throw ValidationError("--blanks must be in 0…64, got \(blanks)") }
        if let threads, threads < 1 { throw ValidationError("--threads must be at least 1, got \(threads)") }
        if rawWeights && checkpoint == nil { throw ValidationError("--raw-weights needs --checkpoint") }
    }

    func run() throws {
        if Communicator.launchedByMPI() { return try runSharded() }  // ValidateCommand+MPI.swift
        let directory = ValidationRunner.suiteDirectory(executable: CommandLine.arguments[0])
        let names = suites.isEmpty ? (directory.map(ValidationRunner.suiteNames(in:)) ?? []) : suites
        guard !names.isEmpty else { throw CommandFailure("no suites given and no Validation/ folder found; run from the repository or give a suite .json path", status: .noInput) }
        var options = ValidationRunner.Options(limit: limit, checkpoint: checkpoint, puzzles: puzzles, blanks: blanks, seed: seed,
                                               threads: threads ?? WorkerPool.availableCores, rawWeights: rawWeights)
        if !quiet { options.progress = { standardError($0) } }
        var results: [SuiteResult] = []
        do {
            let loaded = try names.map { name throws(StabilityError) in try ValidationRunner.load(name, directory: directory) }
            for suite in loaded {
                let r = try ValidationRunner.run(suite, options: options)
                if format == .text { printSuite(r) }
                results.append(r)
            }
        } catch {
            let (message, status) = ErrorReport.classify(error)
            throw CommandFailure("validate: \(message)", status: status)
        }
        try finish(results)
    }

    /// The report of `results` (written, printed as JSON or the overall verdict); exit status 1 on a failed check.
    func finish(_ results: [SuiteResult]) throws {
        let full = ValidationReport(gslVersion: GSL.version, suites: results)
        var reportFailure: CommandFailure?
        if let report {
            do {
                try ValidationRunner.writeReport(full, to: report)
                if format == .text { print("report: \(report)/index.html, \(report)/report.json") }
            } catch {
                reportFailure = CommandFailure("cannot write the report to \(report): \(ErrorReport.classify(error).message); the results are on stdout, choose a writable --report folder",
                                               status: .cannotCreate)
            }
        }
        if format == .json {
            print(try jsonText(full))
        } else {
            print("overall: \(label(full.passed))")
        }
        if let reportFailure { throw reportFailure }
        if full.passed == false { throw ExitCode(ExitStatus.failed.rawValue) }
    }

    func label(_ p: Bool?) -> String { p.map { $0 ? "PASS" : "FAIL" } ?? "info (no pass/fail criteria)" }

    func printSuite(_ r: SuiteResult) {
        print("== suite \(r.suite) (\(r.file)) \(label(r.passed)) in \(String(format: "%.2f", r.seconds)) s")
        for c in r.checks {
            print("-- \(c.name) [\(c.check)] \(label(c.passed)) (\(String(format: "%.2f", c.seconds)) s)")
            for m in c.measurements {
                let v = String(format: "%.6g", m.value)
                let verdict = m.passed.map { $0 ? "ok" : "FAIL" } ?? ""
                print("   \(m.label): \(v)\(m.criterion.map { "  [\($0)]" } ?? "") \(verdict)")
            }
            for n in c.notes { print("   note: \(n)") }
        }
    }
}
