import ArgumentParser
import Attractor
import Foundation

/// `attractor integrate PROBLEM`: solve a built-in problem and print the result.
/// Thin: the solve, timing and formatting live in `IntegrationReport`.
struct IntegrateCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "integrate",
        abstract: "Integrate a built-in problem (ODE) and print the final state, statistics and timing.",
        discussion: """
            Problems: \(ProblemCatalogue.names.joined(separator: ", ")).
            Methods: \(ODEMethod.all.map(\.name).joined(separator: ", ")).
            Fixed-step methods use --dt (default (t1 − t0)/1000); adaptive ones --rtol/--atol.
            """)

    enum Format: String, ExpressibleByArgument, CaseIterable { case json, table }

    @Argument(help: "The problem: \(ProblemCatalogue.names.joined(separator: ", ")).")
    var problem: String

    @Option(help: "The method: \(ODEMethod.all.map(\.name).joined(separator: ", ")).")
    var method: String = "dopri5"

    @Option(help: "Step size (fixed-step methods) or initial step (adaptive methods).")
    var dt: Double?

    @Option(help: "Relative tolerance.")
    var rtol: Double = 1e-6

    @Option(help: "Absolute tolerance.")
    var atol: Double = 1e-9

    @Option(help: "End time (default: the problem's own).")
    var t1: Double?

    @Option(help: "Seed for problems with random data (contraction) and SDE paths.")
    var seed: UInt64 = 0

    @Option(help: "Number of SDE sample paths (SDE problems only).")
    var paths: Int?

    @Option(help: "Solve this many times and report the median time.")
    var `repeat`: Int = 1

    @Option(help: "Maximum number of steps.")
    var maxSteps: Int = 100_000

    @Flag(help: "Stop when ‖f(t, z)‖ ≤ atol + rtol·‖z‖ (per row) and report the residual.")
    var untilSteady = false

    @Option(help: "State dimension (contraction).")
    var dim: Int?

    @Option(help: "Van der Pol's μ (vanderpol).")
    var mu: Double?

    @Option(help: "Output format: json or table.")
    var format: Format = .table

    func run() throws {
        do {
            print(try report())
        } catch let message as CommandFailure {
            FileHandle.standardError.write(Data("error: \(message.text)\n".utf8))
            throw ExitCode(2)
        }
    }

    struct CommandFailure: Error { var text: String }

    func report() throws -> String {
        guard let kind = ProblemCatalogue.kind(of: problem) else {
            throw CommandFailure(text: "unknown problem '\(problem)'; valid problems: \(ProblemCatalogue.names.joined(separator: ", "))")
        }
        guard kind == .ode else {
            throw CommandFailure(text: "problem '\(problem)' is an SDE; SDE integration is not in this build")
        }
        guard let odeMethod = ODEMethod.named(method) else {
            throw CommandFailure(text: "unknown method '\(method)' for ODE problem '\(problem)'; valid methods: "
                + ODEMethod.all.map(\.name).joined(separator: ", "))
        }
        if paths != nil { throw CommandFailure(text: "--paths applies to SDE problems only, not '\(problem)'") }
        if mu != nil && problem != "vanderpol" { throw CommandFailure(text: "--mu applies to vanderpol only") }
        if dim != nil && problem != "contraction" { throw CommandFailure(text: "--dim applies to contraction only") }
        if `repeat` < 1 { throw CommandFailure(text: "--repeat must be at least 1, got \(`repeat`)") }
        if let dim, dim < 1 { throw CommandFailure(text: "--dim must be at least 1, got \(dim)") }

        let settings = ProblemCatalogue.Settings(mu: mu ?? 1, dimension: dim ?? 16, seed: seed)
        let ode = ProblemCatalogue.ode(named: problem, settings: settings)!
        let end = t1 ?? ode.t1
        var options = SolverOptions(
            stepSize: dt, relativeTolerance: .uniform(rtol), absoluteTolerance: .uniform(atol), maximumSteps: maxSteps)
        if !odeMethod.isAdaptive && dt == nil { options.stepSize = (end - ode.t0) / 1000 }
        if untilSteady { options.steadyState = SteadyStateEvent(relativeTolerance: rtol, absoluteTolerance: atol) }
        do {
            let r = try IntegrationReport.run(problem: ode, method: odeMethod, options: options, t1: end, repeats: `repeat`)
            return format == .json ? r.json : r.table
        } catch {
            var text = "\(odeMethod.name) on \(problem): \(error)"
            if ode.isStiff && !odeMethod.isAdaptive || ode.isStiff && odeMethod == .dormandPrince54 {
                text += " (\(problem) is stiff; try --method gsl-msbdf)"
            }
            throw CommandFailure(text: text)
        }
    }
}
