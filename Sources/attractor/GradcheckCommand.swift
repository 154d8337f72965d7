import ArgumentParser
import Attractor
import Foundation

/// `attractor gradcheck PROBLEM`: every gradient strategy against finite differences.
struct GradcheckCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "gradcheck",
        abstract: "Check every gradient strategy against central finite differences (Double).",
        discussion: "Problems: contraction (loss ½‖z(1)‖², parameters z0, W, b; plus the implicit gradient at the equilibrium), gbm (pathwise dX_T/d(x0, μ, σ) on a fixed Brownian path). Exits with status 1 when an exact strategy misses the tolerance.")

    enum Format: String, ExpressibleByArgument, CaseIterable { case text, json }

    @Argument(help: "contraction | gbm")
    var problem: String

    @Option(help: "Output format: text or json.")
    var format: Format = .text

    @Option(name: .customLong("repeat"), help: "Timing repetitions (the median is reported).")
    var repeats: Int = 3

    @Option(help: "Largest relative error accepted for exact strategies.")
    var tolerance: Double = 1e-6

    func validate() throws {
        guard GradientCheck.problems.contains(problem) else {
            throw ValidationError("unknown problem '\(problem)'; known: \(GradientCheck.problems.joined(separator: ", "))")
        }
        guard repeats > 0 else { throw ValidationError("--repeat must be positive") }
    }

    struct Output: Encodable {
        var report: GradientCheckReport
        var processMaxRSSBytes: Int
        var tolerance: Double
        var passed: Bool
    }

    func run() throws {
        let report = try GradientCheck.run(problem: problem, repeats: repeats)
        let failures = report.rows.filter { $0.exact && !($0.relativeErrorFD < tolerance) }
        let output = Output(report: report, processMaxRSSBytes: ProcessMemory.maximumResidentBytes,
                            tolerance: tolerance, passed: failures.isEmpty)
        switch format {
        case .json:
            try printJSON(output)
        case .text:
            print("gradcheck \(report.problem): loss \(report.loss), parameters \(report.parameters.joined(separator: ", ")), FD step \(report.finiteDifferenceStep)")
            let header = "strategy".padding(toLength: 50, withPad: " ", startingAt: 0)
                + "exact  rel.err FD   rel.err exact  time [ms]  peak [B]   f-evals  VJPs"
            print(header)
            for r in report.rows {
                let exact = r.relativeErrorExact.map { String(format: "%.3e", $0) } ?? "-"
                print(r.strategy.padding(toLength: 50, withPad: " ", startingAt: 0)
                      + (r.exact ? "yes    " : "no     ")
                      + String(format: "%-12.3e ", r.relativeErrorFD)
                      + exact.padding(toLength: 15, withPad: " ", startingAt: 0)
                      + String(format: "%-10.3f %-10d %-8d %d", r.seconds * 1e3, r.peakBytes, r.functionEvaluations, r.vectorJacobianProducts))
            }
            for n in report.notes { print("note: \(n)") }
            print("process max RSS: \(output.processMaxRSSBytes) bytes")
            print(failures.isEmpty ? "PASS: every exact strategy within \(tolerance)"
                                   : "FAIL: \(failures.map(\.strategy).joined(separator: "; "))")
        }
        if !failures.isEmpty { throw ExitCode(1) }
    }
}
