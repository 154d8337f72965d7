import AttractorDynamics
import AttractorNumerics
import Foundation

/// The `solvers` checks, as library code over the solver core: observed orders of the
/// fixed-step tableaus, adaptive methods against a tight GSL rk8pd reference, the stiff
/// solver on Robertson's conservation law, and SDE strong and weak orders on geometric
/// Brownian motion against its exact solution. Each returns a `CheckResult` with the
/// tolerance it applied and a figure of error against step (or tolerance).
public enum SolverValidation {
    /// Least-squares slope of `log y` against `log x` (the observed order).
    public static func logLogSlope(_ x: [Double], _ y: [Double]) -> Double {
        let lx = x.map { Foundation.log($0) }, ly = y.map { Foundation.log($0) }
        let mx = lx.reduce(0, +) / Double(lx.count), my = ly.reduce(0, +) / Double(ly.count)
        var num = 0.0, den = 0.0
        for i in lx.indices {
            num += (lx[i] - mx) * (ly[i] - my)
            den += (lx[i] - mx) * (lx[i] - mx)
        }
        return num / den
    }

    static func wrap<R>(_ body: () throws -> R) throws(StabilityError) -> R {
        do { return try body() } catch let e as StabilityError { throw e } catch { throw .underlying("\(error)") }
    }

    /// `y' = y cos t` (two rows), exact `y₀ e^{sin t}`: non-autonomous so the `c_i` matter.
    static func expSine() -> ClosureVectorField<Double> {
        ClosureVectorField<Double>(dimension: 1) { t, z, f, rows in
            let c = Foundation.cos(t)
            for e in 0..<rows.count { f[e] = z[e] * c }
        }
    }

    /// Observed global order at `t = 2` over `halvings + 1` step sizes from `largestStep`.
    public static func odeOrder(methods: [String], tolerance: Double, largestStep: Double, halvings: Int) throws(StabilityError) -> CheckResult {
        let tableaus: [String: ButcherTableau] = ["euler": .euler, "midpoint": .midpoint, "heun": .heun, "rk4": .rk4,
                                                  "dopri5": .dormandPrince54]
        guard halvings >= 2 else { throw .invalidArgument("ode-order: need at least 2 halvings") }
        var measurements: [CheckResult.Measurement] = []
        var series: [Figure.Series] = []
        let y0 = [1.0, 2.0], t1 = 2.0
        for name in methods {
            guard let tableau = tableaus[name] else { throw .invalidArgument("ode-order: unknown method \(name)") }
            // High orders reach rounding error quickly; start them at a larger step.
            let h0 = tableau.order >= 4 ? largestStep : largestStep / 2
            var steps: [Double] = [], errors: [Double] = []
            for k in 0...halvings {
                let h = h0 / Double(1 << k)
                let sol = try wrap { try ODESolver.solve(expSine(), initialState: y0, t0: 0, t1: t1, method: .rungeKutta(tableau),
                                                         options: SolverOptions(stepSize: h)) }
                let err = (0..<2).map { abs(sol.finalState[flat: $0] - y0[$0] * Foundation.exp(Foundation.sin(t1))) }.max()!
                steps.append(h)
                errors.append(err)
            }
            let order = logLogSlope(steps, errors)
            let expected = Double(tableau.order)
            measurements.append(.init(label: "\(name) observed order", value: order, expected: expected,
                                      criterion: "|p − \(tableau.order)| ≤ \(tolerance)", passed: abs(order - expected) <= tolerance))
            series.append(.init(label: name, x: steps, y: errors))
        }
        return CheckResult(name: "", check: CheckKind.odeOrder.rawValue, measurements: measurements,
                           notes: ["y' = y·cos t, y(0) = (1, 2), global error at t = 2 (max over rows), least-squares slope of log error vs log h"],
                           figures: [Figure(title: "ODE: global error vs step", kind: .line, xLabel: "step h", yLabel: "max error at t = 2",
                                            logX: true, logY: true, series: series)])
    }

    /// Adaptive methods on `problem` against GSL rk8pd at `referenceTolerance`; passes when
    /// every relative error is within `factor × tol` and errors shrink as tol shrinks.
    public static func adaptiveReference(
        methods: [String], problem: String, endTime: Double?, tolerances: [Double], factor: Double, referenceTolerance: Double
    ) throws(StabilityError) -> CheckResult {
        guard let p = ProblemCatalogue.ode(named: problem) else { throw .invalidArgument("unknown problem \(problem)") }
        let t1 = endTime ?? p.t1
        let reference = try wrap {
            try p.solve(t1: t1, method: .gsl(.rk8pd),
                        options: SolverOptions(relativeTolerance: .uniform(referenceTolerance), absoluteTolerance: .uniform(referenceTolerance)))
        }.finalState.scalars
        let refNorm = reference.reduce(0) { $0 + $1 * $1 }.squareRoot()
        var measurements: [CheckResult.Measurement] = []
        var series: [Figure.Series] = []
        for name in methods {
            guard let method = ODEMethod.named(name), method.isAdaptive else { throw .invalidArgument("not an adaptive method: \(name)") }
            var errors: [Double] = [], evals: [Double] = []
            for tol in tolerances {
                let sol = try wrap {
                    try p.solve(t1: t1, method: method,
                                options: SolverOptions(relativeTolerance: .uniform(tol), absoluteTolerance: .uniform(tol * 1e-3)))
                }
                var s = 0.0
                for e in reference.indices { let d = sol.finalState[flat: e] - reference[e]; s += d * d }
                let err = s.squareRoot() / refNorm
                errors.append(err)
                evals.append(Double(sol.statistics.functionEvaluations))
                measurements.append(.init(label: "\(name) rtol \(tol): relative error", value: err,
                                          criterion: "≤ \(factor) × rtol", passed: err <= factor * tol))
            }
            let monotone = zip(errors, errors.dropFirst()).allSatisfy { $1 < $0 }
            measurements.append(.init(label: "\(name): error shrinks with rtol", value: monotone ? 1 : 0,
                                      criterion: "strictly decreasing", passed: monotone))
            series.append(.init(label: name, x: evals, y: errors))
        }
        return CheckResult(name: "", check: CheckKind.adaptiveReference.rawValue, measurements: measurements,
                           notes: ["\(problem) to t = \(t1), reference GSL rk8pd at rtol = atol = \(referenceTolerance); atol = 1e-3·rtol; error ‖Δ‖₂/‖ref‖₂"],
                           figures: [Figure(title: "Adaptive: error vs function evaluations (\(problem))", kind: .line,
                                            xLabel: "function evaluations", yLabel: "relative error", logX: true, logY: true, series: series)])
    }

    /// GSL msbdf on Robertson to t = 40: `y₁ + y₂ + y₃ = 1` within `tolerance`.
    public static func stiffConservation(tolerance: Double, rtol: Double) throws(StabilityError) -> CheckResult {
        let p = ProblemCatalogue.ode(named: "robertson")!
        let sol = try wrap { try p.solve(method: .gsl(.msbdf), options: SolverOptions(relativeTolerance: .uniform(rtol), absoluteTolerance: .uniform(rtol * 1e-4))) }
        let drift = abs(sol.finalState.scalars.reduce(0, +) - 1)
        return CheckResult(name: "", check: CheckKind.stiffConservation.rawValue, measurements: [
            .init(label: "msbdf |y₁+y₂+y₃ − 1| at t = 40", value: drift, criterion: "≤ \(tolerance)", passed: drift <= tolerance),
            .init(label: "msbdf steps", value: Double(sol.statistics.steps)),
        ], notes: ["Robertson (k = 0.04, 3e7, 1e4), rtol \(rtol)"])
    }

    /// Strong (`E|X_T − X(W_T)|`) or weak (`|E X_T − E X(T)|`) errors of the SDE schemes on
    /// GBM at `dt = 2^-k` on one Brownian path per row; the slope is the observed order.
    public static func sdeOrder(strong: Bool, methods: [String], paths: Int, seed: UInt64, tolerance: Double) throws(StabilityError) -> CheckResult {
        guard paths > 0 else { throw .invalidArgument("paths must be positive") }
        var measurements: [CheckResult.Measurement] = []
        var series: [Figure.Series] = []
        for name in methods {
            guard let method = SDEMethod(rawValue: name) else { throw .invalidArgument("unknown SDE method \(name)") }
            // Strong: Higham's μ 2, σ 1 (1000 paths resolve it). Weak: μ 1.5, σ 0.1, where the
            // bias (≈ X₀e^{μT}μ²h/2) stands well above the Monte Carlo error.
            let ito = strong ? GeometricBrownianMotion<Double>(mu: 2, sigma: 1) : GeometricBrownianMotion<Double>(mu: 1.5, sigma: 0.1)
            let problem = method.calculus == .stratonovich ? ito.withCalculus(.stratonovich) : ito
            let levels = strong ? [4, 5, 6, 7, 8, 9] : [3, 4, 5, 6, 7]
            let t1 = 1.0
            let path = try wrap { try BrownianPath<Double>(t1: t1, rows: paths, width: 1, seed: seed, tolerance: t1 * 0x1p-12) }
            let initial = [Double](repeating: problem.x0, count: paths)
            let wT = try wrap { try path.value(at: t1) }
            var steps: [Double] = [], errors: [Double] = []
            for k in levels {
                let dt = Double(sign: .plus, exponent: -k, significand: 1)
                let s = try wrap { try SDESolver.solve(method, drift: problem, noise: problem, initialState: initial, rows: paths,
                                                       t1: t1, dt: dt, path: path) }
                let x = s.finalState
                let err: Double
                if strong {
                    err = zip(x, wT).map { abs($0 - ito.exactSolution(at: t1, brownian: $1)) }.reduce(0, +) / Double(paths)
                } else {
                    err = abs(x.reduce(0, +) / Double(paths) - ito.exactMean(at: t1)[0])
                }
                steps.append(dt)
                errors.append(err)
            }
            let order = logLogSlope(steps, errors)
            let expected = strong ? method.strongOrder : method.weakOrder
            measurements.append(.init(label: "\(name) \(strong ? "strong" : "weak") order", value: order, expected: expected,
                                      criterion: "|p − \(expected)| ≤ \(tolerance)", passed: abs(order - expected) <= tolerance))
            series.append(.init(label: name, x: steps, y: errors))
        }
        let kind = strong ? "strong" : "weak"
        return CheckResult(name: "", check: (strong ? CheckKind.sdeStrongOrder : .sdeWeakOrder).rawValue, measurements: measurements,
                           notes: [strong ? "GBM μ 2, σ 1, X₀ 1, T 1, \(paths) paths (seed \(seed)), dt = 2⁻⁴…2⁻⁹, exact solution on the same Brownian path (Heun: Stratonovich drift)"
                                          : "GBM μ 1.5, σ 0.1, X₀ 1, T 1, \(paths) paths (seed \(seed)), dt = 2⁻³…2⁻⁷, against E X_T = X₀e^{μT}"],
                           figures: [Figure(title: "SDE: \(kind) error vs step", kind: .line, xLabel: "dt", yLabel: "\(kind) error",
                                            logX: true, logY: true, series: series)])
    }
}
