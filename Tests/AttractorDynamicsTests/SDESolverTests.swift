import Testing
import AttractorDynamics
import Foundation

@Suite struct SDEConvergenceTests {
    /// Higham's GBM test problem (μ 2, σ 1, X₀ 1, T 1): strong errors on one Brownian path per
    /// 1000 rows, dt = 2⁻⁴ … 2⁻⁹ (five halvings).
    static let problem = GeometricBrownianMotion<Double>(mu: 2, sigma: 1)
    static let levels = [4, 5, 6, 7, 8, 9]
    static var steps: [Double] { levels.map { Double(sign: .plus, exponent: -$0, significand: 1) } }
    static func itoExact(_ w: Double) -> Double { problem.exactSolution(at: 1, brownian: w) }

    @Test(arguments: [UInt64(1), 2])
    func eulerMaruyamaStrongOrderOneHalf(seed: UInt64) throws {
        let e = try SDETestSupport.strongErrors(.eulerMaruyama, problem: Self.problem, paths: 1000, seed: seed,
                                                levels: Self.levels, exact: Self.itoExact)
        let order = SDETestSupport.slope(steps: Self.steps, errors: e)
        #expect(abs(order - 0.5) <= 0.15, "EM strong order \(order), errors \(e)")
    }

    @Test(arguments: [UInt64(1), 2])
    func milsteinStrongOrderOne(seed: UInt64) throws {
        let e = try SDETestSupport.strongErrors(.milstein, problem: Self.problem, paths: 1000, seed: seed,
                                                levels: Self.levels, exact: Self.itoExact)
        let order = SDETestSupport.slope(steps: Self.steps, errors: e)
        #expect(abs(order - 1) <= 0.15, "Milstein strong order \(order), errors \(e)")
    }

    @Test func eulerMaruyamaWeakOrderOne() throws {
        // E[X_N] = X₀(1 + μh)^N, so the weak error is ≈ X₀e^{μT}μ²h/2; 20000 rows keep the
        // Monte Carlo error (≈ 0.003) an order below the smallest weak error (≈ 0.04).
        let problem = GeometricBrownianMotion<Double>(mu: 1.5, sigma: 0.1)
        let levels = [3, 4, 5, 6, 7]
        let e = try SDETestSupport.weakErrors(.eulerMaruyama, problem: problem, paths: 20_000, seed: 3, levels: levels)
        let order = SDETestSupport.slope(steps: levels.map { pow(2, -Double($0)) }, errors: e)
        #expect(abs(order - 1) <= 0.15, "EM weak order \(order), errors \(e)")
    }

    @Test func stochasticHeunConvergesToTheStratonovichSolution() throws {
        // Written in Stratonovich form, the drift is (μ − σ²/2)X and Heun converges, with
        // strong order 1 (scalar noise per component commutes), to the same process.
        let stratonovich = Self.problem.withCalculus(.stratonovich)
        let e = try SDETestSupport.strongErrors(.stochasticHeun, problem: stratonovich, paths: 1000, seed: 4,
                                                levels: Self.levels, exact: Self.itoExact)
        let order = SDETestSupport.slope(steps: Self.steps, errors: e)
        #expect(abs(order - 1) <= 0.15, "Heun strong order \(order), errors \(e)")
        #expect(e.last! < 0.03)

        // Fed the Itô drift μX, Heun solves dX = μX dt + σX∘dW: X = X₀exp(μT + σW_T), not the
        // Itô solution; Euler–Maruyama on the same path goes to the Itô one.
        let (heun, wT) = try SDETestSupport.finalStates(.stochasticHeun, problem: Self.problem, paths: 500,
                                                        seed: 4, levels: [9])
        let (em, _) = try SDETestSupport.finalStates(.eulerMaruyama, problem: Self.problem, paths: 500,
                                                     seed: 4, levels: [12])
        func meanError(_ x: [Double], _ exact: (Double) -> Double) -> Double {
            zip(x, wT).map { abs($0 - exact($1)) }.reduce(0, +) / Double(x.count)
        }
        let stratonovichExact = { (w: Double) in exp(2 + w) }
        #expect(meanError(heun[0], stratonovichExact) < 0.05)
        #expect(meanError(heun[0], Self.itoExact) > 1)
        #expect(meanError(em[0], Self.itoExact) < 0.2)
        #expect(meanError(em[0], stratonovichExact) > 1)
    }
}

@Suite struct SDESolverTests {
    @Test func ornsteinUhlenbeckReachesItsStationaryVariance() throws {
        let ou = OrnsteinUhlenbeck<Double>(theta: 2, mu: 1, sigma: 1, x0: 0)
        #expect(ou.stationaryVariance == 0.25)
        let rows = 10_000
        for method in [SDEMethod.eulerMaruyama, .stochasticHeun] {
            let s = try SDESolver.solve(method, drift: ou, noise: ou, initialState: [Double](repeating: 0, count: rows),
                                        rows: rows, t1: 5, dt: 0x1p-7, seed: 17)
            let (mean, variance) = SDEEnsemble.sampleMoments(s.finalState, rows: rows, dimension: 1)
            #expect(abs(mean[0] - 1) < 0.02, "\(method) mean \(mean[0])")
            #expect(abs(variance[0] - 0.25) < 0.015, "\(method) variance \(variance[0])")
        }
    }

    @Test func milsteinEqualsEulerMaruyamaForAdditiveNoise() throws {
        let ou = OrnsteinUhlenbeck<Double>(dimension: 2)
        let path = try BrownianPath<Double>(t1: 1, rows: 5, width: 2, seed: 6)
        let x0 = [Double](repeating: 0.5, count: 10)
        let em = try SDESolver.solve(.eulerMaruyama, drift: ou, noise: ou, initialState: x0, rows: 5, t1: 1, dt: 0.05, path: path)
        let mil = try SDESolver.solve(.milstein, drift: ou, noise: ou, initialState: x0, rows: 5, t1: 1, dt: 0.05, path: path)
        #expect(em.finalState == mil.finalState)
        // Additive noise needs no derivative.
        let noDerivative = ConstantNoise(dimension: 2, sigma: 0.5)
        let bare = try SDESolver.solve(.milstein, drift: ou, noise: noDerivative, initialState: x0, rows: 5, t1: 1,
                                       dt: 0.05, path: path)
        #expect(bare.finalState == em.finalState)
    }

    @Test func milsteinWithoutDiffusionDerivativeIsRefused() throws {
        let gbm = GeometricBrownianMotion<Double>()
        let noise = ProportionalNoiseWithoutDerivative(dimension: 1, sigma: 0.4)
        #expect(throws: SolverError.self) {
            try SDESolver.solve(.milstein, drift: gbm, noise: noise, initialState: [1], rows: 1, t1: 1, dt: 0.1, seed: 1)
        }
        do {
            _ = try SDESolver.solve(.milstein, drift: gbm, noise: noise, initialState: [1], rows: 1, t1: 1, dt: 0.1, seed: 1)
        } catch let SolverError.methodCannotSolve(method, reason) {
            #expect(method == "milstein")
            #expect(reason.contains("diffusionDerivative"))
        }
        // Euler–Maruyama and Heun do not need it.
        _ = try SDESolver.solve(.eulerMaruyama, drift: gbm, noise: noise, initialState: [1], rows: 1, t1: 1, dt: 0.1, seed: 1)
    }

    @Test func scalarNoiseSharesOneBrownianMotionPerRow() throws {
        // dX_i = σ dW (the same W for both components): the components stay equal.
        let drift = ClosureVectorField<Double>(dimension: 2) { _, _, f, rows in
            f.update(repeating: 0, count: rows.count * 2)
        }
        let noise = ScalarNoise(dimension: 2, sigma: 0.7)
        let path = try BrownianPath<Double>(t1: 1, rows: 3, width: 1, seed: 2)
        let s = try SDESolver.solve(.eulerMaruyama, drift: drift, noise: noise, initialState: [Double](repeating: 0, count: 6),
                                    rows: 3, t1: 1, dt: 0.125, path: path)
        let w1 = try path.value(at: 1)
        for r in 0..<3 {
            #expect(abs(s.finalState[2 * r] - 0.7 * w1[r]) < 1e-12)
            #expect(s.finalState[2 * r] == s.finalState[2 * r + 1])
        }
        // A path of the wrong width is refused.
        let wide = try BrownianPath<Double>(t1: 1, rows: 3, width: 2, seed: 2)
        #expect(throws: SolverError.dimensionMismatch(expected: 1, got: 2, what: "Brownian width (scalar noise)")) {
            try SDESolver.solve(.eulerMaruyama, drift: drift, noise: noise, initialState: [Double](repeating: 0, count: 6),
                                rows: 3, t1: 1, dt: 0.125, path: wide)
        }
    }

    @Test func statisticsAndTrajectory() throws {
        let gbm = GeometricBrownianMotion<Double>()
        let expectations: [(SDEMethod, Int, Int)] = [(.eulerMaruyama, 4, 4), (.milstein, 4, 8), (.stochasticHeun, 8, 8)]
        for (method, f, g) in expectations {
            // dt 0.3 on [0, 1]: steps at 0, 0.3, 0.6, 0.9 and a last short one to 1.
            let s = try SDESolver.solve(method, drift: gbm, noise: gbm, initialState: [1, 2], rows: 2, t1: 1, dt: 0.3,
                                        seed: 5, saveTrajectory: true)
            #expect(s.statistics.steps == 4)
            #expect(s.statistics.functionEvaluations == f)
            #expect(s.statistics.diffusionEvaluations == g)
            #expect(s.statistics.rowEvaluations == 2 * f)
            #expect(s.times.count == 5 && s.times.last == 1)
            #expect(abs(s.times[3] - 0.9) < 1e-15)
            #expect(Array(s.trajectory.prefix(2)) == [1, 2])
            #expect(Array(s.trajectory.suffix(2)) == s.finalState)
        }
        #expect(SDESolver.steps(t0: 0, t1: 0.7, dt: 0.1) == 7)
    }

    @Test func sameSeedSameSolutionAndFloatTracksDouble() throws {
        let gbm = GeometricBrownianMotion<Double>(dimension: 3)
        let a = try SDESolver.solve(.milstein, drift: gbm, noise: gbm, initialState: [Double](repeating: 1, count: 12),
                                    rows: 4, t1: 1, dt: 0x1p-6, seed: 8)
        let b = try SDESolver.solve(.milstein, drift: gbm, noise: gbm, initialState: [Double](repeating: 1, count: 12),
                                    rows: 4, t1: 1, dt: 0x1p-6, seed: 8)
        let c = try SDESolver.solve(.milstein, drift: gbm, noise: gbm, initialState: [Double](repeating: 1, count: 12),
                                    rows: 4, t1: 1, dt: 0x1p-6, seed: 9)
        #expect(a.finalState == b.finalState)
        #expect(a.finalState != c.finalState)
        let gbmFloat = GeometricBrownianMotion<Float>(dimension: 3)
        let f = try SDESolver.solve(.milstein, drift: gbmFloat, noise: gbmFloat, initialState: [Float](repeating: 1, count: 12),
                                    rows: 4, t1: 1, dt: 0x1p-6, seed: 8)
        for k in a.finalState.indices { #expect(abs(Double(f.finalState[k]) - a.finalState[k]) < 1e-4 * a.finalState[k]) }
    }

    @Test func streamIncrementsDriveTheSolverForwardOnly() throws {
        let ou = OrnsteinUhlenbeck<Double>(theta: 2, mu: 1, sigma: 1)
        let rows = 4000
        let x0 = [Double](repeating: 0, count: rows)
        let stream = try BrownianIncrements<Double>(seed: 3, rows: rows, width: 1)
        let s = try SDESolver.solve(.eulerMaruyama, drift: ou, noise: ou, initialState: x0, rows: rows, t1: 3,
                                    dt: 0.01, increments: stream)
        let (_, v) = SDEEnsemble.sampleMoments(s.finalState, rows: rows, dimension: 1)
        #expect(abs(v[0] - 0.25) < 0.03)
        // A used stream has moved on: reusing it from t0 is refused.
        #expect(throws: SolverError.self) {
            try SDESolver.solve(.eulerMaruyama, drift: ou, noise: ou, initialState: x0, rows: rows, t1: 3, dt: 0.01,
                                increments: stream)
        }
    }

    @Test func badInputsAreTypedErrors() throws {
        let gbm = GeometricBrownianMotion<Double>()
        func run(dt: Double = 0.1, t0: Double = 0, t1: Double = 1, x0: [Double] = [1], rows: Int = 1) throws {
            _ = try SDESolver.solve(.eulerMaruyama, drift: gbm, noise: gbm, initialState: x0, rows: rows, t0: t0,
                                    t1: t1, dt: dt, seed: 1)
        }
        #expect(throws: SolverError.invalidStepSize(0)) { try run(dt: 0) }
        #expect(throws: SolverError.invalidStepSize(-0.1)) { try run(dt: -0.1) }
        #expect(throws: SolverError.self) { try run(dt: .nan) }
        #expect(throws: SolverError.invalidTimeSpan(t0: 1, t1: 1)) { try run(t0: 1, t1: 1) }
        #expect(throws: SolverError.invalidTimeSpan(t0: 2, t1: 1)) { try run(t0: 2, t1: 1) }
        #expect(throws: SolverError.self) { try run(t1: .infinity) }
        #expect(throws: SolverError.dimensionMismatch(expected: 2, got: 3, what: "initial state")) { try run(x0: [1, 1, 1], rows: 2) }
        #expect(throws: SolverError.nonFiniteState(t: 0, row: 1)) { try run(x0: [1, .nan], rows: 2) }
        // A path that ends before t1.
        let short = try BrownianPath<Double>(t1: 0.5, rows: 1, width: 1, seed: 1)
        #expect(throws: SolverError.invalidTimeSpan(t0: 0, t1: 0.5)) {
            try SDESolver.solve(.eulerMaruyama, drift: gbm, noise: gbm, initialState: [1], rows: 1, t1: 1, dt: 0.1, path: short)
        }
        // Drift and noise of different dimensions.
        let wide = GeometricBrownianMotion<Double>(dimension: 2)
        #expect(throws: SolverError.dimensionMismatch(expected: 1, got: 2, what: "noise field dimension")) {
            try SDESolver.solve(.eulerMaruyama, drift: gbm, noise: wide, initialState: [1], rows: 1, t1: 1, dt: 0.1, seed: 1)
        }
    }

    @Test func divergingStateIsReportedWithRowAndTime() throws {
        // Row 2's drift turns NaN from t = 0.5 on (the step 0.5 → 0.75).
        let drift = ClosureVectorField<Double>(dimension: 1) { t, _, f, rows in
            for r in 0..<rows.count { f[r] = (r == 2 && t >= 0.5) ? .nan : 0 }
        }
        let noise = ConstantNoise(dimension: 1, sigma: 0.1)
        #expect(throws: SolverError.nonFiniteState(t: 0.75, row: 2)) {
            try SDESolver.solve(.eulerMaruyama, drift: drift, noise: noise, initialState: [0, 0, 0], rows: 3, t1: 1,
                                dt: 0.25, seed: 1)
        }
        // Overflow to Inf in GBM with a huge drift.
        let explosive = GeometricBrownianMotion<Double>(mu: 1e300, sigma: 0.1)
        #expect(throws: SolverError.self) {
            try SDESolver.solve(.eulerMaruyama, drift: explosive, noise: explosive, initialState: [1], rows: 1, t1: 1,
                                dt: 0.1, seed: 1)
        }
    }
}

/// Additive noise `g = σ` without a diffusion derivative.
struct ConstantNoise: NoiseField {
    let dimension: Int
    let sigma: Double
    var noiseKind: NoiseKind { .additive }
    func diffusion(t: Double, state: UnsafePointer<Double>, diffusion: UnsafeMutablePointer<Double>, rows: RowSelection) {
        diffusion.update(repeating: sigma, count: rows.count * dimension)
    }
}

/// Scalar noise `g = σ·1`: one Brownian motion drives every component of a row.
struct ScalarNoise: NoiseField {
    let dimension: Int
    let sigma: Double
    var noiseKind: NoiseKind { .scalar }
    func diffusion(t: Double, state: UnsafePointer<Double>, diffusion: UnsafeMutablePointer<Double>, rows: RowSelection) {
        diffusion.update(repeating: sigma, count: rows.count * dimension)
    }
}

/// Diagonal noise `g = σz` that does not supply `∂g/∂z`.
struct ProportionalNoiseWithoutDerivative: NoiseField {
    let dimension: Int
    let sigma: Double
    var noiseKind: NoiseKind { .diagonal }
    func diffusion(t: Double, state: UnsafePointer<Double>, diffusion: UnsafeMutablePointer<Double>, rows: RowSelection) {
        for k in 0..<(rows.count * dimension) { diffusion[k] = sigma * state[k] }
    }
}
