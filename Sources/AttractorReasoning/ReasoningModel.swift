import AttractorDynamics
import AttractorNeural
import AttractorNumerics

/// A reasoning model: a `ReasoningNetwork` (parameters, embedding, the field `F`, the heads)
/// and the segment integrator around it — the integration schedule of the two-level latent
/// state (`LatentState`), the gradient strategy's tape, and every work buffer for up to
/// `maxBatch` examples. CMM, HRM and TRM are instances that differ only in their
/// `ReasoningConfiguration` (see `Docs/Models.md`).
///
/// Usage (one deep-supervision segment, then its gradient):
/// ```swift
/// let model = try ReasoningModel<Float>(configuration: config, maxBatch: 64, seed: 1)
/// let input = model.makeInput(), state = model.makeState()
/// try model.embed(tokens, batch: 64, into: input)
/// model.runSegment(state, input: input, record: true)  // integrates, tapes the differentiated part
/// let logits = model.computeHeads(state, batch: 64)
/// // … loss → model.headCotangent…; try model.backwardSegment(state, input: input)
/// ```
/// All buffers are allocated in `init`; a training step allocates nothing of its own.
public final class ReasoningModel<T: Scalar> {
    public let configuration: ReasoningConfiguration
    public let maxBatch: Int
    /// The depth a segment runs, `(lowSteps, cycles)`: the configuration's, or a shallower one
    /// set by a depth curriculum (`setDepth`) during training.
    public private(set) var depth: (lowSteps: Int, cycles: Int)
    /// The learned part; the integrator owns every buffer its passes use.
    public let network: ReasoningNetwork<T>
    /// Every parameter (embedding, networks, heads) in one flat store (`network.store`).
    public var store: ParameterStore<T> { network.store }
    public var embedding: Embedding { network.embedding }
    /// `[F]` (shared) or `[F_L, F_H]`.
    public var networks: [BlockStack] { network.networks }
    public var answerHead: Linear { network.answerHead }
    public var haltHead: Linear? { network.haltHead }
    let workspaces: [BlockStack.Workspace<T>]
    let tableau: ButcherTableau
    let stageCount: Int

    // Work buffers, `maxBatch · width` scalars each unless noted.
    let width: Int
    let lowAddend: ScalarBuffer<T>
    let scratchInput: ScalarBuffer<T>
    let stageState: ScalarBuffer<T>
    /// A level step's result before it replaces the level (`RungeKuttaKernel.step`'s `next`).
    let levelNext: ScalarBuffer<T>
    let noiseBuffer: ScalarBuffer<T>
    /// The solver core's Runge–Kutta kernel and the level field it steps (explicit
    /// integrators; `.direct` is the discrete update and needs neither).
    private(set) lazy var levelField = LevelStepField(model: self)
    private(set) lazy var levelKernel = RungeKuttaKernel<T>(tableau: tableau, field: levelField, rows: maxBatch)
    /// Whether the kernel's first stage holds the low-level field at the low level's current
    /// state (a first-same-as-last tableau's last stage of the previous low-level step).
    var lowStageReusable = false
    /// The stage inputs of each taped Runge–Kutta step (`RungeKuttaKernel.step(store:)`),
    /// one block of `tapeStageStride` scalars per taped step; allocated with the tape.
    var tapeStageInputs: ScalarBuffer<T>? = nil
    var tapeStageStride: Int { levelKernel.storedStageCount * maxBatch * width }
    /// One network workspace per differentiated evaluation of a segment: each keeps its
    /// evaluation's activations until the backward pass, so nothing is recomputed.
    /// Allocated by the first recorded segment (inference never needs them).
    var tapeWorkspaces: [BlockStack.Workspace<T>] = []
    /// Differentiated evaluations per recorded segment.
    let tapeSlots: Int
    let tapeNoise: [ScalarBuffer<T>]
    var tape: [TapeStep] = []
    var tapeEvaluations: [TapeEvaluation] = []
    /// The incoming `[z_L | z_H]` rows of the last recorded segment (adjoint gradient only).
    var segmentStart: [T] = []
    /// The strategy of the `adjoint` segment gradient; tests set `.backprop` to compare
    /// against the taped gradient of the same discretisation.
    var adjointStrategy: GradientStrategy? = nil

    // Heads.
    public let logits: ScalarBuffer<T>
    public let haltLogits: ScalarBuffer<T>
    let pooled: ScalarBuffer<T>
    /// Cotangents the caller fills before `backwardHeads`: `∂L/∂logits`, `∂L/∂q`.
    public let logitsCotangent: ScalarBuffer<T>
    public let haltCotangent: ScalarBuffer<T>
    /// Targets of the halting BCE (training), `maxBatch × haltOutputs`.
    let haltTargets: ScalarBuffer<T>
    let pooledCotangent: ScalarBuffer<T>

    // Backward buffers.
    /// Cotangents of the final `z_H`, `z_L` (heads and losses add into them).
    public let highCotangent: ScalarBuffer<T>
    public let lowCotangent: ScalarBuffer<T>
    let inputCotangent: ScalarBuffer<T>
    let scratchA: ScalarBuffer<T>
    let scratchB: ScalarBuffer<T>
    let scratchC: ScalarBuffer<T>
    /// The puzzles' embeddings the networks read besides their state input when
    /// `block.injection` is on: the embedding of the input last given to a segment, a
    /// regulariser or a backward pass (`checkInput`), or a `ReasoningField`'s chunk.
    var injection: UnsafePointer<T>? = nil
    /// Parameter-gradient sink for VJPs whose parameter part must be discarded.
    let discardedGradients: ScalarBuffer<T>
    /// The regularisers' own buffers and network workspace (`regularisers`).
    var regulariserSpace: RegulariserWorkspace<T>? = nil

    /// Test-time noise (sampling, `ReasoningInference`): with `sampleSigma > 0` and no
    /// training noise, every step of a level adds `σ√h·ξ` to each row, row `r`'s `ξ` drawn
    /// from `sampleNoise[r]`. The caller seeds each row's stream, so a row's trajectory
    /// depends on its own seed only, never on the batch it runs in.
    public var sampleSigma: Double = 0
    /// Per row, whether the test-time noise reaches it (empty: every row). Inference's
    /// doubt-gated noise (`InferenceOptions.noiseGate`) switches it off where the model is
    /// confident; a gated-off row draws nothing.
    public var sampleRowGate: [Bool] = []
    var sampleNoise: [RandomSource] = []
    var sampleNoiseBuffer: ScalarBuffer<T>? = nil

    /// Network evaluations (forward passes of `F`, in examples) since the counter was last reset.
    public var functionEvaluations = 0
    /// Network VJPs (backward passes of `F`, in examples) since the counter was last reset.
    public var backwardEvaluations = 0

    /// Matmul flops of one forward pass of `F` for one example (a backward pass costs twice this).
    public var forwardFlopsPerExample: Int { network.forwardFlopsPerExample }

    /// Matmul flops of `forwardExamples` forward and `backwardExamples` backward passes of
    /// `F`, plus the answer head's forward and backward on `headRows` examples: the useful
    /// work of a training step (no pass is recomputed, so nothing here is counted twice).
    public func matmulFlops(forwardExamples: Int, backwardExamples: Int, headRows: Int) -> Double {
        let head = Double(answerHead.forwardFlops(rows: headRows * sequence))
        return Double(forwardFlopsPerExample) * Double(forwardExamples + 2 * backwardExamples) + 3 * head
    }

    struct TapeStep {
        var level: Level
        var firstEvaluation: Int
        var noiseSlot: Int?
        /// Block of `tapeStageInputs` holding the step's stage inputs (Runge–Kutta steps).
        var stageInputs: Int
    }

    struct TapeEvaluation {
        var network: Int
    }

    /// A fresh network (`ReasoningNetwork(configuration:seed:)`) with its integrator.
    public convenience init(configuration: ReasoningConfiguration, maxBatch: Int, seed: UInt64) throws(ReasoningError) {
        try self.init(network: ReasoningNetwork(configuration: configuration, seed: seed), maxBatch: maxBatch)
    }

    /// A replica of `other` for a data-parallel worker: a replica of its network (the same
    /// parameter values, shared, not copied: an optimiser step on `other` is seen here;
    /// gradients of its own) and every work buffer of its own, for up to `maxBatch` examples.
    public convenience init(replicaOf other: ReasoningModel<T>, maxBatch: Int) throws(ReasoningError) {
        try self.init(network: ReasoningNetwork(replicaOf: other.network), maxBatch: maxBatch)
    }

    /// The segment integrator of `network` for up to `maxBatch` examples (allocates every
    /// buffer its segments, backward passes and regularisers use).
    public init(network: ReasoningNetwork<T>, maxBatch: Int) throws(ReasoningError) {
        guard maxBatch >= 1 else { throw .invalidConfiguration("maxBatch must be positive") }
        let configuration = network.configuration
        self.configuration = configuration
        depth = (configuration.lowSteps, configuration.cycles)
        self.maxBatch = maxBatch
        self.network = network
        let block = configuration.block
        workspaces = network.makeWorkspaces(maxBatch: maxBatch)

        switch configuration.integrator {
        case .direct, .euler, .eulerMaruyama: tableau = .euler
        case .midpoint: tableau = .midpoint
        case .heun: tableau = .heun
        case .rk4: tableau = .rk4
        case .dopri5: tableau = .dormandPrince54
        }
        stageCount = configuration.integrator == .direct ? 1 : tableau.stages
        width = configuration.stateWidth
        let n = maxBatch * width
        lowAddend = ScalarBuffer(count: n)
        scratchInput = ScalarBuffer(count: n)
        stageState = ScalarBuffer(count: n)
        levelNext = ScalarBuffer(count: configuration.integrator == .direct ? 1 : n)
        noiseBuffer = ScalarBuffer(count: configuration.sigma > 0 ? n : 1)
        let tapedSteps: Int
        switch configuration.gradient {
        case .oneStep: tapedSteps = 2
        case .lastCycle: tapedSteps = configuration.lowSteps + 1
        case .implicit, .implicitAnderson, .adjoint: tapedSteps = 0
        }
        tapeSlots = tapedSteps * stageCount
        tapeNoise = configuration.sigma > 0 && configuration.noise == .multiplicative
            ? (0..<tapedSteps).map { _ in ScalarBuffer(count: n) } : []

        let rows = maxBatch * block.sequence
        logits = ScalarBuffer(count: rows * configuration.vocabulary)
        logitsCotangent = ScalarBuffer(count: rows * configuration.vocabulary)
        haltLogits = ScalarBuffer(count: max(1, maxBatch * configuration.haltOutputs.count))
        haltCotangent = ScalarBuffer(count: max(1, maxBatch * configuration.haltOutputs.count))
        haltTargets = ScalarBuffer(count: max(1, maxBatch * configuration.haltOutputs.count))
        pooled = ScalarBuffer(count: maxBatch * block.hidden)
        pooledCotangent = ScalarBuffer(count: maxBatch * block.hidden)
        highCotangent = ScalarBuffer(count: n)
        lowCotangent = ScalarBuffer(count: n)
        inputCotangent = ScalarBuffer(count: n)
        scratchA = ScalarBuffer(count: n)
        scratchB = ScalarBuffer(count: n)
        scratchC = ScalarBuffer(count: n)
        discardedGradients = ScalarBuffer(count: network.store.count)
        tape.reserveCapacity(tapedSteps)
        tapeEvaluations.reserveCapacity(tapeSlots)
        let l = configuration.loss
        if l.residual > 0 || l.repulsion > 0 || l.traceHinge > 0 || l.repellerHinge > 0 || l.frobenius > 0 || l.spectral > 0 {
            _ = regularisers  // a training step allocates nothing
        }
    }

    /// Runs the following segments at depth `(lowSteps, cycles)`, at most the configuration's
    /// (the tape is sized for it); a depth curriculum's shallow stages. `resetDepth()` returns
    /// to the configured depth.
    public func setDepth(lowSteps: Int, cycles: Int) {
        precondition((1...configuration.lowSteps).contains(lowSteps) && (1...configuration.cycles).contains(cycles),
                     "depth \(lowSteps)x\(cycles) outside 1...\(configuration.lowSteps) x 1...\(configuration.cycles)")
        depth = (lowSteps, cycles)
    }

    /// Back to the configured `(lowSteps, cycles)`.
    public func resetDepth() { depth = (configuration.lowSteps, configuration.cycles) }

    /// The regularisers' work space, built on first use.
    var regularisers: RegulariserWorkspace<T> {
        if let space = regulariserSpace { return space }
        let space = RegulariserWorkspace<T>(network: networks[highNetwork], maxBatch: maxBatch, width: width)
        regulariserSpace = space
        return space
    }

    /// Scalars per example in one level of the latent state.
    public var stateWidth: Int { width }
    public var sequence: Int { configuration.block.sequence }
    public var hidden: Int { configuration.block.hidden }
    public var vocabulary: Int { configuration.vocabulary }
    var lowNetwork: Int { network.lowNetwork }
    var highNetwork: Int { network.highNetwork }
    func network(of level: Level) -> Int { level == .low ? lowNetwork : highNetwork }

    /// A fresh latent state for up to `maxBatch` examples.
    public func makeState() -> LatentState<T> { LatentState(capacity: maxBatch, width: width) }

    // MARK: - Embedding

    /// An empty segment input for up to `maxBatch` examples (allocates; reuse it).
    public func makeInput() -> SegmentInput<T> { SegmentInput(capacity: maxBatch, sequence: sequence, width: width) }

    /// Embeds `batch` examples of `sequence` tokens into `input` (`x = E[tokens]`), which the
    /// segments of that batch and their backward passes are then given. Throws on a token
    /// outside the vocabulary or a batch the input or the model cannot hold.
    public func embed(_ tokens: UnsafePointer<Int32>, batch: Int, into input: SegmentInput<T>) throws(ReasoningError) {
        guard batch >= 1 && batch <= min(maxBatch, input.capacity) else {
            throw .invalidInput("batch \(batch) outside 1…\(min(maxBatch, input.capacity))")
        }
        guard input.sequence == sequence && input.width == width else {
            throw .invalidInput("the segment input holds \(input.sequence) tokens of width \(input.width) per example, the model \(sequence) of \(width)")
        }
        let rows = batch * sequence
        try network.embed(tokens, rows: rows, into: input.embedded.pointer)
        input.tokenBuffer.update(from: tokens, count: rows)
        input.batch = batch
    }

    /// Array convenience for `embed(_:batch:into:)`.
    public func embed(_ tokens: [Int32], batch: Int, into input: SegmentInput<T>) throws(ReasoningError) {
        guard tokens.count == batch * sequence else {
            throw .invalidInput("expected \(batch) × \(sequence) tokens, got \(tokens.count)")
        }
        try tokens.withUnsafeBufferPointer { (p) throws(ReasoningError) in try embed(p.baseAddress!, batch: batch, into: input) }
    }

    /// A new input holding the embedding of `tokens` (`batch × sequence`).
    public func embedded(_ tokens: [Int32], batch: Int) throws(ReasoningError) -> SegmentInput<T> {
        let input = makeInput()
        try embed(tokens, batch: batch, into: input)
        return input
    }

    /// Checks that `input` was embedded by a model of this shape, for `state`, and makes its
    /// embedding the injected input of the following network passes (`injection`).
    func checkInput(_ input: SegmentInput<T>, _ state: LatentState<T>) {
        precondition(input.batch >= 1 && input.batch <= maxBatch, "embed the batch first (model.embed(_:batch:into:))")
        precondition(input.width == width && state.width == width && state.capacity >= input.batch,
                     "the segment input and the latent state do not fit this model")
        if network.readsInjection { injection = input.embedding }
    }

    // MARK: - Network evaluation

    /// `F_k(input)`; the output lives in `workspace` (default: the network's own) until its
    /// next forward.
    @inline(__always)
    func evaluate(network k: Int, _ input: UnsafePointer<T>, batch: Int,
                  workspace: BlockStack.Workspace<T>? = nil) -> UnsafePointer<T> {
        functionEvaluations += batch
        var u: UnsafePointer<T>? = nil
        if network.readsInjection {
            precondition(injection != nil, "the network reads the puzzles' embeddings: run a segment on an input first")
            u = injection
        }
        return network.forward(network: k, input, injection: u, batch: batch, workspace: workspace ?? workspaces[k])
    }

    /// Adds the injected input's cotangent of the last backward pass in `workspace` into
    /// `into` (`block.injection` only; nothing otherwise): the embedding's second path.
    func addInjectionCotangent(of workspace: BlockStack.Workspace<T>, batch: Int, into: UnsafeMutablePointer<T>) {
        guard network.readsInjection else { return }
        VectorKernels.accumulate(workspace.injectionCotangent.pointer, into: into, count: batch * width)
    }

    /// VJP of `F_k` at `input` (the forward pass is taken first): returns `aᵀ∂F/∂u` (inside
    /// the network's workspace) and adds `aᵀ∂F/∂θ` into `gradients`.
    func vectorJacobianProduct(network k: Int, input: UnsafePointer<T>, cotangent: UnsafePointer<T>,
                               batch: Int, gradients: UnsafeMutablePointer<T>,
                               workspace: BlockStack.Workspace<T>? = nil) -> UnsafePointer<T> {
        let workspace = workspace ?? workspaces[k]
        _ = evaluate(network: k, input, batch: batch, workspace: workspace)
        backwardEvaluations += batch
        return network.backward(network: k, cotangent: cotangent, gradients: gradients, workspace: workspace)
    }

    /// VJP of the taped evaluation `i` of the last recorded segment, from the activations
    /// its workspace kept: returns `aᵀ∂F/∂u` (inside that workspace), adds `aᵀ∂F/∂θ` into
    /// `gradients` and the injected embedding's cotangent (if any) into `inputCotangent`.
    func tapedVectorJacobianProduct(evaluation i: Int, cotangent: UnsafePointer<T>, batch: Int,
                                    gradients: UnsafeMutablePointer<T>) -> UnsafePointer<T> {
        precondition(tapeWorkspaces[i].batch == batch, "the taped evaluation ran on another batch")
        backwardEvaluations += batch
        let v = network.backward(network: tapeEvaluations[i].network, cotangent: cotangent, gradients: gradients,
                                 workspace: tapeWorkspaces[i])
        addInjectionCotangent(of: tapeWorkspaces[i], batch: batch, into: inputCotangent.pointer)
        return v
    }

    /// `F` of `level` at `u` for one step's stage; a taped evaluation runs in its own tape
    /// workspace, which keeps its activations for the VJP.
    func evaluateLevel(_ level: Level, _ u: UnsafePointer<T>, batch: Int, taped: Bool) -> UnsafePointer<T> {
        let k = network(of: level)
        guard taped else { return evaluate(network: k, u, batch: batch) }
        let slot = tapeEvaluations.count
        tapeEvaluations.append(TapeEvaluation(network: k))
        return evaluate(network: k, u, batch: batch, workspace: tapeWorkspaces[slot])
    }

    /// Adds the cotangent `v` of a step's addend `c` where `c` came from: `z_H` and `x` for
    /// the low level (`c = z_H + x`), `z_L` for the high one (`c = z_L`).
    @_specialize(where T == Float)
    func addToAddendCotangents(of level: Level, _ v: UnsafePointer<T>, count n: Int) {
        switch level {
        case .low:
            VectorKernels.accumulate(v, into: highCotangent.pointer, count: n)
            VectorKernels.accumulate(v, into: inputCotangent.pointer, count: n)
        case .high:
            VectorKernels.accumulate(v, into: lowCotangent.pointer, count: n)
        }
    }
}

/// The two levels of the latent state: `low` is `z_L` (`F_L`, `lowSteps` steps per cycle;
/// HRM's fast module), `high` is `z_H` (`F_H`, one step per cycle, read by the heads; HRM's
/// slow module). The same two names are used everywhere in the API and the configuration.
enum Level {
    case low, high
}
