import AttractorDynamics
import AttractorNumerics
import Testing
@testable import AttractorReasoning

/// The model's latent dynamics as a solver-core field: VJPs against finite differences,
/// agreement with the schedules, integration to equilibrium.
@Suite struct ReasoningFieldTests {
    func model(networks: Int) throws -> ReasoningModel<Double> {
        var c = networks == 2 ? try ReasoningTestSupport.hrm() : try ReasoningTestSupport.trm()
        c.model = .cmm
        c.integrator = .rk4
        c.epsilon = 0.5
        return try ReasoningModel<Double>(configuration: c, maxBatch: 2, seed: 21)
    }

    @Test(arguments: [1, 2])
    func vectorJacobianProductMatchesFiniteDifferences(networks: Int) throws {
        let m = try model(networks: networks)
        let rows = 3   // more rows than maxBatch: chunked
        let field = try ReasoningField(model: m, tokens: ReasoningTestSupport.tokens(batch: rows, sequence: 4, vocabulary: 5, seed: 2))
        let n = rows * field.dimension
        let r = RandomSource(seed: 4)
        var z = [Double](repeating: 0, count: n), a = z, dz = z
        r.fillGaussian(&z); r.fillGaussian(&a); r.fillGaussian(&dz)
        var theta = [Double](repeating: 0, count: field.parameterCount)
        r.fillGaussian(&theta)
        func f(_ state: [Double]) -> [Double] {
            var out = [Double](repeating: 0, count: n)
            state.withUnsafeBufferPointer { s in out.withUnsafeMutableBufferPointer {
                field.evaluate(t: 0, state: s.baseAddress!, derivative: $0.baseAddress!, rows: RowSelection(count: rows))
            } }
            return out
        }
        func dot(_ x: [Double], _ y: [Double]) -> Double { zip(x, y).reduce(0) { $0 + $1.0 * $1.1 } }
        var sc = [Double](repeating: 0, count: n), pg = [Double](repeating: 0, count: field.parameterCount)
        z.withUnsafeBufferPointer { zp in a.withUnsafeBufferPointer { ap in sc.withUnsafeMutableBufferPointer { sp in
            pg.withUnsafeMutableBufferPointer { gp in
                field.vectorJacobianProduct(t: 0, state: zp.baseAddress!, cotangent: ap.baseAddress!, stateCotangent: sp.baseAddress!,
                                            parameterGradient: gp.baseAddress!, rows: RowSelection(count: rows))
            } } } }
        let h = 1e-6
        let fd = (dot(a, f(zip(z, dz).map { $0 + h * $1 })) - dot(a, f(zip(z, dz).map { $0 - h * $1 }))) / (2 * h)
        #expect(abs(fd - dot(sc, dz)) <= 1e-6 * max(1, abs(fd)))
        let saved = field.parameters
        field.parameters = zip(saved, theta).map { $0 + h * $1 }
        let up = dot(a, f(z))
        field.parameters = zip(saved, theta).map { $0 - h * $1 }
        let down = dot(a, f(z))
        field.parameters = saved
        let fdTheta = (up - down) / (2 * h)
        #expect(abs(fdTheta - dot(pg, theta)) <= 1e-6 * max(1, abs(fdTheta)))
    }

    /// The field's Euler step with h = 1, ε = 1 is the discrete update of both levels
    /// (Jacobi form): z_L' = F(z_L + z_H + x), z_H' = F(z_H + z_L).
    @Test func eulerStepOfTheFieldIsTheFixedPointMap() throws {
        var c = try ReasoningTestSupport.trm()
        c.model = .cmm
        c.integrator = .euler
        let m = try ReasoningModel<Double>(configuration: c, maxBatch: 2, seed: 3)
        let tokens = ReasoningTestSupport.tokens(batch: 2, sequence: 4, vocabulary: 5, seed: 5)
        let field = try ReasoningField(model: m, tokens: tokens)
        let sol = try ODESolver.solve(field, initialState: field.initialState(), t0: 0, t1: 1, method: .euler,
                                      options: SolverOptions(stepSize: 1))
        // From zero: z_L' = F(x), z_H' = F(0).
        let input = try m.embedded(tokens, batch: 2)
        let w = m.stateWidth
        let fx = withExtendedLifetime(input) {
            Array(UnsafeBufferPointer(start: m.evaluate(network: 0, input.embedding, batch: 2), count: 2 * w))
        }
        for r in 0..<2 {
            let row = Array(sol.finalState.scalars[(r * 2 * w)..<(r * 2 * w + w)])
            #expect(ReasoningTestSupport.maxRelativeDifference(row, Array(fx[(r * w)..<((r + 1) * w)])) < 1e-12)
        }
    }

    @Test func integratesToEquilibriumWithDopri5() throws {
        var c = try ReasoningTestSupport.trm()
        c.model = .cmm
        let m = try ReasoningModel<Double>(configuration: c, maxBatch: 2, seed: 8)
        // Shrink the network's weights so that F is a contraction: a unique, stable equilibrium.
        for v in m.store.layout.views where v.name.hasPrefix("blocks") {
            for i in v.offset..<v.end { m.store.values.pointer[i] *= 0.1 }
        }
        let tokens = ReasoningTestSupport.tokens(batch: 2, sequence: 4, vocabulary: 5, seed: 6)
        let (sol, answers) = try m.integrateToEquilibrium(tokens: tokens, t1: 200)
        #expect(sol.steadyState?.allConverged == true)
        #expect(answers.count == 2 && answers[0].count == 4)
    }
}
