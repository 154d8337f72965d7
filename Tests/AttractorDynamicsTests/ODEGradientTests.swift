import Testing
import AttractorNumerics
@testable import AttractorDynamics

/// A small contraction problem: D = 3, two rows, t ∈ [0, 1], loss ½‖z(1)‖².
struct ContractionCase {
    let d = 3, rows = 2
    let field = DifferentiableContractionField<Double>(dimension: 3, contraction: 0.9, seed: 21)
    let z0: [Double] = [0.8, -0.4, 1.1, -0.6, 0.3, 0.5]
    let loss = TerminalLoss<Double>.halfSquaredNorm

    func solver(_ integration: GradientIntegration, field f: DifferentiableContractionField<Double>? = nil) -> ODEGradientSolver<DifferentiableContractionField<Double>> {
        ODEGradientSolver(field: f ?? field, integration: integration, from: 0, to: 1)
    }

    func lossValue(_ integration: GradientIntegration, z0: [Double], theta: [Double]) throws -> Double {
        let f = DifferentiableContractionField<Double>(weight: Array(theta[0..<(d * d)]), bias: Array(theta[(d * d)...]))
        return loss.value(try solver(integration, field: f).solve(initialState: z0, rows: rows).finalState)
    }

    /// Finite-difference (∂L/∂z0, ∂L/∂θ) of the discrete solve.
    func finiteDifferences(_ integration: GradientIntegration) throws -> (z0: [Double], theta: [Double]) {
        let gz = try FiniteDifference.gradient(at: z0, epsilon: 1e-5) { try lossValue(integration, z0: $0, theta: field.parameters) }
        let gt = try FiniteDifference.gradient(at: field.parameters, epsilon: 1e-5) { try lossValue(integration, z0: z0, theta: $0) }
        return (gz, gt)
    }
}

@Suite struct ODEGradientTests {
    let problem = ContractionCase()

    @Test(arguments: [ButcherTableau.euler, .midpoint, .heun, .rk4])
    func backpropMatchesFiniteDifferences(tableau: ButcherTableau) throws {
        let integration = GradientIntegration.fixed(tableau, steps: 12)
        let result = try problem.solver(integration).gradient(initialState: problem.z0, rows: problem.rows,
                                                              loss: problem.loss, strategy: .backprop)
        let fd = try problem.finiteDifferences(integration)
        #expect(FiniteDifference.relativeError(result.initialStateGradient, fd.z0) < 1e-8)
        #expect(FiniteDifference.relativeError(result.parameterGradient, fd.theta) < 1e-8)
        #expect(result.statistics.forwardSteps == 12)
        #expect(result.statistics.vectorJacobianProducts == 12 * tableau.stages)
    }

    @Test func checkpointedEqualsBackpropBitForBit() throws {
        for integration in [GradientIntegration.fixed(.rk4, steps: 17), .adaptive(.dormandPrince54, rtol: 1e-6, atol: 1e-8)] {
            let s = problem.solver(integration)
            let plain = try s.gradient(initialState: problem.z0, rows: problem.rows, loss: problem.loss, strategy: .backprop)
            for every in [1, 4, 5, 100] {
                let cp = try s.gradient(initialState: problem.z0, rows: problem.rows, loss: problem.loss, strategy: .checkpointed(every: every))
                #expect(cp.initialStateGradient == plain.initialStateGradient)
                #expect(cp.parameterGradient == plain.parameterGradient)
                #expect(cp.statistics.recomputedSteps == plain.statistics.forwardSteps)
            }
            // Checkpointing every 4 stores far fewer stage inputs than plain backprop.
            let cp4 = try s.gradient(initialState: problem.z0, rows: problem.rows, loss: problem.loss, strategy: .checkpointed(every: 4))
            #expect(cp4.statistics.peakBytes < plain.statistics.peakBytes)
        }
    }

    @Test func dopri5BackpropMatchesFiniteDifferencesAtTightTolerance() throws {
        let integration = GradientIntegration.adaptive(.dormandPrince54, rtol: 1e-11, atol: 1e-11)
        let result = try problem.solver(integration).gradient(initialState: problem.z0, rows: problem.rows,
                                                              loss: problem.loss, strategy: .backprop)
        let fd = try problem.finiteDifferences(integration)
        #expect(FiniteDifference.relativeError(result.initialStateGradient, fd.z0) < 1e-6)
        #expect(FiniteDifference.relativeError(result.parameterGradient, fd.theta) < 1e-6)
    }

    @Test func adjointAgreesWithBackpropAndConvergesWithTolerance() throws {
        // Fixed RK4: the adjoint differs from exact backprop by the O(h⁴) discretisation error.
        let fixed = GradientIntegration.fixed(.rk4, steps: 40)
        let bp = try problem.solver(fixed).gradient(initialState: problem.z0, rows: problem.rows, loss: problem.loss, strategy: .backprop)
        let adj = try problem.solver(fixed).gradient(initialState: problem.z0, rows: problem.rows, loss: problem.loss, strategy: .adjoint(checkpoints: 4))
        #expect(FiniteDifference.relativeError(adj.parameterGradient, bp.parameterGradient) < 1e-7)
        #expect(FiniteDifference.relativeError(adj.initialStateGradient, bp.initialStateGradient) < 1e-7)
        #expect(abs(adj.loss - bp.loss) < 1e-14)

        // Adaptive: error against a tight reference falls as the tolerance tightens.
        let reference = try problem.solver(.fixed(.rk4, steps: 400)).gradient(
            initialState: problem.z0, rows: problem.rows, loss: problem.loss, strategy: .backprop)
        var errors: [Double] = []
        for tol in [1e-3, 1e-6, 1e-9] {
            let r = try problem.solver(.adaptive(.dormandPrince54, rtol: tol, atol: tol)).gradient(
                initialState: problem.z0, rows: problem.rows, loss: problem.loss, strategy: .adjoint(checkpoints: 2))
            errors.append(FiniteDifference.relativeError(r.parameterGradient, reference.parameterGradient))
        }
        #expect(errors[1] < errors[0] && errors[2] < errors[1])
        #expect(errors[2] < 1e-7)
    }

    /// Backward, the contraction's `−z` term makes state reconstruction unstable (errors grow
    /// like e^t): over a long horizon the adjoint needs its stored states to stay accurate.
    @Test func adjointCheckpointsControlReconstructionDrift() throws {
        let s = ODEGradientSolver(field: problem.field, integration: .fixed(.rk4, steps: 600), from: 0, to: 30)
        let exact = try s.gradient(initialState: problem.z0, rows: problem.rows, loss: problem.loss, strategy: .backprop)
        func error(_ checkpoints: Int) throws -> Double {
            let r = try s.gradient(initialState: problem.z0, rows: problem.rows, loss: problem.loss,
                                   strategy: .adjoint(checkpoints: checkpoints))
            return FiniteDifference.relativeError(r.parameterGradient, exact.parameterGradient)
        }
        let one = try error(1), many = try error(30)
        #expect(many < 1e-6)
        #expect(many * 100 < one)
    }

    @Test func adjointMemoryIsFlatInTheNumberOfSteps() throws {
        var adjointBytes: [Int] = [], backpropBytes: [Int] = []
        for steps in [20, 200] {
            let s = problem.solver(.fixed(.rk4, steps: steps))
            adjointBytes.append(try s.gradient(initialState: problem.z0, rows: problem.rows, loss: problem.loss,
                                               strategy: .adjoint(checkpoints: 4)).statistics.peakBytes)
            backpropBytes.append(try s.gradient(initialState: problem.z0, rows: problem.rows, loss: problem.loss,
                                                strategy: .backprop).statistics.peakBytes)
        }
        #expect(adjointBytes[0] == adjointBytes[1])
        #expect(backpropBytes[1] > 5 * backpropBytes[0])
    }

    @Test func truncatedGradient() throws {
        let steps = 10
        let integration = GradientIntegration.fixed(.rk4, steps: steps)
        let s = problem.solver(integration)
        let full = try s.gradient(initialState: problem.z0, rows: problem.rows, loss: problem.loss, strategy: .backprop)
        let all = try s.gradient(initialState: problem.z0, rows: problem.rows, loss: problem.loss, strategy: .truncated(steps: steps))
        #expect(all.parameterGradient == full.parameterGradient)
        #expect(all.initialStateGradient == full.initialStateGradient)

        // k-step truncation = exact gradient of the last k steps with the incoming state frozen.
        for k in [1, 3] {
            let tr = try s.gradient(initialState: problem.z0, rows: problem.rows, loss: problem.loss, strategy: .truncated(steps: k))
            #expect(tr.initialStateGradient.allSatisfy { $0 == 0 })
            let frozen = try ODEGradientSolver(field: problem.field, integration: .fixed(.rk4, steps: steps - k), from: 0, to: Double(steps - k) / Double(steps)).solve(initialState: problem.z0, rows: problem.rows).finalState
            let tail = GradientIntegration.fixed(.rk4, steps: k)
            let d = problem.d
            let fd = try FiniteDifference.gradient(at: problem.field.parameters, epsilon: 1e-5) { theta in
                let f = DifferentiableContractionField<Double>(weight: Array(theta[0..<(d * d)]), bias: Array(theta[(d * d)...]))
                let r = try ODEGradientSolver(field: f, integration: tail, from: Double(steps - k) / Double(steps), to: 1)
                    .solve(initialState: frozen, rows: problem.rows)
                return problem.loss.value(r.finalState)
            }
            #expect(FiniteDifference.relativeError(tr.parameterGradient, fd) < 1e-8)
            #expect(FiniteDifference.relativeError(tr.parameterGradient, full.parameterGradient) > 1e-3)
        }
    }

    /// The forward pass is the solver core's arithmetic (same stepper, error norm, PI
    /// controller); `ODESolver` lands its last fixed step on t1 by shortening it (a few ulp
    /// of h), so the two agree to rounding.
    @Test func forwardPassIsTheSolverCoresSolve() throws {
        let ours = try problem.solver(.fixed(.rk4, steps: 25)).solve(initialState: problem.z0, rows: problem.rows).finalState
        let core = try ODESolver.solve(problem.field, initialState: problem.z0, t0: 0, t1: 1, method: .rk4,
                                       options: SolverOptions(stepSize: 1.0 / 25))
        #expect(FiniteDifference.relativeError(ours, core.finalState.scalars) < 1e-14)
        let adaptive = try problem.solver(.adaptive(.dormandPrince54, rtol: 1e-8, atol: 1e-10))
            .solve(initialState: problem.z0, rows: problem.rows)
        let coreAdaptive = try ODESolver.solve(problem.field, initialState: problem.z0, t0: 0, t1: 1, method: .dormandPrince54,
                                               options: SolverOptions(relativeTolerance: 1e-8, absoluteTolerance: 1e-10))
        #expect(adaptive.statistics.forwardSteps == coreAdaptive.statistics.steps)
        #expect(FiniteDifference.relativeError(adaptive.finalState, coreAdaptive.finalState.scalars) < 1e-13)
    }

    @Test func batchSplitEqualsTheWholeBatch() throws {
        let z0 = (0..<15).map { Double($0 % 7) / 4 - 0.7 }  // 5 rows
        let s = problem.solver(.fixed(.rk4, steps: 10))
        let fields = (0..<2).map { _ in
            DifferentiableContractionField<Double>(weight: Array(problem.field.parameters[0..<9]), bias: Array(problem.field.parameters[9...]))
        }
        for strategy in [GradientStrategy.backprop, .adjoint(checkpoints: 2)] {
            let whole = try s.gradient(initialState: z0, rows: 5, loss: problem.loss, strategy: strategy)
            let split = try s.gradient(initialState: z0, rows: 5, loss: problem.loss, strategy: strategy, blockFields: fields)
            #expect(split.finalState == whole.finalState)
            #expect(split.initialStateGradient == whole.initialStateGradient)
            #expect(FiniteDifference.relativeError(split.parameterGradient, whole.parameterGradient) < 1e-14)
            #expect(abs(split.loss - whole.loss) <= 1e-14 * whole.loss)
        }
        #expect(try s.solve(initialState: z0, rows: 5, blockFields: fields).finalState == s.solve(initialState: z0, rows: 5).finalState)
        #expect(throws: GradientError.self) {
            try problem.solver(.adaptive(.dormandPrince54, rtol: 1e-6, atol: 1e-6))
                .solve(initialState: z0, rows: 5, blockFields: fields)
        }
    }

    @Test func badArgumentsAreTypedErrors() {
        let s = problem.solver(.fixed(.rk4, steps: 5))
        #expect(throws: GradientError.solver(.dimensionMismatch(expected: 6, got: 5, what: "initial state"))) {
            try s.gradient(initialState: [1, 2, 3, 4, 5], rows: 2, loss: problem.loss, strategy: .backprop)
        }
        #expect(throws: GradientError.invalidArgument("checkpoint interval must be positive, got 0")) {
            try s.gradient(initialState: problem.z0, rows: 2, loss: problem.loss, strategy: .checkpointed(every: 0))
        }
        #expect(throws: GradientError.self) {
            try problem.solver(.adaptive(.rk4, rtol: 1e-6, atol: 1e-6)).gradient(
                initialState: problem.z0, rows: 2, loss: problem.loss, strategy: .backprop)
        }
        var nanStart = problem.z0
        nanStart[4] = .nan
        #expect(throws: GradientError.solver(.nonFiniteState(t: 0, row: 1))) {
            try s.gradient(initialState: nanStart, rows: 2, loss: problem.loss, strategy: .adjoint(checkpoints: 1))
        }
    }
}

/// Backprop with the MLP field's saved residuals (hidden activations) against backprop that
/// recomputes them: same numbers, more tape, and only where residuals apply.
@Suite struct ResidualSavingTests {
    static func field<S: Scalar>(_: S.Type, d: Int = 16, h: Int = 32) -> DifferentiableMLPField<S> {
        var theta = [Double](repeating: 0, count: 2 * h * d + h + d)
        RandomSource(seed: 71).fillGaussian(&theta, sigma: 0.25)
        let t = theta.map { S($0) }
        return DifferentiableMLPField(dimension: d, hidden: h, w1: Array(t[0..<(h * d)]), b1: Array(t[(h * d)..<(h * d + h)]),
                                      w2: Array(t[(h * d + h)..<(2 * h * d + h)]), b2: Array(t[(2 * h * d + h)...]))
    }

    static func initialState<S: Scalar>(_: S.Type, rows: Int, d: Int = 16) -> [S] {
        var z = [Double](repeating: 0, count: rows * d)
        RandomSource(seed: 72).fillGaussian(&z)
        return z.map { S($0) }
    }

    func compare<S: Scalar>(_: S.Type, integration: GradientIntegration, strategy: GradientStrategy, expectSaving: Bool) throws {
        let rows = 11
        var solver = ODEGradientSolver(field: Self.field(S.self), integration: integration)
        let z0 = Self.initialState(S.self, rows: rows)
        let saving = try solver.gradient(initialState: z0, rows: rows, loss: .halfSquaredNorm, strategy: strategy)
        solver.residualTapeLimit = 0
        let plain = try solver.gradient(initialState: z0, rows: rows, loss: .halfSquaredNorm, strategy: strategy)
        // Same activations, same kernels: bit for bit.
        #expect(saving.loss == plain.loss)
        #expect(saving.initialStateGradient == plain.initialStateGradient)
        #expect(saving.parameterGradient == plain.parameterGradient)
        #expect(saving.statistics.vectorJacobianProducts == plain.statistics.vectorJacobianProducts)
        #expect(saving.statistics.forwardEvaluations == plain.statistics.forwardEvaluations)
        if expectSaving {
            #expect(saving.statistics.peakBytes > plain.statistics.peakBytes, "residuals should be on the tape")
        } else {
            #expect(saving.statistics.peakBytes == plain.statistics.peakBytes)
        }
    }

    @Test(arguments: [GradientStrategy.backprop, .checkpointed(every: 3), .truncated(steps: 4)])
    func fixedStepBackpropReusesActivations(strategy: GradientStrategy) throws {
        try compare(Float.self, integration: .fixed(.rk4, steps: 7), strategy: strategy, expectSaving: true)
        try compare(Double.self, integration: .fixed(.heun, steps: 5), strategy: strategy, expectSaving: true)
    }

    @Test func residualsAreSavedOnlyWithinTheLimit() throws {
        // RK4, 7 steps, 11 rows, H 32, Float: 7 · 4 · 11 · 32 · 4 B = 39 424 B of residuals.
        let rows = 11, z0 = Self.initialState(Float.self, rows: rows)
        var solver = ODEGradientSolver(field: Self.field(Float.self), integration: .fixed(.rk4, steps: 7))
        var peaks: [Int] = []
        for limit in [0, 39_423, 39_424] {
            solver.residualTapeLimit = limit
            peaks.append(try solver.gradient(initialState: z0, rows: rows, loss: .halfSquaredNorm, strategy: .backprop)
                .statistics.peakBytes)
        }
        #expect(peaks[0] == peaks[1])
        #expect(peaks[2] == peaks[0] + 39_424)
    }

    @Test func firstSameAsLastTableausAndTheAdjointDoNotSave() throws {
        try compare(Double.self, integration: .adaptive(.dormandPrince54, rtol: 1e-6, atol: 1e-8), strategy: .backprop,
                    expectSaving: false)
        try compare(Float.self, integration: .fixed(.rk4, steps: 6), strategy: .adjoint(checkpoints: 2), expectSaving: false)
    }

    @Test func savedResidualVJPEqualsTheRecomputingOne() {
        let f = Self.field(Float.self), rows = 9, d = 16
        let z = Self.initialState(Float.self, rows: rows), abar = z.map { $0 * 0.5 - 0.1 }
        var out = [Float](repeating: 0, count: rows * d), residuals = [Float](repeating: 0, count: rows * f.residualsPerRow)
        f.evaluate(t: 0, state: z, derivative: &out, rows: RowSelection(count: rows), residuals: &residuals)
        var plainOut = out
        f.evaluate(t: 0, state: z, derivative: &plainOut, rows: RowSelection(count: rows))
        #expect(out == plainOut)
        var zbar1 = out, zbar2 = out
        var g1 = [Float](repeating: 0, count: f.parameterCount), g2 = g1
        f.vectorJacobianProduct(t: 0, state: z, residuals: residuals, cotangent: abar, stateCotangent: &zbar1,
                                parameterGradient: &g1, rows: RowSelection(count: rows))
        f.vectorJacobianProduct(t: 0, state: z, cotangent: abar, stateCotangent: &zbar2, parameterGradient: &g2,
                                rows: RowSelection(count: rows))
        #expect(zbar1 == zbar2 && g1 == g2)
        #expect(g1.contains { $0 != 0 })
    }
}
