import ArgumentParser
import Attractor
import Foundation

/// `attractor integrate PROBLEM`: solve a built-in problem and print the result.
/// Thin: the solve, timing and formatting live in `IntegrationReport`.
struct IntegrateCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "integrate",
        abstract: "Integrate a built-in problem (ODE or SDE) and print the final state, statistics and timing.",
        discussion: """
            Problems: \(ProblemCatalogue.names.joined(separator: ", ")).
            ODE methods: \(ODEMethod.all.map(\.name).joined(separator: ", ")).
            SDE methods (gbm, ou): \(SDECatalogue.methodNames.joined(separator: ", ")).
            Fixed-step methods use --dt (default (t1 − t0)/1000; SDEs \(SDECatalogue.defaultStepSize)); adaptive ones --rtol/--atol.
            SDEs: --seed seeds the Brownian path, --paths N solves N sample paths and adds
            mean, variance, exact_mean, exact_variance; y is the first path's final state.
            """)

    enum Format: String, ExpressibleByArgument, CaseIterable { case json, table, text }

    @Argument(help: "The problem: \(ProblemCatalogue.names.joined(separator: ", ")).")
    var problem: String

    @Option(help: "The method: \(ODEMethod.all.map(\.name).joined(separator: ", ")) (ODE, default dopri5); \(SDECatalogue.methodNames.joined(separator: ", ")) (SDE, default euler-maruyama).")
    var method: String?

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

    @Option(parsing: .unconditional, help: "Number of SDE sample paths (SDE problems only).")
    var paths: Int?

    @Option(parsing: .unconditional, help: "Solve this many times and report the median time.")
    var `repeat`: Int = 1

    @Option(parsing: .unconditional, help: "Maximum number of steps.")
    var maxSteps: Int = 100_000

    @Flag(help: "Stop when ‖f(t, z)‖ ≤ atol + rtol·‖z‖ (per row) and report the residual.")
    var untilSteady = false

    @Option(parsing: .unconditional, help: "State dimension (contraction).")
    var dim: Int?

    @Option(help: "Van der Pol's μ (vanderpol).")
    var mu: Double?

    @Option(help: "Output format: text (= table) or json.")
    var format: Format = .table

    func run() throws {
        print(try report())
    }

    /// Checks shared by ODE and SDE problems.
    func checkCommonArguments() throws {
        if let dt, !(dt > 0 && dt.isFinite) { throw CommandFailure("--dt (the step size) must be a positive number, got \(dt)", status: .usage) }
        if let t1, !t1.isFinite { throw CommandFailure("--t1 must be a finite number, got \(t1)", status: .usage) }
        if !(rtol > 0 && rtol.isFinite) || !(atol > 0 && atol.isFinite) {
            throw CommandFailure("--rtol and --atol (the tolerances) must be positive numbers, got \(rtol) and \(atol)", status: .usage)
        }
        if maxSteps < 1 { throw CommandFailure("--max-steps must be at least 1, got \(maxSteps)", status: .usage) }
    }

    func report() throws -> String {
        try checkCommonArguments()
        guard let kind = ProblemCatalogue.kind(of: problem) else {
            throw CommandFailure("unknown problem '\(problem)'; valid problems: \(ProblemCatalogue.names.joined(separator: ", "))", status: .usage)
        }
        if kind == .sde { return try sdeReport() }
        let method = self.method ?? "dopri5"
        guard let odeMethod = ODEMethod.named(method) else {
            throw CommandFailure("unknown method '\(method)' for ODE problem '\(problem)'; valid methods: "
                + ODEMethod.all.map(\.name).joined(separator: ", "), status: .usage)
        }
        if paths != nil { throw CommandFailure("--paths applies to SDE problems only, not '\(problem)'", status: .usage) }
        if mu != nil && problem != "vanderpol" { throw CommandFailure("--mu applies to vanderpol only", status: .usage) }
        if dim != nil && problem != "contraction" { throw CommandFailure("--dim applies to contraction only", status: .usage) }
        if `repeat` < 1 { throw CommandFailure("--repeat must be at least 1, got \(`repeat`)", status: .usage) }
        if let dim, dim < 1 { throw CommandFailure("--dim must be at least 1, got \(dim)", status: .usage) }

        if problem == "contraction" { try IntegrationBudget.requireContraction(dimension: dim ?? 16) }
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
            var message = "\(odeMethod.name) on \(problem): \(error)"
            if ode.isStiff && !odeMethod.isAdaptive || ode.isStiff && odeMethod == .dormandPrince54 {
                message += " (\(problem) is stiff; try --method gsl-msbdf)"
            }
            throw CommandFailure(message)
        }
    }

    /// `gbm` and `ou`: an ensemble of `--paths` sample paths through `SDECatalogue.run`.
    func sdeReport() throws -> String {
        let method = self.method ?? SDEMethod.eulerMaruyama.rawValue
        guard SDEMethod(rawValue: method) != nil else {
            throw CommandFailure("unknown method '\(method)' for SDE problem '\(problem)'; valid methods: "
                + SDECatalogue.methodNames.joined(separator: ", "), status: .usage)
        }
        if untilSteady { throw CommandFailure("--until-steady applies to ODE problems only, not '\(problem)'", status: .usage) }
        if mu != nil { throw CommandFailure("--mu applies to vanderpol only", status: .usage) }
        if dim != nil { throw CommandFailure("--dim applies to contraction only", status: .usage) }
        if `repeat` < 1 { throw CommandFailure("--repeat must be at least 1, got \(`repeat`)", status: .usage) }
        if let paths, paths < 1 { throw CommandFailure("--paths must be at least 1, got \(paths)", status: .usage) }
        try IntegrationBudget.requireEnsemble(paths: paths ?? 1)
        do {
            let r = try SDECatalogue.run(problem: problem, method: method, dt: dt, t1: t1, seed: seed,
                                         paths: paths ?? 1, repeats: `repeat`)
            return format == .json ? r.json(moments: paths != nil) : r.table(moments: paths != nil)
        } catch {
            throw CommandFailure("\(method) on \(problem): \(error)")
        }
    }
}
