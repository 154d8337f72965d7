import AttractorDynamics
import AttractorNeural
import AttractorNumerics

/// A reasoning model's latent dynamics as a `DifferentiableVectorField` of the solver core,
/// for the stability diagnostics and for continuous integration to equilibrium:
/// one row is `[z_L | z_H]` (`2·sequence·hidden` scalars) and
/// `f = ((F_L(z_L + z_H + x) − z_L)/ε, F_H(z_H + z_L) − z_H)`, with `x` the embedding of the
/// tokens given at construction (row `r` of the batch uses example `r`'s `x`).
///
/// Equilibria of `f` are fixed points of the discrete models' updates. Evaluations and VJPs
/// run the model's networks on up to `model.maxBatch` rows at a time (larger row blocks
/// are processed in chunks). Not thread-safe: it uses the model's workspaces.
public final class ReasoningField<T: Scalar>: DifferentiableVectorField {
    public typealias Scalar = T
    public let model: ReasoningModel<T>
    /// The input embeddings, `rows × sequence·hidden`.
    public private(set) var inputs: [T]
    /// When true, `x` is part of θ: `parameterLayout` gains a last entry `inputs`
    /// (`rows × sequence·hidden`), `parameters` includes it, and the VJP adds
    /// `Σ aᵀ ∂f/∂x` there (row `r`'s cotangent at row `r` of that entry). This is how the
    /// continuous adjoint's `dg/dt = −aᵀ∂f/∂θ` also yields the embedding's gradient.
    public let differentiatesInputs: Bool
    /// The factor of the low level's field, `1/ε`.
    let lowScale: T
    /// Scalars of the model's own parameters (the start of the `inputs` entry).
    public var modelParameterCount: Int { model.store.count }
    public let rows: Int
    public let dimension: Int
    public var isAutonomous: Bool { true }
    public let parameterLayout: AttractorDynamics.ParameterLayout
    let width: Int
    let low: ScalarBuffer<T>, high: ScalarBuffer<T>, input: ScalarBuffer<T>, cot: ScalarBuffer<T>
    /// A chunk's `x` rows, the injected input of a network with `block.injection` (both levels).
    let injected: ScalarBuffer<T>

    /// The field of `model` for the given examples (`rows × sequence` tokens).
    public convenience init(model: ReasoningModel<T>, tokens: [Int32], differentiatesInputs: Bool = false) throws(ReasoningError) {
        let l = model.sequence
        guard !tokens.isEmpty, tokens.count % l == 0 else {
            throw .invalidInput("expected a multiple of \(l) tokens, got \(tokens.count)")
        }
        let rows = tokens.count / l, width = model.stateWidth
        var x: [T] = []
        x.reserveCapacity(rows * width)
        var start = 0
        let input = model.makeInput()
        while start < rows {
            let b = min(model.maxBatch, rows - start)
            try model.embed(Array(tokens[(start * l)..<((start + b) * l)]), batch: b, into: input)
            x += withExtendedLifetime(input) { Array(UnsafeBufferPointer(start: input.embedding, count: b * width)) }
            start += b
        }
        self.init(model: model, inputs: x, rows: rows, differentiatesInputs: differentiatesInputs)
    }

    /// The field of `model` for given input embeddings (`rows × sequence·hidden`).
    /// `lowScale` replaces `1/ε` on the low level (1: the ε-free fixed-point form `G − z`).
    init(model: ReasoningModel<T>, inputs x: [T], rows: Int, differentiatesInputs: Bool, lowScale: Double? = nil) {
        self.model = model
        self.lowScale = T(lowScale ?? 1 / model.configuration.epsilon)
        self.rows = rows
        width = model.stateWidth
        dimension = 2 * width
        inputs = x
        self.differentiatesInputs = differentiatesInputs
        var entries: [(name: String, shape: [Int])] = model.store.layout.views.map { ($0.name, $0.shape) }
        if differentiatesInputs { entries.append(("inputs", [rows, width])) }
        parameterLayout = AttractorDynamics.ParameterLayout(entries)
        let n = model.maxBatch * width
        low = ScalarBuffer(count: n); high = ScalarBuffer(count: n); input = ScalarBuffer(count: n); cot = ScalarBuffer(count: n)
        injected = ScalarBuffer(count: model.network.readsInjection ? n : 1)
    }

    /// θ, copied out of / into the model's store.
    public var parameters: [T] {
        get { differentiatesInputs ? model.store.values.array + inputs : model.store.values.array }
        set {
            let p = model.store.count
            model.store.values.assign(Array(newValue.prefix(p)))
            if differentiatesInputs { inputs = Array(newValue[p...]) }
        }
    }

    /// The initial state of the discrete models: zero (`u = x`, the input "repeller").
    public func initialState() -> [T] { Array(repeating: 0, count: rows * dimension) }

    /// Splits rows `[z_L | z_H]` of a chunk into the work buffers.
    func split(_ state: UnsafePointer<T>, from: Int, count: Int) {
        for r in 0..<count {
            let row = state + (from + r) * dimension
            (low.pointer + r * width).update(from: row, count: width)
            (high.pointer + r * width).update(from: row + width, count: width)
        }
    }

    /// `u_L = z_L + z_H + x` for chunk rows (x by original row) into `input`; with
    /// `block.injection`, also the chunk's `x` rows into `injected`, which both levels' passes
    /// of the chunk then read.
    func lowInput(_ selection: RowSelection, from: Int, count: Int) {
        let injects = model.network.readsInjection
        for r in 0..<count {
            let x = inputs.withUnsafeBufferPointer { $0.baseAddress! + selection.originalRow(from + r) * width }
            let u = input.pointer + r * width, l = low.pointer + r * width, h = high.pointer + r * width
            for e in 0..<width { u[e] = l[e] + h[e] + x[e] }
            if injects { (injected.pointer + r * width).update(from: x, count: width) }
        }
        if injects { model.injection = UnsafePointer(injected.pointer) }
    }

    /// Adds chunk rows `v` (`count × width`) to the `inputs` entry of the parameter gradient,
    /// row by original row: `∂/∂x` of a chunk's VJP.
    func addToInputGradient(_ v: UnsafePointer<T>, _ selection: RowSelection, from: Int, count: Int,
                            into parameterGradient: UnsafeMutablePointer<T>) {
        let base = parameterGradient + model.store.count
        for r in 0..<count {
            let gx = base + selection.originalRow(from + r) * width, vr = v + r * width
            for e in 0..<width { gx[e] += vr[e] }
        }
    }

    /// Adds the injected input's cotangent of the last VJP of network `k` (`block.injection`)
    /// to the `inputs` entry of the parameter gradient.
    func addInjectionCotangent(network k: Int, _ selection: RowSelection, from: Int, count: Int,
                               into parameterGradient: UnsafeMutablePointer<T>) {
        guard model.network.readsInjection else { return }
        addToInputGradient(model.workspaces[k].injectionCotangent.pointer, selection, from: from, count: count,
                           into: parameterGradient)
    }

    public func evaluate(t: T, state: UnsafePointer<T>, derivative: UnsafeMutablePointer<T>, rows selection: RowSelection) {
        let s = lowScale
        var from = 0
        while from < selection.count {
            let b = min(model.maxBatch, selection.count - from)
            split(state, from: from, count: b)
            lowInput(selection, from: from, count: b)
            var f = model.evaluate(network: model.lowNetwork, input.pointer, batch: b)
            for r in 0..<b {
                let d = derivative + (from + r) * dimension, fr = f + r * width, l = low.pointer + r * width
                for e in 0..<width { d[e] = s * (fr[e] - l[e]) }
            }
            VectorKernels.add(high.pointer, low.pointer, into: input.pointer, count: b * width)
            f = model.evaluate(network: model.highNetwork, input.pointer, batch: b)
            for r in 0..<b {
                let d = derivative + (from + r) * dimension + width, fr = f + r * width, h = high.pointer + r * width
                for e in 0..<width { d[e] = fr[e] - h[e] }
            }
            from += b
        }
    }

    public func vectorJacobianProduct(t: T, state: UnsafePointer<T>, cotangent: UnsafePointer<T>,
                                      stateCotangent: UnsafeMutablePointer<T>, parameterGradient: UnsafeMutablePointer<T>?,
                                      rows selection: RowSelection) {
        let s = lowScale
        let sink = parameterGradient ?? model.discardedGradients.pointer
        var from = 0
        while from < selection.count {
            let b = min(model.maxBatch, selection.count - from)
            split(state, from: from, count: b)
            // Fast part: v1 = J1ᵀ(s·a_L).
            for r in 0..<b {
                let a = cotangent + (from + r) * dimension, c = cot.pointer + r * width
                for e in 0..<width { c[e] = s * a[e] }
            }
            lowInput(selection, from: from, count: b)
            let v1 = model.vectorJacobianProduct(network: model.lowNetwork, input: input.pointer, 
                                                 cotangent: cot.pointer, batch: b, gradients: sink)
            for r in 0..<b {
                let o = stateCotangent + (from + r) * dimension, a = cotangent + (from + r) * dimension, v = v1 + r * width
                for e in 0..<width {
                    o[e] = v[e] - s * a[e]        // ∂/∂z_L
                    o[width + e] = v[e] - a[width + e]  // ∂/∂z_H
                }
            }
            if differentiatesInputs, let parameterGradient {  // ∂/∂x = v1
                addToInputGradient(v1, selection, from: from, count: b, into: parameterGradient)
                addInjectionCotangent(network: model.lowNetwork, selection, from: from, count: b, into: parameterGradient)
            }
            // Slow part: v2 = J2ᵀ a_H, added to both levels.
            for r in 0..<b {
                (cot.pointer + r * width).update(from: cotangent + (from + r) * dimension + width, count: width)
            }
            VectorKernels.add(high.pointer, low.pointer, into: input.pointer, count: b * width)
            let v2 = model.vectorJacobianProduct(network: model.highNetwork, input: input.pointer, 
                                                 cotangent: cot.pointer, batch: b, gradients: sink)
            if differentiatesInputs, let parameterGradient {
                addInjectionCotangent(network: model.highNetwork, selection, from: from, count: b, into: parameterGradient)
            }
            for r in 0..<b {
                let o = stateCotangent + (from + r) * dimension, v = v2 + r * width
                for e in 0..<width { o[e] += v[e]; o[width + e] += v[e] }
            }
            from += b
        }
    }
}

extension ReasoningModel {
    /// Integrates the continuous two-level system from the zero state with the solver core
    /// (`method`, default adaptive Dopri5) until every example reaches equilibrium
    /// (`‖f‖ ≤ atol + rtol‖z‖`) or `t1`; the final `z_H` feeds the answer head.
    public func integrateToEquilibrium(tokens: [Int32], t1: Double = 64, method: ODEMethod = .dormandPrince54,
                                       steadyState: SteadyStateEvent = SteadyStateEvent(relativeTolerance: 1e-3, absoluteTolerance: 1e-6),
                                       options: SolverOptions = SolverOptions(relativeTolerance: 1e-3, absoluteTolerance: 1e-5))
        throws -> (solution: Solution<T>, answers: [[Int32]]) {
        let field = try ReasoningField(model: self, tokens: tokens)
        var o = options
        o.steadyState = steadyState
        let solution = try ODESolver.solve(field, initialState: field.initialState(), t0: 0, t1: t1, method: method, options: o)
        let final = solution.finalState.scalars
        let state = makeState()
        var answers: [[Int32]] = []
        var start = 0
        while start < field.rows {
            let b = min(maxBatch, field.rows - start)
            for r in 0..<b {
                (state.high.pointer + r * width).update(from: final.withUnsafeBufferPointer { $0.baseAddress! } + (start + r) * field.dimension + width, count: width)
            }
            computeHeads(state, batch: b)
            for r in 0..<b { answers.append(predictedTokens(example: r)) }
            start += b
        }
        return (solution, answers)
    }
}
