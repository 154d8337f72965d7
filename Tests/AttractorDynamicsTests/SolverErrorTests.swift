import AttractorDynamics
import AttractorNumerics
import Testing

@Suite struct SolverErrorTests {
    let lorenz = ProblemCatalogue.ode(named: "lorenz")!
    let robertson = ProblemCatalogue.ode(named: "robertson")!

    func solveError(_ body: () throws(SolverError) -> Solution<Double>) -> SolverError? {
        do {
            _ = try body()
            return nil
        } catch {
            return error
        }
    }

    @Test func nonFiniteInitialStateNamesTheRow() {
        let e = solveError { () throws(SolverError) in
            try ODESolver.solve(Lorenz(), initialState: [1, 1, 1, 1, .nan, 1], t0: 0, t1: 1, method: .dormandPrince54)
        }
        #expect(e == .nonFiniteState(t: 0, row: 1))
    }

    @Test func rk4WithBigStepOnRobertsonBlowsUp() {
        let e = solveError { () throws(SolverError) in try robertson.solve(method: .rk4, options: SolverOptions(stepSize: 0.1)) }
        guard case let .nonFiniteState(t, row)? = e else { Issue.record("expected nonFiniteState, got \(String(describing: e))"); return }
        #expect(t > 0 && t < 40 && row == 0)
    }

    @Test func dopri5OnRobertsonRunsOutOfSteps() {
        let e = solveError { () throws(SolverError) in
            try robertson.solve(method: .dormandPrince54, options: SolverOptions(maximumSteps: 2000))
        }
        guard case let .maximumStepsExceeded(steps, t, t1)? = e else { Issue.record("got \(String(describing: e))"); return }
        #expect(steps == 2000 && t > 0 && t < 40 && t1 == 40)
    }

    @Test func fixedStepRunsOutOfSteps() {
        let e = solveError { () throws(SolverError) in
            try lorenz.solve(method: .euler, options: SolverOptions(stepSize: 0.01, maximumSteps: 100))
        }
        guard case let .maximumStepsExceeded(steps, t, _)? = e else { Issue.record("got \(String(describing: e))"); return }
        #expect(steps == 100 && abs(t - 1) < 1e-9)
    }

    @Test func gslRunsOutOfSteps() {
        let e = solveError { () throws(SolverError) in
            try robertson.solve(method: .gsl(.rkf45), options: SolverOptions(maximumSteps: 500))
        }
        guard case let .maximumStepsExceeded(_, t, _)? = e else { Issue.record("got \(String(describing: e))"); return }
        #expect(t > 0 && t < 40)
    }

    @Test func finiteTimeBlowUpUnderflowsTheStep() {
        // y' = y² from 1 reaches infinity at t = 1.
        let field = ClosureVectorField<Double>(dimension: 1, isAutonomous: true) { _, z, f, rows in
            for i in 0..<rows.count { f[i] = z[i] * z[i] }
        }
        let e = solveError { () throws(SolverError) in
            try ODESolver.solve(field, initialState: [1.0], t0: 0, t1: 2, method: .dormandPrince54)
        }
        guard case let .stepSizeUnderflow(t, h)? = e else { Issue.record("got \(String(describing: e))"); return }
        #expect(abs(t - 1) < 1e-6 && h < 1e-10)
    }

    @Test func nanDerivativeIsReportedByEveryBackend() {
        let field = ClosureVectorField<Double>(dimension: 2, isAutonomous: false) { t, z, f, rows in
            for i in 0..<(2 * rows.count) { f[i] = t > 0.5 ? .nan : z[i] }
        }
        for method in [ODEMethod.rk4, .dormandPrince54, .gsl(.rkf45)] {
            let e = solveError { () throws(SolverError) in
                try ODESolver.solve(field, initialState: [1.0, 1.0], t0: 0, t1: 1, method: method,
                                    options: SolverOptions(stepSize: 0.1))
            }
            guard case let .nonFiniteState(t, row)? = e else { Issue.record("\(method): got \(String(describing: e))"); continue }
            #expect(t >= 0.4 && t <= 1 && row == 0, "\(method)")
        }
    }

    @Test func badStepSizes() {
        #expect(solveError { () throws(SolverError) in try lorenz.solve(method: .rk4) } == .invalidStepSize(0))
        #expect(solveError { () throws(SolverError) in try lorenz.solve(method: .rk4, options: SolverOptions(stepSize: -0.1)) }
            == .invalidStepSize(-0.1))
        #expect(solveError { () throws(SolverError) in try lorenz.solve(method: .dormandPrince54, options: SolverOptions(stepSize: .infinity)) }
            == .invalidStepSize(.infinity))
    }

    @Test func badTolerances() {
        for method in [ODEMethod.dormandPrince54, .gsl(.rk8pd)] {
            #expect(solveError { () throws(SolverError) in
                try lorenz.solve(method: method, options: SolverOptions(relativeTolerance: -1e-6))
            } == .invalidTolerance(rtol: -1e-6, atol: 1e-9))
            #expect(solveError { () throws(SolverError) in
                try lorenz.solve(method: method, options: SolverOptions(relativeTolerance: 0, absoluteTolerance: 0))
            } == .invalidTolerance(rtol: 0, atol: 0))
        }
        let nanTolerance = solveError { () throws(SolverError) in
            try lorenz.solve(method: .rk4, options: SolverOptions(stepSize: 0.1,
                                                                  steadyState: SteadyStateEvent(relativeTolerance: .nan)))
        }
        guard case let .invalidTolerance(rtol, _)? = nanTolerance, rtol.isNaN else {
            Issue.record("got \(String(describing: nanTolerance))")
            return
        }
        let steady = solveError { () throws(SolverError) in
            try lorenz.solve(method: .rk4, options: SolverOptions(stepSize: 0.1,
                                                                  steadyState: SteadyStateEvent(relativeTolerance: -1)))
        }
        #expect(steady == .invalidTolerance(rtol: -1, atol: 1e-8))
    }

    @Test func badTimeSpans() {
        for (t0, t1) in [(1.0, 0.0), (0, 0), (0, .nan), (-.infinity, 1)] {
            let e = solveError { () throws(SolverError) in
                try ODESolver.solve(Lorenz(), initialState: [1, 1, 1], t0: t0, t1: t1, method: .dormandPrince54)
            }
            guard case .invalidTimeSpan? = e else { Issue.record("(\(t0), \(t1)): got \(String(describing: e))"); continue }
        }
    }

    @Test func dimensionMismatches() {
        #expect(solveError { () throws(SolverError) in
            try ODESolver.solve(Lorenz(), initialState: [1, 1], t0: 0, t1: 1)
        } == .dimensionMismatch(expected: 3, got: 2, what: "initial state (a multiple of the dimension)"))
        #expect(solveError { () throws(SolverError) in
            try ODESolver.solve(Lorenz(), initialState: Tensor(shape: [2, 2], repeating: 1.0), t0: 0, t1: 1)
        } == .dimensionMismatch(expected: 3, got: 2, what: "initial state row length"))
        #expect(solveError { () throws(SolverError) in
            try lorenz.solve(method: .dormandPrince54, options: SolverOptions(absoluteTolerance: [1e-9, 1e-9]))
        } == .dimensionMismatch(expected: 3, got: 2, what: "componentwise tolerance"))
    }

    @Test func badOptions() {
        let unsorted = solveError { () throws(SolverError) in
            try lorenz.solve(method: .dormandPrince54, options: SolverOptions(saveAt: [2, 1]))
        }
        guard case .invalidOption? = unsorted else { Issue.record("got \(String(describing: unsorted))"); return }
        let outside = solveError { () throws(SolverError) in
            try lorenz.solve(method: .dormandPrince54, options: SolverOptions(saveAt: [11]))
        }
        guard case .invalidOption? = outside else { Issue.record("got \(String(describing: outside))"); return }
        let steadyGSL = solveError { () throws(SolverError) in
            try lorenz.solve(method: .gsl(.rkf45), options: SolverOptions(steadyState: SteadyStateEvent()))
        }
        guard case .invalidOption? = steadyGSL else { Issue.record("got \(String(describing: steadyGSL))"); return }
        let noSteps = solveError { () throws(SolverError) in
            try lorenz.solve(method: .dormandPrince54, options: SolverOptions(maximumSteps: 0))
        }
        guard case .invalidOption? = noSteps else { Issue.record("got \(String(describing: noSteps))"); return }
    }

    @Test func msbdfNeedsAJacobian() {
        let pleiades = ProblemCatalogue.ode(named: "pleiades")!
        let e = solveError { () throws(SolverError) in try pleiades.solve(method: .gsl(.msbdf)) }
        guard case let .methodCannotSolve(method, _)? = e else { Issue.record("got \(String(describing: e))"); return }
        #expect(method == "gsl-msbdf")
        #expect(e!.description.contains("Jacobian"))
    }
}
