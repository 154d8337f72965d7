import AttractorNeural
import AttractorNumerics

/// The learned part of a reasoning model: every parameter in one flat store, the input
/// embedding, the field networks (`[F]` shared, or `[F_L, F_H]`) and the two heads (answer
/// logits on `z_H`; halting Q-values on the mean of `z_H` over positions, with
/// `haltReadout = relational` plus a readout of mixtures of positions), with their forward
/// passes and VJPs.
///
/// It keeps nothing between calls: every pass reads and writes buffers and workspaces its
/// caller owns. The caller is the segment integrator, `ReasoningModel` (schedule, tape, work
/// buffers for up to `maxBatch` examples); data-parallel workers each hold a replica network
/// (`init(replicaOf:)`) that shares the parameter values and has its own gradients.
public final class ReasoningNetwork<T: Scalar> {
    public let configuration: ReasoningConfiguration
    /// Every parameter (embedding, networks, heads) in one flat store, with its gradients.
    public let store: ParameterStore<T>
    public let embedding: Embedding
    /// `[F]` (shared) or `[F_L, F_H]`.
    public let networks: [BlockStack]
    public let answerHead: Linear
    public let haltHead: Linear?
    /// The relational readout added to the halting head (`haltReadout = relational`).
    let relationalHalt: RelationalHaltHead?
    let relationalBuffers = RelationalHaltHead.Buffers<T>()

    /// A network with freshly initialised parameters (the configuration's initialisation,
    /// seeded; the halting bias at −5, HRM/TRM's "continue").
    public convenience init(configuration: ReasoningConfiguration, seed: UInt64) throws(ReasoningError) {
        try self.init(configuration: configuration, parameters: .fresh(seed: seed))
    }

    /// A replica of `other`: the same parameter values (shared, not copied: an optimiser step
    /// on `other` is seen here) and gradients of its own.
    public convenience init(replicaOf other: ReasoningNetwork<T>) throws(ReasoningError) {
        try self.init(configuration: other.configuration, parameters: .shared(other.store))
    }

    enum ParameterSource {
        case fresh(seed: UInt64)
        case shared(ParameterStore<T>)
    }

    init(configuration: ReasoningConfiguration, parameters: ParameterSource) throws(ReasoningError) {
        try configuration.validate()
        self.configuration = configuration
        let block = configuration.block
        var layout = AttractorNeural.ParameterLayout()
        let embeddingScale = Double(block.hidden).squareRoot()
        embedding = Embedding("embed", vocabulary: configuration.vocabulary, dimension: block.hidden,
                              scale: embeddingScale, layout: &layout,
                              initializer: .truncatedNormal(std: configuration.training.embeddingStd / embeddingScale))
        var nets: [BlockStack] = []
        do {
            if configuration.networks == .shared {
                nets.append(try BlockStack("blocks", configuration: block, layout: &layout))
            } else {
                nets.append(try BlockStack("low.blocks", configuration: block, layout: &layout))
                nets.append(try BlockStack("high.blocks", configuration: block, layout: &layout))
            }
        } catch { throw .invalidConfiguration("\(error)") }
        networks = nets
        spectrallyBoundedMatrices = nets.flatMap(\.spectrallyBoundedMatrices)
        answerHead = Linear("head", inFeatures: block.hidden, outFeatures: configuration.vocabulary, layout: &layout,
                            initializer: block.initialization.initializer(fanIn: block.hidden))
        haltHead = configuration.haltOutputs != .absent
            ? Linear("halt", inFeatures: block.hidden, outFeatures: configuration.haltOutputs.count, bias: true,
                     layout: &layout, initializer: .zeros)
            : nil
        relationalHalt = haltHead != nil && configuration.haltReadout == .relational
            ? RelationalHaltHead(sequence: block.sequence, hidden: block.hidden, outputs: configuration.haltOutputs.count,
                                 initialization: block.initialization, layout: &layout)
            : nil
        switch parameters {
        case .fresh(let seed):
            store = ParameterStore(layout: layout)
            store.initialize(using: RandomSource(seed: seed))
            if let haltHead, let bias = haltHead.bias {
                // HRM/TRM: halting starts strongly "continue" (bias −5).
                (store.values.pointer + bias.offset).update(repeating: -5, count: bias.count)
            }
            projectSpectralNorms()
        case .shared(let other):
            guard other.layout.count == layout.count else {
                throw .invalidConfiguration("a replica needs the same parameter layout (\(other.layout.count) vs \(layout.count) parameters)")
            }
            store = ParameterStore(sharingValuesOf: other)
        }
    }

    /// The matrices a `contractive` structure keeps at spectral norm ≤ 1 (empty otherwise).
    public let spectrallyBoundedMatrices: [ParameterView]
    private let spectralWorkspace = SpectralBound.Workspace()

    /// Scales every matrix of `spectrallyBoundedMatrices` whose spectral norm exceeds `bound`
    /// onto `bound` (`SpectralBound.project`): the trainer calls it after every optimiser
    /// step, so the networks stay `block.lipschitz`-Lipschitz (at `bound` 1; above 1 while
    /// `training.spectralBoundStart` anneals it). Returns the largest norm found (0 when
    /// there is nothing to bound).
    @discardableResult
    public func projectSpectralNorms(bound: Double = 1, iterations: Int = 30) -> Double {
        projectSpectralNorms(of: store.values.pointer, bound: bound, iterations: iterations)
    }

    /// The same projection on another copy of the parameters laid out like `store` (the
    /// trainer's EMA weights), with this network's workspace.
    @discardableResult
    public func projectSpectralNorms(of values: UnsafeMutablePointer<T>, bound: Double = 1,
                                     iterations: Int = 30) -> Double {
        guard !spectrallyBoundedMatrices.isEmpty else { return 0 }
        return SpectralBound.project(values, views: spectrallyBoundedMatrices, bound: bound,
                                     iterations: iterations, workspace: spectralWorkspace)
    }

    /// A certified Lipschitz bound of the field networks (the largest over `networks`), nil
    /// unless the structure is `contractive` (`BlockStack.lipschitzBound`).
    public func lipschitzBound() -> Double? {
        let p = UnsafePointer(store.values.pointer)
        let bounds = networks.compactMap { $0.lipschitzBound(parameters: p) }
        return bounds.max()
    }

    /// What a `contractive` network certifies about the model's equilibria, nil otherwise:
    /// `lipschitz`, the bound `L` on every field network; and, for the damped Euler(–Maruyama)
    /// or direct multi-rate schedule with steps `h ≤ 1`, `segmentFactor = max(1 − h + 2hL)`
    /// over the two levels' steps (`h = lowStepSize/ε` and `stepSize`; 1 for `direct`), the
    /// factor by which one step, and so the segment map, contracts the level-wise max norm
    /// `max(‖Δz_L‖, ‖Δz_H‖)`. `2L < 1` makes the equilibrium of each input unique (Banach on
    /// `(z_L, z_H) ↦ (F(z_L + z_H + x), F(z_H + z_L))`); `segmentFactor < 1` also makes every
    /// start converge to it (Docs/Models.md).
    public func contractionCertificate() -> (lipschitz: Double, segmentFactor: Double?)? {
        guard let l = lipschitzBound() else { return nil }
        let c = configuration
        guard c.discretisation == .multiRate else { return (l, nil) }
        let steps: [Double]
        switch c.integrator {
        case .direct: steps = [1, 1]
        case .euler, .eulerMaruyama: steps = [c.lowStepSize / c.epsilon, c.stepSize]
        default: return (l, nil)
        }
        guard steps.allSatisfy({ $0 > 0 && $0 <= 1 }) else { return (l, nil) }
        return (l, steps.map { 1 - $0 + 2 * $0 * l }.max()!)
    }

    public var sequence: Int { configuration.block.sequence }
    public var hidden: Int { configuration.block.hidden }
    public var vocabulary: Int { configuration.vocabulary }
    /// The index in `networks` of `F_L` and of `F_H` (the same network when shared).
    var lowNetwork: Int { 0 }
    var highNetwork: Int { networks.count - 1 }

    /// One workspace per network, for passes on up to `maxBatch` examples.
    public func makeWorkspaces(maxBatch: Int) -> [BlockStack.Workspace<T>] {
        networks.map { BlockStack.Workspace($0, maxBatch: maxBatch) }
    }

    /// Matmul flops of one forward pass of `F` for one example (a backward pass costs twice this).
    public var forwardFlopsPerExample: Int { networks[0].forwardFlops(batch: 1) }

    // MARK: - Embedding

    /// `x = E[tokens]` for `rows` tokens into `x` (`rows × hidden`). Throws on a token outside
    /// the vocabulary.
    public func embed(_ tokens: UnsafePointer<Int32>, rows: Int, into x: UnsafeMutablePointer<T>) throws(ReasoningError) {
        do {
            try embedding.forward(tokens, rows: rows, parameters: UnsafePointer(store.values.pointer), into: x)
        } catch { throw .invalidInput("\(error)") }
    }

    /// Adds the embedding's parameter gradient for the cotangent `dx` of `x = E[tokens]` into
    /// `store.gradients`.
    public func backwardEmbedding(_ dx: UnsafePointer<T>, tokens: UnsafePointer<Int32>, rows: Int) {
        embedding.backward(dx, tokens: tokens, rows: rows, gradients: store.gradients.pointer)
    }

    // MARK: - The field networks

    /// `F_k(input)` on `batch` examples; the output lives in `workspace` until its next
    /// forward, which also keeps the activations for `backward`. `injection`: the puzzles'
    /// embeddings, which a `contractive` network with `block.injection` reads besides its
    /// state input (required exactly then; `BlockStack.forward`).
    @inline(__always)
    public func forward(network k: Int, _ input: UnsafePointer<T>, injection: UnsafePointer<T>? = nil, batch: Int,
                        workspace: BlockStack.Workspace<T>) -> UnsafePointer<T> {
        networks[k].forward(input, injection: injection, batch: batch, parameters: UnsafePointer(store.values.pointer),
                            workspace: workspace)
    }

    /// Whether the field networks read the puzzles' embeddings besides their state input.
    public var readsInjection: Bool { configuration.block.injection }

    /// VJP of the last `forward` of `F_k` in `workspace`: returns `aᵀ∂F/∂u` (inside the
    /// workspace) and adds `aᵀ∂F/∂θ` into `gradients`; the injected input's cotangent, if
    /// any, is left in `workspace.injectionCotangent`.
    @inline(__always)
    public func backward(network k: Int, cotangent: UnsafePointer<T>, gradients: UnsafeMutablePointer<T>,
                         workspace: BlockStack.Workspace<T>) -> UnsafePointer<T> {
        networks[k].backward(cotangent, parameters: UnsafePointer(store.values.pointer), gradients: gradients,
                             workspace: workspace)
    }

    // MARK: - Heads

    /// The answer logits of `z_H` (`batch × sequence × vocabulary` into `logits`) and, with
    /// a halting head, its Q-values on the mean of `z_H` over positions (`pooled`, `batch ×
    /// hidden`, is the caller's scratch).
    public func heads(_ high: UnsafePointer<T>, batch: Int, logits: UnsafeMutablePointer<T>,
                      haltLogits: UnsafeMutablePointer<T>, pooled: UnsafeMutablePointer<T>) {
        let p = UnsafePointer(store.values.pointer)
        let read = headInput(high, batch: batch)
        answerHead.forward(read, rows: batch * sequence, parameters: p, into: logits)
        guard let haltHead else { return }
        meanOverPositions(read, batch: batch, into: pooled)
        haltHead.forward(UnsafePointer(pooled), rows: batch, parameters: p, into: haltLogits)
        relationalHalt?.forward(read, batch: batch, parameters: p, addingInto: haltLogits, buffers: relationalBuffers)
    }

    /// The halting logits alone of the states `high` (`batch × sequence × hidden`) into
    /// `haltLogits`; `pooled` is the caller's scratch. Nothing to do without a halting head.
    public func haltLogits(_ high: UnsafePointer<T>, batch: Int, into haltLogits: UnsafeMutablePointer<T>,
                           pooled: UnsafeMutablePointer<T>) {
        guard let haltHead else { return }
        let p = UnsafePointer(store.values.pointer)
        let read = headInput(high, batch: batch)
        meanOverPositions(read, batch: batch, into: pooled)
        haltHead.forward(UnsafePointer(pooled), rows: batch, parameters: p, into: haltLogits)
        relationalHalt?.forward(read, batch: batch, parameters: p, addingInto: haltLogits, buffers: relationalBuffers)
    }

    /// The halting head's parameter gradients for the cotangent `haltCotangent` of
    /// `haltLogits(high, …)`, added into `store.gradients`; nothing flows into the states.
    public func backwardHaltLogits(_ high: UnsafePointer<T>, batch: Int, haltCotangent: UnsafePointer<T>,
                                   pooled: UnsafeMutablePointer<T>) {
        guard let haltHead else { return }
        let p = UnsafePointer(store.values.pointer), g = store.gradients.pointer
        let read = headInput(high, batch: batch)
        meanOverPositions(read, batch: batch, into: pooled)
        haltHead.backward(haltCotangent, input: UnsafePointer(pooled), rows: batch, parameters: p, gradients: g,
                          inputCotangent: nil)
        relationalHalt?.backward(haltCotangent, read: read, batch: batch, parameters: p, gradients: g,
                                 readCotangent: nil, buffers: relationalBuffers)
    }

    /// VJP of `heads`: adds `∂L/∂z_H` into `highCotangent` and the heads' parameter gradients
    /// into `store.gradients`. `pooled` and `pooledCotangent` are the caller's scratch.
    public func backwardHeads(_ high: UnsafePointer<T>, batch: Int, logitsCotangent: UnsafePointer<T>,
                              haltCotangent: UnsafePointer<T>, highCotangent: UnsafeMutablePointer<T>,
                              pooled: UnsafeMutablePointer<T>, pooledCotangent: UnsafeMutablePointer<T>) {
        let p = UnsafePointer(store.values.pointer), g = store.gradients.pointer
        let normalised = configuration.block.structure == .contractive
        let read = headInput(high, batch: batch)
        // Without the norm the cotangent of the heads' input is z_H's; with it, a scratch one
        // carried through the norm at the end.
        let n = batch * sequence * hidden
        let readCotangent: UnsafeMutablePointer<T>
        if normalised {
            readCotangent = headBuffers.cotangent.pointer
            readCotangent.update(repeating: 0, count: n)
        } else {
            readCotangent = highCotangent
        }
        answerHead.backward(logitsCotangent, input: read, rows: batch * sequence, parameters: p, gradients: g,
                            inputCotangent: readCotangent, accumulate: true)
        if let haltHead {
            meanOverPositions(read, batch: batch, into: pooled)
            haltHead.backward(haltCotangent, input: UnsafePointer(pooled), rows: batch, parameters: p, gradients: g,
                              inputCotangent: pooledCotangent)
            let d = hidden, l = sequence, inv = 1 / T(l)
            for b in 0..<batch {
                let pc = pooledCotangent + b * d
                for t in 0..<l {
                    let r = readCotangent + (b * l + t) * d
                    for j in 0..<d { r[j] += inv * pc[j] }
                }
            }
            relationalHalt?.backward(haltCotangent, read: read, batch: batch, parameters: p, gradients: g,
                                     readCotangent: readCotangent, buffers: relationalBuffers)
        }
        guard normalised else { return }
        // n = z/rms(z) per position: dz = (dn − n·mean(dn ⊙ n)) / rms(z), added into z_H's cotangent.
        let d = hidden, nrm = headBuffers.normalised.pointer, invRMS = headBuffers.inverseRMS.pointer
        for r in 0..<(batch * sequence) {
            let dn = readCotangent + r * d, x = nrm + r * d, out = highCotangent + r * d
            var dot: T = 0
            for j in 0..<d { dot += dn[j] * x[j] }
            let m = dot / T(d), k = invRMS[r]
            for j in 0..<d { out[j] += k * (dn[j] - x[j] * m) }
        }
    }

    /// Buffers of the heads' input norm (`contractive` structure), grown to the largest batch seen.
    final class HeadBuffers {
        var normalised = ScalarBuffer<T>(count: 0)
        var cotangent = ScalarBuffer<T>(count: 0)
        var inverseRMS = ScalarBuffer<T>(count: 0)
    }
    let headBuffers = HeadBuffers()

    /// What the heads read: `z_H` itself, or with the `contractive` structure `z_H` normalised
    /// per position (parameter-free RMSNorm over the hidden axis). The contractive network keeps
    /// the state at a scale of order `lipschitz` times its input's, and the heads are not part
    /// of the fixed-point map, so they may normalise it.
    func headInput(_ high: UnsafePointer<T>, batch: Int) -> UnsafePointer<T> {
        guard configuration.block.structure == .contractive else { return high }
        let rows = batch * sequence, d = hidden, n = rows * d
        if headBuffers.normalised.count < n {
            headBuffers.normalised = ScalarBuffer(count: n)
            headBuffers.cotangent = ScalarBuffer(count: n)
            headBuffers.inverseRMS = ScalarBuffer(count: rows)
        }
        let out = headBuffers.normalised.pointer, invRMS = headBuffers.inverseRMS.pointer
        let epsilon = T(configuration.block.normEpsilon)
        for r in 0..<rows {
            let x = high + r * d, o = out + r * d
            var sum: T = 0
            for j in 0..<d { sum += x[j] * x[j] }
            let k = 1 / (sum / T(d) + epsilon).squareRoot()
            invRMS[r] = k
            for j in 0..<d { o[j] = k * x[j] }
        }
        return UnsafePointer(out)
    }

    func meanOverPositions(_ z: UnsafePointer<T>, batch: Int, into out: UnsafeMutablePointer<T>) {
        let d = hidden, l = sequence, inv = 1 / T(l)
        for b in 0..<batch {
            let o = out + b * d
            o.update(repeating: 0, count: d)
            for t in 0..<l {
                let r = z + (b * l + t) * d
                for j in 0..<d { o[j] += r[j] }
            }
            for j in 0..<d { o[j] *= inv }
        }
    }
}
