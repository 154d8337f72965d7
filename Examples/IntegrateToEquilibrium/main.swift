// Integrate a batch of latent states to equilibrium:  dz/dt = tanh(W z + b) − z.
//
//   swift run IntegrateToEquilibrium [dimension] [rows]
//
// W is a seeded random matrix scaled to spectral norm 0.9, so F(z) = tanh(Wz + b) is a
// contraction and every row converges to the same unique equilibrium z* = F(z*). The
// steady-state event retires each row once ‖f(t, z)‖ ≤ atol + rtol·‖z‖; retired rows
// are no longer evaluated, which the per-row evaluation counts show.
import AttractorDynamics
import AttractorNumerics

let arguments = CommandLine.arguments.dropFirst().compactMap { Int($0) }
let dimension = arguments.first ?? 32
let rows = arguments.dropFirst().first ?? 6

let field = ContractionField<Double>(dimension: dimension, seed: 42)
let event = SteadyStateEvent(relativeTolerance: 1e-8, absoluteTolerance: 1e-10)
// Rows start at distances 10⁰, 10⁻¹, … from the equilibrium (found by a first solve),
// so they converge at different times.
let direction = field.initialState(rows: 1, seed: 7)
var start = direction.map { 3 * $0 }
if let equilibrium = try? ODESolver.solve(field, initialState: start, t0: 0, t1: 1_000, method: .dormandPrince54,
                                          options: SolverOptions(relativeTolerance: 1e-10, absoluteTolerance: 1e-12,
                                                                 steadyState: SteadyStateEvent(relativeTolerance: 1e-12, absoluteTolerance: 1e-13))) {
    start = []
    var scale = 1.0
    for _ in 0..<rows {
        for c in 0..<dimension { start.append(equilibrium.finalState[0, c] + scale * direction[c]) }
        scale /= 10
    }
}

let options = SolverOptions(relativeTolerance: 1e-8, absoluteTolerance: 1e-10, steadyState: event)
do {
    let solution = try ODESolver.solve(field, initialState: start, t0: 0, t1: 1_000, method: .dormandPrince54, options: options)
    let report = solution.steadyState!
    print("dz/dt = tanh(Wz + b) − z, dimension \(dimension), \(rows) rows, Dormand–Prince 5(4)")
    print("row  ‖z0‖        t_steady   residual    f-evals")
    for r in 0..<rows {
        let z0 = start[(r * dimension)..<((r + 1) * dimension)].reduce(0) { $0 + $1 * $1 }.squareRoot()
        print(String(r).padding(5) + fmt(z0).padding(12) + fmt(report.time[r]).padding(11)
              + fmt(report.residual[r]).padding(12) + "\(report.rowEvaluations[r])")
    }
    // Every row reached the same equilibrium.
    var spread = 0.0
    for r in 1..<rows {
        for c in 0..<dimension { spread = max(spread, abs(solution.finalState[r, c] - solution.finalState[0, c])) }
    }
    print("all converged: \(report.allConverged), largest difference between rows' equilibria: \(fmt(spread))")
    print("steps \(solution.statistics.steps), rejected \(solution.statistics.rejectedSteps), "
          + "row evaluations \(solution.statistics.rowEvaluations) (vs \(solution.statistics.functionEvaluations * rows) without retirement)")
} catch {
    print("error: \(error)")
}

func fmt(_ x: Double) -> String {
    guard x != 0 else { return "0" }
    let e = Int(x.magnitude.log10Floor)
    let m = x / Double.pow10(e)
    return "\((m * 1000).rounded() / 1000)e\(e)"
}

extension Double {
    var log10Floor: Double {
        var e = 0.0, v = self
        while v >= 10 { v /= 10; e += 1 }
        while v < 1 { v *= 10; e -= 1 }
        return e
    }
    static func pow10(_ e: Int) -> Double {
        var r = 1.0
        for _ in 0..<abs(e) { r *= 10 }
        return e >= 0 ? r : 1 / r
    }
}

extension String {
    func padding(_ n: Int) -> String { count >= n ? self + " " : self + String(repeating: " ", count: n - count) }
}
