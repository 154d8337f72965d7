import AttractorDynamics
import AttractorNumerics
import Testing

@Suite struct ProblemCatalogueTests {
    @Test func everyODEProblemSolvesBriefly() throws {
        for name in ProblemCatalogue.odeNames {
            let p = try #require(ProblemCatalogue.ode(named: name, settings: .init(dimension: 5, seed: 1)))
            #expect(ProblemCatalogue.kind(of: name) == .ode)
            let method: ODEMethod = p.isStiff ? .gsl(.msbdf) : .dormandPrince54
            let sol = try p.solve(t1: p.t0 + 0.1, method: method)
            #expect(sol.finalState.shape == [p.rows, p.dimension])
            #expect(sol.finalState.scalars != p.initialState)
        }
        #expect(ProblemCatalogue.ode(named: "nope") == nil)
        #expect(ProblemCatalogue.kind(of: "nope") == nil)
    }

    @Test func pleiadesConservesEnergyAndMomentum() throws {
        let p = ProblemCatalogue.ode(named: "pleiades")!
        func invariants(_ z: [Double]) -> (energy: Double, px: Double) {
            var kinetic = 0.0, potential = 0.0, px = 0.0
            for i in 0..<7 {
                let m = Double(i + 1)
                kinetic += 0.5 * m * (z[14 + i] * z[14 + i] + z[21 + i] * z[21 + i])
                px += m * z[14 + i]
                for j in (i + 1)..<7 {
                    let dx = z[j] - z[i], dy = z[7 + j] - z[7 + i]
                    potential -= m * Double(j + 1) / (dx * dx + dy * dy).squareRoot()
                }
            }
            return (kinetic + potential, px)
        }
        let sol = try p.solve(method: .dormandPrince54, options: SolverOptions(relativeTolerance: 1e-10, absoluteTolerance: 1e-10))
        let start = invariants(p.initialState), end = invariants(sol.finalState.scalars)
        #expect(abs(end.energy - start.energy) < 1e-6 * abs(start.energy))
        #expect(abs(end.px - start.px) < 1e-8)
    }

    @Test func contractionWeightHasTheRequestedSpectralNorm() {
        let d = 12
        let f = ContractionField<Double>(dimension: d, seed: 8, contraction: 0.9)
        // Power iteration on WᵀW from a different start than the field's own.
        var v = (0..<d).map { Double($0 % 3) - 0.7 }
        var sigma = 0.0
        for _ in 0..<3000 {
            var u = [Double](repeating: 0, count: d), x = [Double](repeating: 0, count: d)
            for i in 0..<d { for j in 0..<d { u[i] += f.weight[i * d + j] * v[j] } }
            for j in 0..<d { for i in 0..<d { x[j] += f.weight[i * d + j] * u[i] } }
            let n = x.reduce(0) { $0 + $1 * $1 }.squareRoot()
            sigma = n.squareRoot()
            v = x.map { $0 / n }
        }
        #expect(abs(sigma - 0.9) < 1e-6)
        // Another seed gives another matrix.
        #expect(ContractionField<Double>(dimension: d, seed: 9).weight != f.weight)
        #expect(ContractionField<Double>(dimension: d, seed: 8).weight == f.weight)
    }

    @Test func jacobiansMatchFiniteDifferences() {
        let fields: [any JacobianVectorField<Double>] = [Lorenz(), VanDerPol(mu: 3), Robertson(), ContractionField<Double>(dimension: 4, seed: 2)]
        for field in fields {
            let d = field.dimension
            let z = (0..<d).map { 0.3 + 0.1 * Double($0) }
            var j = [Double](repeating: 0, count: d * d), dt = [Double](repeating: 0, count: d)
            z.withUnsafeBufferPointer { zp in
                field.jacobian(t: 0, state: zp.baseAddress!, jacobian: &j, timeDerivative: &dt, row: 0)
            }
            for c in 0..<d {
                let h = 1e-6
                var plus = z, minus = z
                plus[c] += h
                minus[c] -= h
                var fp = [Double](repeating: 0, count: d), fm = [Double](repeating: 0, count: d)
                plus.withUnsafeBufferPointer { field.evaluate(t: 0, state: $0.baseAddress!, derivative: &fp, rows: RowSelection(count: 1)) }
                minus.withUnsafeBufferPointer { field.evaluate(t: 0, state: $0.baseAddress!, derivative: &fm, rows: RowSelection(count: 1)) }
                for r in 0..<d {
                    let fd = (fp[r] - fm[r]) / (2 * h)
                    // Roundoff in the difference scales with the row's largest Jacobian entry.
                    let scale = (0..<d).map { abs(j[r * d + $0]) }.max()!
                    #expect(abs(fd - j[r * d + c]) <= 1e-6 * max(1, scale), "\(type(of: field)) ∂f\(r)/∂z\(c)")
                }
            }
        }
    }
}
