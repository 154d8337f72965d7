import AttractorNumerics

/// The standard neural-ODE benchmark (`attractor bench node`): `dz/dt = W2 tanh(W1 z + b1) + b2`
/// in Float32 over t ∈ [0, 1], loss `½ Σ z(1)²`, gradients with respect to w1, b1, w2, b2, z0.
/// Weights and `z0 [B, D]` come from a safetensors file so the same work can be timed in
/// torchdiffeq and JAX (`Benchmarks/NeuralODE/`).
public enum NeuralODEBenchmark {
    public enum Method: String, Sendable, CaseIterable { case rk4, dopri5 }
    public enum Gradient: String, Sendable, CaseIterable { case backprop, checkpoint, adjoint }

    public struct Configuration: Sendable {
        public var method: Method = .rk4
        public var steps: Int = 20
        public var rtol: Double = 1e-5
        public var atol: Double = 1e-6
        public var gradient: Gradient = .backprop
        public var repeats: Int = 5
        /// Checkpoint interval for `checkpoint` (nil: ⌈√steps⌉, or 4 for dopri5).
        public var checkpointEvery: Int? = nil
        /// Bytes of stage residuals backprop may keep (`ODEGradientSolver.residualTapeLimit`).
        public var residualTapeLimit: Int = 32 << 20
        /// Minimum warm-up before timing (see `run`).
        public var warmUpSeconds: Double = 0.3
        /// Stored states for `adjoint`.
        public var adjointCheckpoints: Int = 1
        /// Row blocks processed concurrently; above 1, BLAS runs single-threaded. For RK4
        /// each block is a whole independent solve (one synchronisation per solve); for
        /// Dopri5, whose step control couples the rows, the blocks split each evaluation.
        public var rowBlocks: Int = 1
        public init() {}
    }

    public struct Result: Codable, Sendable {
        public var method: String
        public var gradient: String
        public var dimension: Int
        public var hidden: Int
        public var batch: Int
        public var loss: Double
        /// L2 norm over the w1, b1, w2, b2 gradients.
        public var gradNorm: Double
        public var forwardSeconds: Double
        public var forwardBackwardSeconds: Double
        /// Field evaluations of one forward solve.
        public var functionEvaluations: Int
        /// Field evaluations and VJPs of the backward pass.
        public var backwardFunctionEvaluations: Int
        public var vectorJacobianProducts: Int
        public var acceptedSteps: Int
        /// Peak bytes the gradient strategy stored (trajectory, checkpoints, workspaces).
        public var gradientPeakBytes: Int
    }

    /// Reads `w1 [H, D]`, `b1 [H]`, `w2 [D, H]`, `b2 [D]`, `z0 [B, D]` (F32).
    public static func load(_ archive: SafetensorsArchive) throws(SafetensorsError) -> (field: DifferentiableMLPField<Float>, z0: [Float], batch: Int) {
        let w1 = try archive.tensor("w1", as: Float.self)
        guard w1.rank == 2 else { throw .shapeMismatch(tensor: "w1", stored: w1.shape, expected: [-1, -1]) }
        let h = w1.shape[0], d = w1.shape[1]
        let b1 = try archive.tensor("b1", as: Float.self, shape: [h])
        let w2 = try archive.tensor("w2", as: Float.self, shape: [d, h])
        let b2 = try archive.tensor("b2", as: Float.self, shape: [d])
        let z0 = try archive.tensor("z0", as: Float.self)
        guard z0.rank == 2, z0.shape[1] == d else { throw .shapeMismatch(tensor: "z0", stored: z0.shape, expected: [-1, d]) }
        let field = DifferentiableMLPField<Float>(dimension: d, hidden: h, w1: w1.scalars, b1: b1.scalars,
                                                  w2: w2.scalars, b2: b2.scalars)
        return (field, z0.scalars, z0.shape[0])
    }

    /// Times forward and forward+backward (medians over `repeats`, after warm-up runs)
    /// and returns the gradients as an archive (`w1`, `b1`, `w2`, `b2`, `z0`).
    public static func run(_ archive: SafetensorsArchive, configuration c: Configuration) throws -> (Result, SafetensorsArchive) {
        let (field, z0, batch) = try load(archive)
        if c.rowBlocks > 1 { BLAS.setThreadCount(1) }
        // RK4: independent solves per block, each with its own field (own scratch memory).
        let splitBatch = c.method == .rk4 && c.rowBlocks > 1
        let blockFields = splitBatch ? (0..<c.rowBlocks).map { _ in field.copy() } : []
        if !splitBatch { field.rowBlocks = c.rowBlocks }
        let integration: GradientIntegration
        switch c.method {
        case .rk4: integration = .fixed(.rk4, steps: c.steps)
        case .dopri5: integration = .adaptive(.dormandPrince54, rtol: c.rtol, atol: c.atol)
        }
        let strategy: GradientStrategy
        switch c.gradient {
        case .backprop: strategy = .backprop
        case .checkpoint:
            let every = c.checkpointEvery ?? (c.method == .rk4 ? Int(Double(c.steps).squareRoot().rounded(.up)) : 4)
            strategy = .checkpointed(every: every)
        case .adjoint: strategy = .adjoint(checkpoints: c.adjointCheckpoints)
        }
        var solver = ODEGradientSolver(field: field, integration: integration, from: 0, to: 1)
        solver.residualTapeLimit = c.residualTapeLimit
        let loss = TerminalLoss<Float>.halfSquaredNorm
        let clock = ContinuousClock()
        func seconds(_ d: Duration) -> Double { Double(d.components.seconds) + Double(d.components.attoseconds) * 1e-18 }
        func median(_ x: [Double]) -> Double { let s = x.sorted(); return s[s.count / 2] }

        func forwardPass() throws -> (finalState: [Float], statistics: GradientStatistics) {
            splitBatch ? try solver.solve(initialState: z0, rows: batch, blockFields: blockFields)
                       : try solver.solve(initialState: z0, rows: batch)
        }
        func gradientPass() throws -> GradientResult<Float> {
            splitBatch ? try solver.gradient(initialState: z0, rows: batch, loss: loss, strategy: strategy, blockFields: blockFields)
                       : try solver.gradient(initialState: z0, rows: batch, loss: loss, strategy: strategy)
        }
        // Warm-up: at least three runs and `warmUpSeconds`. OpenBLAS starts its worker threads
        // when it loads and they spin (yielding) for ~0.1 s before sleeping; timing inside that
        // window measures them competing with the row-block threads, not the solver.
        let warmUpStart = clock.now
        var forward = try forwardPass()
        var warmUps = 1
        while warmUps < 3 || seconds(clock.now - warmUpStart) < c.warmUpSeconds {
            forward = try forwardPass()
            warmUps += 1
        }
        var forwardTimes: [Double] = []
        for _ in 0..<max(c.repeats, 1) {
            let start = clock.now
            forward = try forwardPass()
            forwardTimes.append(seconds(clock.now - start))
        }
        var result = try gradientPass()  // warm-up
        result = try gradientPass()
        var gradientTimes: [Double] = []
        for _ in 0..<max(c.repeats, 1) {
            let start = clock.now
            result = try gradientPass()
            gradientTimes.append(seconds(clock.now - start))
        }

        let layout = field.parameterLayout
        var grads = SafetensorsArchive()
        for e in layout.entries {
            grads.set(e.name, Tensor(shape: e.shape, scalars: Array(result.parameterGradient[e.range])))
        }
        grads.set("z0", Tensor(shape: [batch, field.dimension], scalars: result.initialStateGradient))
        let gradNorm = result.parameterGradient.reduce(0.0) { $0 + Double($1) * Double($1) }.squareRoot()
        let report = Result(
            method: c.method.rawValue, gradient: c.gradient.rawValue, dimension: field.dimension, hidden: field.hidden,
            batch: batch, loss: Double(result.loss), gradNorm: gradNorm,
            forwardSeconds: median(forwardTimes), forwardBackwardSeconds: median(gradientTimes),
            functionEvaluations: forward.statistics.forwardEvaluations,
            backwardFunctionEvaluations: result.statistics.backwardEvaluations,
            vectorJacobianProducts: result.statistics.vectorJacobianProducts,
            acceptedSteps: forward.statistics.forwardSteps, gradientPeakBytes: result.statistics.peakBytes)
        return (report, grads)
    }
}
