import Testing
import AttractorDynamics
import Foundation

@Suite struct SDEEnsembleTests {
    @Test(arguments: ["euler-maruyama", "milstein", "sde-heun"])
    func gbmEnsembleMatchesExactMoments(method: String) throws {
        let r = try SDECatalogue.run(problem: "gbm", method: method, seed: 1, paths: 4000)
        // Defaults: μ 0.5, σ 0.4, X₀ 1, T 1.
        #expect(r.parameters == [SDEParameter("mu", 0.5), SDEParameter("sigma", 0.4), SDEParameter("x0", 1)])
        #expect(abs(r.exactMean[0] - exp(0.5)) < 1e-14)
        #expect(abs(r.exactVariance[0] - exp(1.0) * (exp(0.16) - 1)) < 1e-14)
        #expect(r.t1 == 1 && r.dt == 0.01 && r.paths == 4000 && r.finalState.count == 4000)
        #expect(r.statistics.steps == 100)
        #expect(abs(r.mean[0] - r.exactMean[0]) < 4 * r.meanStandardError[0], "\(method) mean \(r.mean) vs \(r.exactMean)")
        #expect(abs(r.variance[0] / r.exactVariance[0] - 1) < 0.12, "\(method) variance \(r.variance) vs \(r.exactVariance)")
        #expect(r.solveSeconds > 0)
    }

    @Test func ouEnsembleMatchesExactMoments() throws {
        let r = try SDECatalogue.run(problem: "ou", method: "euler-maruyama", dt: 0.02, t1: 2, seed: 2, paths: 4000)
        let ou = OrnsteinUhlenbeck<Double>()
        #expect(r.t1 == 2)
        #expect(r.exactMean == ou.exactMean(at: 2))
        #expect(abs(r.exactVariance[0] - 0.125 * (1 - exp(-4))) < 1e-14)
        #expect(abs(r.mean[0] - r.exactMean[0]) < 4 * r.meanStandardError[0])
        #expect(abs(r.variance[0] / r.exactVariance[0] - 1) < 0.1)
    }

    @Test func sameSeedSameEnsembleOtherSeedOther() throws {
        let a = try SDECatalogue.run(problem: "gbm", method: "milstein", seed: 5, paths: 50, repeats: 3)
        let b = try SDECatalogue.run(problem: "gbm", method: "milstein", seed: 5, paths: 50)
        let c = try SDECatalogue.run(problem: "gbm", method: "milstein", seed: 6, paths: 50)
        #expect(a.finalState == b.finalState && a.mean == b.mean)
        #expect(a.mean != c.mean)
    }

    @Test func unknownNamesListTheValidChoices() throws {
        #expect(throws: SDECatalogueError.unknownProblem("lorenz", valid: ["gbm", "ou"])) {
            try SDECatalogue.run(problem: "lorenz", method: "milstein")
        }
        #expect(throws: SDECatalogueError.unknownMethod("rk4", valid: ["euler-maruyama", "milstein", "sde-heun"])) {
            try SDECatalogue.run(problem: "gbm", method: "rk4")
        }
        #expect("\(SDECatalogueError.unknownMethod("rk4", valid: SDECatalogue.methodNames))".contains("euler-maruyama, milstein, sde-heun"))
        #expect(throws: SolverError.self) { try SDECatalogue.run(problem: "gbm", method: "milstein", paths: 0) }
        #expect(throws: SolverError.invalidStepSize(-1)) { try SDECatalogue.run(problem: "ou", method: "milstein", dt: -1) }
        #expect(SDECatalogue.contains("ou") && !SDECatalogue.contains("lorenz"))
    }
}
