import AttractorDynamics
import AttractorNumerics
import Testing

@Suite struct SteadyStateTests {
    /// The equilibrium of `field`, by a long tight solve.
    static func equilibrium(_ field: ContractionField<Double>) throws -> [Double] {
        let sol = try ODESolver.solve(field, initialState: [Double](repeating: 0, count: field.dimension), t0: 0, t1: 200,
                                      method: .dormandPrince54,
                                      options: SolverOptions(relativeTolerance: 1e-12, absoluteTolerance: 1e-14))
        return sol.finalState.scalars
    }

    /// ‖f(z)‖₂ of one row, evaluated independently of the solver.
    static func residual(_ field: ContractionField<Double>, _ z: [Double]) -> Double {
        var f = [Double](repeating: 0, count: z.count)
        z.withUnsafeBufferPointer { zp in
            f.withUnsafeMutableBufferPointer { fp in
                field.evaluate(t: 0, state: zp.baseAddress!, derivative: fp.baseAddress!, rows: RowSelection(count: 1))
            }
        }
        return f.reduce(0) { $0 + $1 * $1 }.squareRoot()
    }

    @Test(arguments: ["rk4", "dopri5"])
    func contractionRowsRetireWithResidualUnderTolerance(method: String) throws {
        let d = 8
        let field = ContractionField<Double>(dimension: d, seed: 5)
        let zStar = try Self.equilibrium(field)
        // Row 1 starts at the equilibrium, row 2 close to it, rows 0 and 3 far away.
        var y0 = field.initialState(rows: 4, seed: 9)
        for c in 0..<d {
            y0[d + c] = zStar[c]
            y0[2 * d + c] = zStar[c] + 1e-3
            y0[3 * d + c] *= 4
        }
        let event = SteadyStateEvent(relativeTolerance: 1e-6, absoluteTolerance: 1e-6)
        let recording = RecordingField(field, rows: 4)
        let sol = try ODESolver.solve(recording, initialState: y0, t0: 0, t1: 100, method: ODEMethod.named(method)!,
                                      options: SolverOptions(stepSize: 0.1, relativeTolerance: 1e-8, absoluteTolerance: 1e-10,
                                                             steadyState: event))
        let report = try #require(sol.steadyState)
        #expect(report.allConverged)
        for r in 0..<4 {
            let z = Array(sol.finalState.row(r))
            let zNorm = z.reduce(0) { $0 + $1 * $1 }.squareRoot()
            let independent = Self.residual(field, z)
            #expect(independent <= event.absoluteTolerance + event.relativeTolerance * zNorm)
            #expect(abs(independent - report.residual[r]) <= 1e-12)
            #expect(report.time[r] < 100)
        }
        // The row at the equilibrium retires at t0 after the first evaluation; the near row
        // before the far rows; retired rows are not evaluated again.
        #expect(report.time[1] == 0)
        #expect(recording.evaluationsPerRow[1] == 1)
        #expect(report.time[2] < report.time[0] && report.time[2] < report.time[3])
        for r in 0..<4 { #expect(recording.evaluationsPerRow[r] == report.rowEvaluations[r]) }
        #expect(recording.evaluationsPerRow[2] < recording.evaluationsPerRow[0])
        #expect(sol.statistics.rowEvaluations == recording.evaluationsPerRow.reduce(0, +))
        #expect(sol.t1 == report.latestTime)
    }

    @Test func unconvergedRowsRunToT1AndReportTheirResidual() throws {
        let field = ContractionField<Double>(dimension: 4, seed: 2)
        let event = SteadyStateEvent(relativeTolerance: 1e-12, absoluteTolerance: 1e-12)
        let sol = try ODESolver.solve(field, initialState: field.initialState(rows: 2, seed: 1), t0: 0, t1: 1,
                                      method: .dormandPrince54, options: SolverOptions(steadyState: event))
        let report = try #require(sol.steadyState)
        #expect(!report.converged[0] && !report.converged[1])
        #expect(report.time == [1, 1])
        #expect(sol.t1 == 1)
        for r in 0..<2 {
            #expect(abs(report.residual[r] - Self.residual(field, Array(sol.finalState.row(r)))) < 1e-12)
            #expect(report.residual[r] > 1e-6)
        }
    }

    @Test func retiredRowsKeepTheirStateAtLaterSaveTimes() throws {
        let field = ContractionField<Double>(dimension: 4, seed: 2)
        let zStar = try Self.equilibrium(field)
        // Row 0 starts at the equilibrium (array concatenation), row 1 away from it.
        let y0 = zStar + field.initialState(rows: 1, seed: 4)
        let sol = try ODESolver.solve(field, initialState: y0, t0: 0, t1: 60, method: .dormandPrince54,
                                      options: SolverOptions(saveAt: [0, 1, 59, 60],
                                                             steadyState: SteadyStateEvent(relativeTolerance: 1e-5, absoluteTolerance: 1e-5)))
        let report = try #require(sol.steadyState)
        #expect(report.converged[0] && report.time[0] == 0)
        #expect(report.converged[1] && report.time[1] > 1 && report.time[1] < 59)
        #expect(Array(sol.states[2].row(1)) == Array(sol.finalState.row(1)))
        #expect(Array(sol.states[3].row(0)) == zStar)
        #expect(Array(sol.states[1].row(1)) != Array(sol.states[0].row(1)))
        #expect(sol.states.count == 4)
    }

    @Test func stiffRobertsonWithMSBDFMatchesReference() throws {
        let p = ProblemCatalogue.ode(named: "robertson")!
        let sol = try p.solve(method: .gsl(.msbdf), options: SolverOptions(relativeTolerance: 1e-8, absoluteTolerance: 1e-12))
        // Reference values at t = 40 (Hairer & Wanner's test set).
        let expected = [0.7158270687, 9.185534764e-6, 0.2841637457]
        for c in 0..<3 { #expect(abs(sol.finalState[flat: c] - expected[c]) <= 1e-6 * abs(expected[c]) + 1e-12) }
        #expect(abs(sol.finalState.scalars.reduce(0, +) - 1) < 1e-10)
        // A stiff solver takes far fewer steps than stability would allow an explicit one.
        #expect(sol.statistics.steps < 1000)
    }
}
