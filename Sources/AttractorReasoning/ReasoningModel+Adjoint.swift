import AttractorDynamics
import AttractorNeural
import AttractorNumerics

extension ReasoningModel {
    /// The joint-system integration of the `adjoint` gradient: `cycles·lowSteps` fixed
    /// steps of the configured tableau over `t ∈ [0, cycles·stepSize]`.
    var jointIntegration: (integration: GradientIntegration, t1: Double) {
        let steps = configuration.cycles * configuration.lowSteps
        return (.fixed(tableau, steps: steps), Double(configuration.cycles) * configuration.stepSize)
    }

    /// The `[z_L | z_H]` rows of `batch` examples of `state`.
    func jointRows(_ state: LatentState<T>, batch: Int) -> [T] {
        var rows = [T](repeating: 0, count: batch * 2 * width)
        rows.withUnsafeMutableBufferPointer { r in
            for b in 0..<batch {
                (r.baseAddress! + b * 2 * width).update(from: state.low.pointer + b * width, count: width)
                (r.baseAddress! + b * 2 * width + width).update(from: state.high.pointer + b * width, count: width)
            }
        }
        return rows
    }

    /// The field of the embedding `x` of `batch` rows.
    func jointField(x: UnsafePointer<T>, batch: Int, differentiatesInputs: Bool, lowScale: Double? = nil) -> ReasoningField<T> {
        ReasoningField(model: self, inputs: Array(UnsafeBufferPointer(start: x, count: batch * width)),
                       rows: batch, differentiatesInputs: differentiatesInputs, lowScale: lowScale)
    }

    /// Forward of an `adjoint` segment: the joint system integrated by the solver core
    /// (`ODEGradientSolver.solve`, the same kernel the adjoint re-runs). On a solver failure
    /// (non-finite state) the state is set to NaN, so the loss reports it.
    /// - Complexity: `cycles·lowSteps·stages` evaluations of each network.
    func runJointSegment(_ state: LatentState<T>, x: UnsafePointer<T>, batch: Int, record: Bool) {
        let start = jointRows(state, batch: batch)
        if record { segmentStart = start }
        let (integration, t1) = jointIntegration
        let solver = ODEGradientSolver(field: jointField(x: x, batch: batch, differentiatesInputs: false),
                                       integration: integration, from: 0, to: t1)
        let n = batch * width
        do {
            let (final, _) = try solver.solve(initialState: start, rows: batch)  // F calls count themselves
            final.withUnsafeBufferPointer { f in
                for b in 0..<batch {
                    (state.low.pointer + b * width).update(from: f.baseAddress! + b * 2 * width, count: width)
                    (state.high.pointer + b * width).update(from: f.baseAddress! + b * 2 * width + width, count: width)
                }
            }
        } catch {
            state.low.pointer.update(repeating: .nan, count: n)
            state.high.pointer.update(repeating: .nan, count: n)
        }
    }

    /// Backward of an `adjoint` segment: the continuous adjoint (`.adjoint(checkpoints:
    /// cycles)`) of the joint system from the recorded incoming state, with the head/loss
    /// cotangents of the final state as `∂L/∂z(t1)`. ∂L/∂θ goes to the store's gradients,
    /// ∂L/∂x to `inputCotangent` (then the embedding). The incoming state stays detached.
    /// - Complexity: one forward re-run plus a backward integration of the augmented system
    ///   (each stage one evaluation and one VJP of every network); memory O(state) per
    ///   checkpoint, independent of the number of steps.
    func adjointBackward(x: UnsafePointer<T>, batch: Int) throws(ReasoningError) {
        guard segmentStart.count == batch * 2 * width else {
            throw .invalidInput("adjoint backward needs the recorded segment of \(batch) examples (run runSegment(record: true))")
        }
        let n = batch * width
        var terminal = [T](repeating: 0, count: 2 * n)
        terminal.withUnsafeMutableBufferPointer { g in
            for b in 0..<batch {
                (g.baseAddress! + b * 2 * width).update(from: lowCotangent.pointer + b * width, count: width)
                (g.baseAddress! + b * 2 * width + width).update(from: highCotangent.pointer + b * width, count: width)
            }
        }
        let cotangent = terminal
        let loss = TerminalLoss<T>(name: "segment cotangent") { _, g in
            for i in 0..<g.count { g[i] = cotangent[i] }
            return 0
        }
        let field = jointField(x: x, batch: batch, differentiatesInputs: true)
        let (integration, t1) = jointIntegration
        let solver = ODEGradientSolver(field: field, integration: integration, from: 0, to: t1)
        let result: GradientResult<T>
        do {
            result = try solver.gradient(initialState: segmentStart, rows: batch, loss: loss,
                                         strategy: adjointStrategy ?? .adjoint(checkpoints: configuration.cycles))
        } catch {
            throw .gradient("\(error)")
        }
        let p = field.modelParameterCount
        result.parameterGradient.withUnsafeBufferPointer { g in
            VectorKernels.accumulate(g.baseAddress!, into: store.gradients.pointer, count: p)
            VectorKernels.accumulate(g.baseAddress! + p, into: inputCotangent.pointer, count: n)
        }
    }

    /// Implicit gradient with Anderson acceleration: the solver core's `ImplicitGradient`
    /// on the ε-free joint field `G − z` (with `x` as a parameter) at the segment's final
    /// state, solving `w = g + J_Gᵀ w` — the fixed-point form of `implicit`, iterated to
    /// convergence — to relative residual `implicitTolerance` within `implicitIterations`
    /// iterations. (For `f = D(G − z)`, `D = diag(1/ε, 1)`, the adjoint of `f` is `D⁻¹w`: the
    /// same gradient; the ε-free form keeps the iteration map `J_Gᵀ` well scaled.)
    /// Throws `implicitSolveDidNotConverge` otherwise.
    func andersonImplicitBackward(_ state: LatentState<T>, x: UnsafePointer<T>, batch: Int) throws(ReasoningError) {
        let n = batch * width
        let z = jointRows(state, batch: batch)
        var terminal = [T](repeating: 0, count: 2 * n)
        terminal.withUnsafeMutableBufferPointer { g in
            for b in 0..<batch {
                (g.baseAddress! + b * 2 * width).update(from: lowCotangent.pointer + b * width, count: width)
                (g.baseAddress! + b * 2 * width + width).update(from: highCotangent.pointer + b * width, count: width)
            }
        }
        let cotangent = terminal
        let loss = TerminalLoss<T>(name: "segment cotangent") { _, g in
            for i in 0..<g.count { g[i] = cotangent[i] }
            return 0
        }
        let field = jointField(x: x, batch: batch, differentiatesInputs: true, lowScale: 1)
        let solver = ImplicitGradient(field: field, method: .anderson, tolerance: Self.implicitTolerance,
                                      maximumIterations: max(1, configuration.implicitIterations))
        let result: ImplicitGradient<ReasoningField<T>>.Result
        do {
            result = try solver.gradient(equilibrium: z, rows: batch, loss: loss)
        } catch {
            if case let .implicitSolveDidNotConverge(_, iterations, residual, tolerance) = error {
                throw .implicitSolveDidNotConverge(iterations: iterations, residual: residual, tolerance: tolerance)
            }
            throw .gradient("\(error)")
        }
        let p = field.modelParameterCount
        result.parameterGradient.withUnsafeBufferPointer { g in
            VectorKernels.accumulate(g.baseAddress!, into: store.gradients.pointer, count: p)
            VectorKernels.accumulate(g.baseAddress! + p, into: inputCotangent.pointer, count: n)
        }
    }

    /// Relative residual at which the Anderson implicit solve stops.
    static var implicitTolerance: Double { 1e-6 }
}
