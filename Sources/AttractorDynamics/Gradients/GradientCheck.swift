import AttractorNumerics

/// Checks every gradient strategy on the built-in problems against central finite
/// differences (and closed forms), in Double. The library side of `attractor gradcheck`.
public enum GradientCheck {
    public static let problems = ["contraction", "gbm"]

    /// Runs the check for `problem` (`contraction` or `gbm`).
    public static func run(problem: String, repeats: Int = 3) throws(GradientError) -> GradientCheckReport {
        switch problem {
        case "contraction": return try contraction(repeats: repeats)
        case "gbm": return try gbm(repeats: repeats)
        default: throw .invalidArgument("unknown problem '\(problem)' (known: \(problems.joined(separator: ", ")))")
        }
    }

    /// Median wall time of `body` over `repeats` runs, and its last result.
    static func timed<R>(_ repeats: Int, _ body: () throws(GradientError) -> R) throws(GradientError) -> (R, Double) {
        var times: [Double] = []
        var result: R? = nil
        let clock = ContinuousClock()
        for _ in 0..<max(repeats, 1) {
            let start = clock.now
            result = try body()
            let d = clock.now - start
            times.append(Double(d.components.seconds) + Double(d.components.attoseconds) * 1e-18)
        }
        times.sort()
        return (result!, times[times.count / 2])
    }

    // MARK: contraction

    /// `dz/dt = tanh(W z + b) − z`, D = 6, 3 rows, t ∈ [0, 1], loss ½‖z(1)‖², gradients with
    /// respect to z0, W and b; then ½‖z*‖² at the equilibrium for the implicit gradient.
    static func contraction(repeats: Int) throws(GradientError) -> GradientCheckReport {
        typealias Field = DifferentiableContractionField<Double>
        let d = 6, rows = 3, eps = 1e-6
        let field = Field(dimension: d, contraction: 0.9, seed: 2026)
        var z0 = [Double](repeating: 0, count: rows * d)
        RandomSource(seed: 7).fillGaussian(&z0)
        let loss = TerminalLoss<Double>.halfSquaredNorm
        let theta0 = field.parameters

        func make(_ theta: [Double]) -> Field {
            Field(weight: Array(theta[0..<(d * d)]), bias: Array(theta[(d * d)...]))
        }
        /// FD of the loss of `integration`'s solve with respect to (z0, θ).
        func fd(_ integration: GradientIntegration) throws(GradientError) -> [Double] {
            let packed = z0 + theta0
            return try FiniteDifference.gradient(at: packed, epsilon: eps) { x throws(GradientError) in
                let s = ODEGradientSolver(field: make(Array(x[(rows * d)...])), integration: integration)
                return loss.value(try s.solve(initialState: Array(x[0..<(rows * d)]), rows: rows).finalState)
            }
        }

        var out: [GradientCheckReport.Row] = []
        var notes: [String] = []
        func add(_ name: String, exact: Bool, _ integration: GradientIntegration, _ strategy: GradientStrategy,
                 reference: [Double]) throws(GradientError) {
            let s = ODEGradientSolver(field: field, integration: integration)
            let (r, seconds) = try timed(repeats) { () throws(GradientError) in
                try s.gradient(initialState: z0, rows: rows, loss: loss, strategy: strategy)
            }
            let g = r.initialStateGradient + r.parameterGradient
            out.append(.init(strategy: name, exact: exact,
                             relativeErrorFD: FiniteDifference.relativeError(g, reference), relativeErrorExact: nil,
                             seconds: seconds, peakBytes: r.statistics.peakBytes,
                             functionEvaluations: r.statistics.forwardEvaluations + r.statistics.backwardEvaluations,
                             vectorJacobianProducts: r.statistics.vectorJacobianProducts, gradient: g))
        }

        let rk4 = GradientIntegration.fixed(.rk4, steps: 40)
        let fdRK4 = try fd(rk4)
        try add("backprop rk4 N=40", exact: true, rk4, .backprop, reference: fdRK4)
        try add("checkpointed(every: 5) rk4 N=40", exact: true, rk4, .checkpointed(every: 5), reference: fdRK4)
        let euler = GradientIntegration.fixed(.euler, steps: 40)
        try add("backprop euler N=40", exact: true, euler, .backprop, reference: try fd(euler))
        let tightDopri = GradientIntegration.adaptive(.dormandPrince54, rtol: 1e-10, atol: 1e-10)
        try add("backprop dopri5 tol=1e-10", exact: true, tightDopri, .backprop, reference: try fd(tightDopri))
        try add("adjoint(checkpoints: 4) rk4 N=40", exact: false, rk4, .adjoint(checkpoints: 4), reference: fdRK4)
        // The continuous gradient: FD of a very accurate solve.
        let fdContinuous = try fd(.adaptive(.dormandPrince54, rtol: 1e-13, atol: 1e-13))
        for tol in [1e-3, 1e-5, 1e-7, 1e-9, 1e-11] {
            try add("adjoint(checkpoints: 1) dopri5 tol=\(tol)", exact: false,
                    .adaptive(.dormandPrince54, rtol: tol, atol: tol), .adjoint(checkpoints: 1), reference: fdContinuous)
        }
        try add("truncated(steps: 1) rk4 N=40", exact: false, rk4, .truncated(steps: 1), reference: fdRK4)
        notes.append("adjoint dopri5 rows compare with finite differences of a dopri5 solve at tol 1e-13 (the continuous gradient)")
        notes.append("truncated rows are not meant to match: they drop all but the last step's dependence (∂L/∂z0 = 0)")

        // Implicit gradient at the equilibrium, loss ½‖z*‖², gradient with respect to θ.
        let (zStar, _) = try EquilibriumSearch.run(field, from: z0, rows: rows, tolerance: 3e-13)
        let fdImplicit = try FiniteDifference.gradient(at: theta0, epsilon: eps) { theta throws(GradientError) in
            loss.value(try EquilibriumSearch.run(make(theta), from: zStar, rows: rows, tolerance: 3e-13).equilibrium)
        }
        for method in [ImplicitGradient<Field>.Method.fixedPoint, .anderson] {
            let ig = ImplicitGradient(field: field, method: method, tolerance: 1e-12)
            let (r, seconds) = try timed(repeats) { () throws(GradientError) in
                try ig.gradient(equilibrium: zStar, rows: rows, loss: loss)
            }
            out.append(.init(strategy: "implicit \(method) tol=1e-12 (equilibrium)", exact: true,
                             relativeErrorFD: FiniteDifference.relativeError(r.parameterGradient, fdImplicit),
                             relativeErrorExact: nil, seconds: seconds, peakBytes: r.peakBytes,
                             functionEvaluations: 0, vectorJacobianProducts: r.vectorJacobianProducts,
                             gradient: r.parameterGradient))
        }
        notes.append("implicit rows: loss ½‖z*‖² at the equilibrium, gradient with respect to W, b only; FD re-solves the equilibrium to ‖f(z*)‖₂ ≤ 3e-13 (solver-core steady-state event)")
        return GradientCheckReport(problem: "contraction", loss: "½‖z(1)‖²", parameters: ["z0 [3,6]", "W [6,6]", "b [6]"],
                                   finiteDifferenceStep: eps, rows: out, notes: notes)
    }

    // MARK: gbm

    /// `dX = μX dt + σX dW`, X0 = 1, t ∈ [0, 1], one fixed seeded path, loss X_T.
    static func gbm(repeats: Int) throws(GradientError) -> GradientCheckReport {
        typealias Solver = SDEGradientSolver<DifferentiableGBMDrift<Double>, DifferentiableGBMDiffusion<Double>>
        let mu = 0.3, sigma = 0.5, x0 = [1.0], steps = 1024, seed: UInt64 = 2026, eps = 1e-6
        let path: BrownianPath<Double>
        let wT: Double
        do {
            path = try BrownianPath<Double>(t0: 0, t1: 1, rows: 1, width: 1, seed: seed, tolerance: 1 / Double(steps))
            wT = try path.value(at: 1)[0]
        } catch {
            throw .invalidArgument("Brownian path: \(error)")
        }
        func solver(_ scheme: Solver.Scheme, _ mu: Double, _ sigma: Double) -> Solver {
            Solver(drift: DifferentiableGBMDrift(mu: mu), diffusion: DifferentiableGBMDiffusion(sigma: sigma),
                   scheme: scheme, steps: steps, brownian: path)
        }
        var out: [GradientCheckReport.Row] = []
        for scheme in Solver.Scheme.allCases {
            let fd = try FiniteDifference.gradient(at: [x0[0], mu, sigma], epsilon: eps) { x throws(GradientError) in
                try solver(scheme, x[1], x[2]).solve(initialState: [x[0]], rows: 1)[0]
            }
            // Closed forms: Itô for Euler–Maruyama, Stratonovich for Heun.
            let exact: [Double]
            if scheme == .eulerMaruyama {
                let xT = Double.exp(mu - sigma * sigma / 2 + sigma * wT)
                exact = [xT, xT, (wT - sigma) * xT]
            } else {
                let xT = Double.exp(mu + sigma * wT)
                exact = [xT, xT, wT * xT]
            }
            for strategy in [Solver.Strategy.backprop, .adjoint(checkpoints: 1), .adjoint(checkpoints: 10)] {
                let s = solver(scheme, mu, sigma)
                let (r, seconds) = try timed(repeats) { () throws(GradientError) in
                    try s.gradient(initialState: x0, rows: 1, loss: .sum, strategy: strategy)
                }
                let g = r.initialStateGradient + r.parameterGradient
                out.append(.init(strategy: "\(strategy) \(scheme.rawValue) N=\(steps)", exact: strategy == .backprop,
                                 relativeErrorFD: FiniteDifference.relativeError(g, fd),
                                 relativeErrorExact: FiniteDifference.relativeError(g, exact),
                                 seconds: seconds, peakBytes: r.statistics.peakBytes,
                                 functionEvaluations: r.statistics.forwardEvaluations + r.statistics.backwardEvaluations,
                                 vectorJacobianProducts: r.statistics.vectorJacobianProducts, gradient: g))
            }
        }
        return GradientCheckReport(
            problem: "gbm", loss: "X_T", parameters: ["x0", "mu", "sigma"], finiteDifferenceStep: eps, rows: out,
            notes: ["μ = 0.3, σ = 0.5, X0 = 1, T = 1, N = 1024 (dyadic: every step time is a node of the path), one BrownianPath (seed 2026, replayed backward), W_T = \(wT)",
                    "exact (Itô, Euler–Maruyama): dX_T/dμ = T·X_T, dX_T/dσ = (W_T − σT)·X_T with X_T = X0·exp((μ − σ²/2)T + σW_T)",
                    "exact (Stratonovich, stochastic Heun): dX_T/dσ = W_T·X_T with X_T = X0·exp(μT + σW_T)",
                    "FD differentiates the discrete scheme on the same path; the closed forms differ from it by the scheme's strong error"])
    }
}
