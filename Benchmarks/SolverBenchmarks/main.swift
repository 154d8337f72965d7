// Solver benchmarks: Swift RK4 and Dormand–Prince 5(4) against GSL's rkf45 and rk8pd
// (through gsl_odeiv2's C API, on the same Swift vector field) on lorenz and pleiades.
// Reports median time per solve, error against a tight rk8pd reference, and heap
// allocations per solve and per step (malloc & co. interposed by AllocationCounter).
//
//   swift build -c release --product SolverBenchmarks && .build/release/SolverBenchmarks [--quick]
import CMallocCounter
import AttractorDynamics
import AttractorNumerics

#if canImport(Glibc)
import Glibc
#endif

let quick = CommandLine.arguments.contains("--quick")
let clock = ContinuousClock()

func seconds(_ d: Duration) -> Double { Double(d.components.seconds) + Double(d.components.attoseconds) * 1e-18 }

struct Measurement {
    var problem: String
    var method: String
    var setting: String
    var steps: Int
    var evaluations: Int
    var error: Double
    var seconds: Double
    var allocationsPerSolve: Int
    var allocationsPerStep: Double
}

/// Median wall time of repeated solves (at least 5, until ~0.4 s or 400 repeats).
func medianTime(_ body: () throws -> Void) rethrows -> Double {
    var times: [Double] = []
    let budget = quick ? 0.05 : 0.4
    var total = 0.0
    while times.count < 5 || (total < budget && times.count < 400) {
        let start = clock.now
        try body()
        let t = seconds(clock.now - start)
        times.append(t)
        total += t
    }
    times.sort()
    return times[times.count / 2]
}

func relativeError(_ y: [Double], _ reference: [Double]) -> Double {
    var num = 0.0, den = 0.0
    for i in y.indices {
        num += (y[i] - reference[i]) * (y[i] - reference[i])
        den += reference[i] * reference[i]
    }
    return (num / den).squareRoot()
}

func measure(_ problem: ODEProblem, _ method: ODEMethod, _ options: SolverOptions, setting: String,
             reference: [Double]) throws -> Measurement {
    let solution = try problem.solve(method: method, options: options)
    // Allocations per solve, and per step from two horizons (fixed costs cancel).
    let a0 = attractor_allocation_count()
    _ = try problem.solve(method: method, options: options)
    let a1 = attractor_allocation_count()
    let half = try problem.solve(t1: problem.t0 + (problem.t1 - problem.t0) / 2, method: method, options: options)
    let a2 = attractor_allocation_count()
    let perSolve = Int(a1 - a0)
    let perHalf = Int(a2 - a1)
    let stepDelta = solution.statistics.steps + solution.statistics.rejectedSteps
        - half.statistics.steps - half.statistics.rejectedSteps
    let perStep = stepDelta > 0 ? Double(perSolve - perHalf) / Double(stepDelta) : .nan
    let time = try medianTime { _ = try problem.solve(method: method, options: options) }
    return Measurement(
        problem: problem.name, method: method.name, setting: setting, steps: solution.statistics.steps,
        evaluations: solution.statistics.functionEvaluations, error: relativeError(solution.finalState.scalars, reference),
        seconds: time, allocationsPerSolve: perSolve, allocationsPerStep: perStep)
}

func pad(_ s: String, _ n: Int) -> String { s.count >= n ? s : s + String(repeating: " ", count: n - s.count) }
func sci(_ x: Double) -> String {
    guard x.isFinite, x > 0 else { return x == 0 ? "0" : "\(x)" }
    let e = Int((log10(x)).rounded(.down))
    let m = x / pow(10, Double(e))
    return "\((m * 100).rounded() / 100)e\(e)"
}

/// log–log interpolation of dopri5's time at the error a GSL run reached.
func dopri5Time(atError target: Double, sweep: [Measurement]) -> Double? {
    let points = sweep.sorted { $0.error > $1.error }
    for (a, b) in zip(points, points.dropFirst()) where a.error >= target && target >= b.error {
        let w = (log(a.error) - log(target)) / (log(a.error) - log(b.error))
        return exp(log(a.seconds) + w * (log(b.seconds) - log(a.seconds)))
    }
    return nil
}

// `--profile NAME METHOD [--short]`: just repeat one solve (for valgrind --tool=callgrind / perf).
let valgrindRun = CommandLine.arguments.contains("--short")
if let i = CommandLine.arguments.firstIndex(of: "--profile"), CommandLine.arguments.count > i + 2 {
    let problem = ProblemCatalogue.ode(named: CommandLine.arguments[i + 1])!
    let method = ODEMethod.named(CommandLine.arguments[i + 2])!
    let options = SolverOptions(relativeTolerance: 1e-9, absoluteTolerance: 1e-9)
    var steps = 0
    for _ in 0..<(valgrindRun ? 50 : 2000) { steps += try problem.solve(method: method, options: options).statistics.steps }
    print("profiled \(steps) steps")
    exit(0)
}

print("OpenBLAS \(BLAS.coreName), GSL \(GSL.version)\n")
print("| problem | method | tol / dt | steps | f-evals | rel. error | median time | allocs/solve | allocs/step |")
print("|---|---|---|---:|---:|---:|---:|---:|---:|")
var summary: [String] = []
let tolerances: [Double] = quick ? [1e-6, 1e-9] : [1e-5, 1e-6, 1e-7, 1e-8, 1e-9, 1e-10, 1e-11]
for name in ["lorenz", "pleiades"] {
    let problem = ProblemCatalogue.ode(named: name)!
    let reference = try problem.solve(method: .gsl(.rk8pd),
                                      options: SolverOptions(relativeTolerance: 1e-13, absoluteTolerance: 1e-13)).finalState.scalars
    var results: [Measurement] = []
    for dt in [1e-2, 1e-3] {
        results.append(try measure(problem, .rk4, SolverOptions(stepSize: dt), setting: "dt \(dt)", reference: reference))
    }
    // Tolerance outer, method inner: the methods compared at one tolerance run close in
    // time, so load from other jobs on this shared machine skews them alike.
    var adaptive: [Measurement] = []
    for tol in tolerances {
        for method in [ODEMethod.dormandPrince54, .gsl(.rkf45), .gsl(.rk8pd)] {
            let options = SolverOptions(relativeTolerance: .uniform(tol), absoluteTolerance: .uniform(tol), maximumSteps: 1_000_000)
            adaptive.append(try measure(problem, method, options, setting: "tol \(sci(tol))", reference: reference))
        }
    }
    for method in ["dopri5", "gsl-rkf45", "gsl-rk8pd"] { results += adaptive.filter { $0.method == method } }
    for m in results {
        print("| \(m.problem) | \(m.method) | \(m.setting) | \(m.steps) | \(m.evaluations) | \(sci(m.error)) | "
              + "\(sci(m.seconds * 1e3)) ms | \(m.allocationsPerSolve) | \(m.allocationsPerStep.isNaN ? "–" : "\(m.allocationsPerStep)") |")
    }
    let dopri = results.filter { $0.method == "dopri5" }
    for m in results where m.method == "gsl-rkf45" {
        let same = dopri.first { $0.setting == m.setting }!
        var line = "\(name) \(m.setting): rkf45 \(sci(m.seconds * 1e3)) ms (error \(sci(m.error))), dopri5 \(sci(same.seconds * 1e3)) ms "
            + "(error \(sci(same.error))): \(((m.seconds / same.seconds) * 100).rounded() / 100)x at equal tolerance"
        if let t = dopri5Time(atError: m.error, sweep: dopri) {
            line += ", \(((m.seconds / t) * 100).rounded() / 100)x at equal error"
        }
        summary.append(line)
    }
}
print("\nDopri5 speed-up over GSL rkf45:")
for line in summary { print("- " + line) }
