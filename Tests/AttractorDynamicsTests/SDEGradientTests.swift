import Testing
import AttractorNumerics
@testable import AttractorDynamics

/// Geometric Brownian motion on a fixed seeded path: two independent rows, loss Σ X_T.
struct GBMCase {
    let x0: [Double] = [1.0, 0.5]
    let mu = 0.3, sigma = 0.5, seed: UInt64 = 41

    typealias Solver = SDEGradientSolver<DifferentiableGBMDrift<Double>, DifferentiableGBMDiffusion<Double>>

    /// One Brownian path (two rows) shared by every solve: replayed, never stored.
    let path = try! BrownianPath<Double>(t0: 0, t1: 1, rows: 2, width: 1, seed: 41)

    func solver(_ scheme: Solver.Scheme, steps: Int, mu: Double? = nil, sigma: Double? = nil) -> Solver {
        Solver(drift: DifferentiableGBMDrift(mu: mu ?? self.mu), diffusion: DifferentiableGBMDiffusion(sigma: sigma ?? self.sigma),
               scheme: scheme, steps: steps, from: 0, to: 1, brownian: path)
    }

    /// Pathwise central differences of Σ X_T with respect to (x0, μ, σ) on the same path.
    func finiteDifferences(_ scheme: Solver.Scheme, steps: Int) throws -> (x0: [Double], theta: [Double]) {
        let loss = TerminalLoss<Double>.sum
        let gx = try FiniteDifference.gradient(at: x0, epsilon: 1e-6) { loss.value(try solver(scheme, steps: steps).solve(initialState: $0, rows: 2)) }
        let gt = try FiniteDifference.gradient(at: [mu, sigma], epsilon: 1e-6) {
            loss.value(try solver(scheme, steps: steps, mu: $0[0], sigma: $0[1]).solve(initialState: x0, rows: 2))
        }
        return (gx, gt)
    }
}

@Suite struct SDEGradientTests {
    let problem = GBMCase()

    @Test(arguments: GBMCase.Solver.Scheme.allCases)
    func backpropMatchesPathwiseFiniteDifferences(scheme: GBMCase.Solver.Scheme) throws {
        let steps = 100
        let r = try problem.solver(scheme, steps: steps).gradient(initialState: problem.x0, rows: 2, loss: .sum, strategy: .backprop)
        let fd = try problem.finiteDifferences(scheme, steps: steps)
        #expect(FiniteDifference.relativeError(r.initialStateGradient, fd.x0) < 1e-8)
        #expect(FiniteDifference.relativeError(r.parameterGradient, fd.theta) < 1e-8)
    }

    @Test(arguments: GBMCase.Solver.Scheme.allCases)
    func adjointConvergesToPathwiseFiniteDifferences(scheme: GBMCase.Solver.Scheme) throws {
        var errors: [Double] = []
        for steps in [50, 400, 3200] {
            let r = try problem.solver(scheme, steps: steps).gradient(initialState: problem.x0, rows: 2, loss: .sum,
                                                                      strategy: .adjoint(checkpoints: 1))
            let fd = try problem.finiteDifferences(scheme, steps: steps)
            errors.append(FiniteDifference.relativeError(r.parameterGradient, fd.theta))
            #expect(FiniteDifference.relativeError(r.initialStateGradient, fd.x0) < 5e-2)
        }
        #expect(errors[2] < errors[0])
        #expect(errors[2] < (scheme == .stochasticHeun ? 1e-3 : 2e-2))
    }

    @Test func backpropMatchesTheExactPathwiseGradientAsStepsGrow() throws {
        // Itô GBM: X_T = X0 exp((μ − σ²/2)T + σW_T), ∂X_T/∂μ = T X_T, ∂X_T/∂σ = (W_T − σT) X_T.
        let steps = 4000
        let s = problem.solver(.eulerMaruyama, steps: steps)
        let r = try s.gradient(initialState: problem.x0, rows: 2, loss: .sum, strategy: .backprop)
        let w = try problem.path.value(at: 1)
        let xT = (0..<2).map { problem.x0[$0] * Double.exp((problem.mu - problem.sigma * problem.sigma / 2) + problem.sigma * w[$0]) }
        let exact = [xT.reduce(0, +), (0..<2).reduce(0.0) { $0 + (w[$1] - problem.sigma) * xT[$1] }]
        #expect(FiniteDifference.relativeError(r.parameterGradient, exact) < 2e-2)
    }

    /// The discrete map differentiated here is the solver core's: same grid, same path,
    /// same arithmetic, so the final states agree bit for bit.
    @Test(arguments: GBMCase.Solver.Scheme.allCases)
    func forwardPassIsTheSolverCoresScheme(scheme: GBMCase.Solver.Scheme) throws {
        let steps = 300
        let ours = try problem.solver(scheme, steps: steps).solve(initialState: problem.x0, rows: 2)
        let core = try SDESolver.solve(scheme == .eulerMaruyama ? .eulerMaruyama : .stochasticHeun,
                                       drift: DifferentiableGBMDrift<Double>(mu: problem.mu),
                                       noise: DifferentiableGBMDiffusion<Double>(sigma: problem.sigma),
                                       initialState: problem.x0, rows: 2, t0: 0, t1: 1, dt: 1.0 / Double(steps),
                                       path: problem.path)
        #expect(ours == core.finalState)
    }

    @Test func mismatchedNoiseIsAnError() throws {
        let s = GBMCase.Solver(drift: DifferentiableGBMDrift(mu: 0.1), diffusion: DifferentiableGBMDiffusion(sigma: 0.2),
                               scheme: .eulerMaruyama, steps: 10, brownian: try BrownianPath(t1: 1, rows: 3, width: 1, seed: 1))
        #expect(throws: GradientError.solver(.dimensionMismatch(expected: 2, got: 3, what: "Brownian path channels"))) {
            try s.gradient(initialState: [1, 1], rows: 2, loss: .sum, strategy: .backprop)
        }
    }
}
