import AttractorDynamics
import AttractorNumerics
import Testing

@Suite struct RungeKuttaOrderTests {
    /// Global error at t = 2 of a two-row batch on y' = y cos t, over five step sizes
    /// (four halvings); the fitted slope is the observed order.
    func observedOrder(_ tableau: ButcherTableau, largestStep: Double) throws -> Double {
        let y0 = [1.0, 2.0]
        let t1 = 2.0
        var steps: [Double] = [], errors: [Double] = []
        for k in 0..<5 {
            let h = largestStep / Double(1 << k)
            let sol = try ODESolver.solve(
                ExpSineField<Double>(dimension: 1), initialState: y0, t0: 0, t1: t1,
                method: .rungeKutta(tableau), options: SolverOptions(stepSize: h))
            let err = (0..<2).map { abs(sol.finalState[flat: $0] - ExpSineField<Double>.exact(y0[$0], at: t1)) }.max()!
            steps.append(h)
            errors.append(err)
        }
        return logLogSlope(steps, errors)
    }

    @Test(arguments: ["euler", "midpoint", "heun", "rk4", "dopri5"])
    func observedOrderMatchesTableau(name: String) throws {
        let tableau = [ButcherTableau.euler, .midpoint, .heun, .rk4, .dormandPrince54].first { $0.name == name }!
        let largestStep = tableau.order >= 4 ? 0.2 : 0.1
        let order = try observedOrder(tableau, largestStep: largestStep)
        #expect(abs(order - Double(tableau.order)) <= 0.2, "\(tableau.name): observed order \(order)")
    }

    @Test func fixedStepCountsEvaluationsPerStage() throws {
        let sol = try ODESolver.solve(
            ExpSineField<Double>(dimension: 1), initialState: [1.0], t0: 0, t1: 1, method: .rk4,
            options: SolverOptions(stepSize: 0.1))
        #expect(sol.statistics.steps == 10)
        #expect(sol.statistics.functionEvaluations == 40)
        #expect(sol.statistics.rejectedSteps == 0)
    }

    @Test func floatAgreesWithDouble() throws {
        let double = try ODESolver.solve(
            ExpSineField<Double>(dimension: 1), initialState: [1.0, 0.5], t0: 0, t1: 2, method: .rk4,
            options: SolverOptions(stepSize: 0.05))
        let float = try ODESolver.solve(
            ExpSineField<Float>(dimension: 1), initialState: [Float(1), 0.5], t0: 0, t1: 2, method: .rk4,
            options: SolverOptions(stepSize: 0.05))
        for e in 0..<2 {
            let d = double.finalState[flat: e], f = Double(float.finalState[flat: e])
            #expect(abs(f - d) <= 1e-5 * abs(d))
        }
    }

    @Test func fixedStepLandsOnSaveTimes() throws {
        let sol = try ODESolver.solve(
            ExpSineField<Double>(dimension: 1), initialState: [1.0], t0: 0, t1: 1, method: .rk4,
            options: SolverOptions(stepSize: 0.3, saveAt: [0, 0.25, 1]))
        #expect(sol.states.count == 3)
        #expect(sol.states[0][flat: 0] == 1)
        #expect(abs(sol.states[1][flat: 0] - ExpSineField<Double>.exact(1, at: 0.25)) < 1e-5)
        #expect(sol.states[2][flat: 0] == sol.finalState[flat: 0])
    }

    @Test func stepperPerformsOneRK4Step() {
        // One RK4 step of y' = y from 1 with h = 0.1 is the degree-4 Taylor polynomial.
        let field = ClosureVectorField<Double>(dimension: 1, isAutonomous: true) { _, z, f, rows in
            for i in 0..<rows.count { f[i] = z[i] }
        }
        let stepper = RungeKuttaStepper<Double>(tableau: .rk4, dimension: 1, rowCapacity: 1)
        let f = FieldEvaluator(field)
        var stats = SolverStatistics()
        var z = [1.0], next = [0.0]
        z.withUnsafeMutableBufferPointer { zp in
            next.withUnsafeMutableBufferPointer { np in
                stepper.evaluateFirstStage(f, t: 0, state: zp.baseAddress!, rows: RowSelection(count: 1), statistics: &stats)
                stepper.step(f, t: 0, h: 0.1, state: zp.baseAddress!, next: np.baseAddress!,
                             rows: RowSelection(count: 1), statistics: &stats)
            }
        }
        let h = 0.1
        #expect(abs(next[0] - (1 + h + h * h / 2 + h * h * h / 6 + h * h * h * h / 24)) < 1e-15)
        #expect(stats.functionEvaluations == 4)
    }
}
