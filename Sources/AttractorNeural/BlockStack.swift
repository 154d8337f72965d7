import AttractorNumerics

/// A stack of `ResidualBlock`s: the network `F` of HRM/TRM/CMM, mapping
/// `[batch, sequence, hidden]` to the same shape. A value describing parameter offsets;
/// the mutable state lives in a `ParameterStore` and a `BlockStack.Workspace`.
public struct BlockStack: Sendable, Equatable {
    public let configuration: BlockConfiguration
    /// The post-norm blocks (`structure == .postNorm`; empty otherwise).
    public let blocks: [ResidualBlock]
    /// The contractive blocks (`structure == .contractive`; empty otherwise); the last one
    /// carries the Lipschitz bound as its output scale.
    public let contractiveBlocks: [ContractiveBlock]

    /// Registers the parameters of every block (`name.0.…`, `name.1.…`) in `layout`.
    public init(_ name: String = "blocks", configuration: BlockConfiguration,
                layout: inout ParameterLayout) throws(NeuralError) {
        try configuration.validate()
        self.configuration = configuration
        var blocks: [ResidualBlock] = [], contractive: [ContractiveBlock] = []
        for i in 0..<configuration.layers {
            switch configuration.structure {
            case .postNorm:
                blocks.append(ResidualBlock("\(name).\(i)", configuration: configuration, layout: &layout))
            case .contractive:
                let scale = i == configuration.layers - 1 ? configuration.lipschitz : 1
                contractive.append(ContractiveBlock("\(name).\(i)", configuration: configuration, outputScale: scale,
                                                    layout: &layout))
            }
        }
        self.blocks = blocks
        contractiveBlocks = contractive
    }

    /// Matmul flops of one forward pass; a backward pass costs twice this.
    public func forwardFlops(batch: Int) -> Int {
        blocks.reduce(0) { $0 + $1.forwardFlops(batch: batch) }
            + contractiveBlocks.reduce(0) { $0 + $1.forwardFlops(batch: batch) }
    }

    /// A certified upper bound on the Lipschitz constant of the `contractive` stack for the
    /// weights in `parameters` (nil for `postNorm`, which has none): the product over blocks
    /// of `((1 − α₁) + α₁σ(M₂)σ(M₁))·((1 − α₂) + α₂σ(W₂)σ(W₁))` (α = ½ unless learned) times
    /// the last block's scale, each `σ` the
    /// rigorous upper bound `SpectralBound.largestSingularValueUpperBound` (not an estimate),
    /// so the result is at most a few tenths of a percent above `lipschitz` when every matrix
    /// is on the unit ball.
    public func lipschitzBound<T: Scalar>(parameters p: UnsafePointer<T>, squarings: Int = 10) -> Double? {
        guard !contractiveBlocks.isEmpty else { return nil }
        func sigma(_ v: ParameterView) -> Double {
            SpectralBound.largestSingularValueUpperBound(p + v.offset, rows: v.shape[0], columns: v.shape[1],
                                                         squarings: squarings)
        }
        var bound = 1.0
        for b in contractiveBlocks {
            let alpha = b.residualWeights(parameters: p)
            bound *= (1 - alpha.token) + alpha.token * sigma(b.tokenOut) * sigma(b.tokenIn)
            bound *= (1 - alpha.channel) + alpha.channel * sigma(b.channelOut.weight) * sigma(b.channelIn.weight)
            bound *= b.outputScale
        }
        return bound
    }

    /// The weight matrices whose spectral norms must stay ≤ 1 for the `contractive`
    /// structure's Lipschitz bound, and which training projects (empty for `postNorm`, and
    /// for the unconstrained ablation `spectralBound: false`); see `SpectralBound`.
    public var spectrallyBoundedMatrices: [ParameterView] {
        configuration.spectralBound ? contractiveBlocks.flatMap(\.boundedMatrices) : []
    }

    /// Everything a forward/backward pair needs, allocated once for up to `maxBatch` examples.
    public final class Workspace<T: Scalar> {
        public let maxBatch: Int
        /// Batch size of the last forward pass.
        public internal(set) var batch: Int = 0
        let input: ScalarBuffer<T>
        let blocks: [ResidualBlock.Workspace<T>]
        let contractive: [ContractiveBlock.Workspace<T>]
        let scratch: ScalarBuffer<T>
        /// The input cotangent after `backward`.
        public let cotangent: ScalarBuffer<T>
        /// The injected input of the last forward pass and its cotangent after `backward`
        /// (`configuration.injection`; one scalar each otherwise).
        let injection: ScalarBuffer<T>
        public let injectionCotangent: ScalarBuffer<T>

        public init(_ stack: BlockStack, maxBatch: Int) {
            self.maxBatch = maxBatch
            let n = maxBatch * stack.configuration.sequence * stack.configuration.hidden
            input = ScalarBuffer(count: n)
            blocks = stack.blocks.map { ResidualBlock.Workspace($0, maxBatch: maxBatch) }
            contractive = stack.contractiveBlocks.map { ContractiveBlock.Workspace($0, maxBatch: maxBatch) }
            scratch = ScalarBuffer(count: n)
            cotangent = ScalarBuffer(count: n)
            let injected = stack.configuration.injection ? n : 1
            injection = ScalarBuffer(count: injected)
            injectionCotangent = ScalarBuffer(count: injected)
        }

        /// The output of the last forward pass (`batch·sequence·hidden` scalars).
        public var output: UnsafePointer<T> {
            UnsafePointer(blocks.isEmpty ? contractive[contractive.count - 1].output.pointer
                                         : blocks[blocks.count - 1].output.pointer)
        }
    }

    /// `F(input)`; returns a pointer to the output inside `workspace` (valid until the next
    /// forward). With `configuration.injection`, `injection` (the same shape as `input`, the
    /// puzzle's embedding) is the input every block's channel MLP also reads; it must be
    /// given exactly then. Both are copied, so the caller may reuse their buffers.
    /// - Complexity: `forwardFlops(batch:)` matmul flops plus O(rows·hidden) elementwise work.
    @_specialize(where T == Float)
    @_specialize(where T == Double)
    @discardableResult
    public func forward<T: Scalar>(_ input: UnsafePointer<T>, injection: UnsafePointer<T>? = nil, batch: Int,
                                   parameters p: UnsafePointer<T>, workspace w: Workspace<T>) -> UnsafePointer<T> {
        precondition(batch > 0 && batch <= w.maxBatch, "batch \(batch) outside 1...\(w.maxBatch)")
        precondition(configuration.injection == (injection != nil),
                     configuration.injection ? "this network reads an injected input; pass it" : "this network reads no injected input")
        w.batch = batch
        let n = batch * configuration.sequence * configuration.hidden
        Kernels.copy(input, w.input.pointer, count: n)
        var x = UnsafePointer(w.input.pointer)
        var u: UnsafePointer<T>? = nil
        if let injection {
            Kernels.copy(injection, w.injection.pointer, count: n)
            u = UnsafePointer(w.injection.pointer)
        }
        for k in 0..<contractiveBlocks.count {
            contractiveBlocks[k].forward(x, injection: u, batch: batch, parameters: p, workspace: w.contractive[k])
            x = UnsafePointer(w.contractive[k].output.pointer)
        }
        for k in 0..<blocks.count {  // an index loop: `zip` here allocated iterator boxes
            blocks[k].forward(x, batch: batch, parameters: p, workspace: w.blocks[k])
            x = UnsafePointer(w.blocks[k].output.pointer)
        }
        return x
    }

    /// VJP of the last `forward`: given `∂L/∂F`, adds `∂L/∂θ` into `gradients` and returns
    /// `∂L/∂input` (inside `workspace`, valid until the next backward); with an injected
    /// input, its cotangent is in `workspace.injectionCotangent`.
    /// - Complexity: `2·forwardFlops(batch:)` matmul flops.
    @_specialize(where T == Float)
    @_specialize(where T == Double)
    @discardableResult
    public func backward<T: Scalar>(_ cotangent: UnsafePointer<T>, parameters p: UnsafePointer<T>,
                                    gradients g: UnsafeMutablePointer<T>, workspace w: Workspace<T>) -> UnsafePointer<T> {
        let batch = w.batch
        precondition(batch > 0, "backward needs a forward pass first")
        let n = batch * configuration.sequence * configuration.hidden
        let d = w.cotangent.pointer
        Kernels.copy(cotangent, d, count: n)
        var u: UnsafePointer<T>? = nil, du: UnsafeMutablePointer<T>? = nil
        if configuration.injection {
            u = UnsafePointer(w.injection.pointer)
            du = w.injectionCotangent.pointer
            du!.update(repeating: 0, count: n)
        }
        for k in stride(from: contractiveBlocks.count - 1, through: 0, by: -1) {
            let x = k == 0 ? UnsafePointer(w.input.pointer) : UnsafePointer(w.contractive[k - 1].output.pointer)
            contractiveBlocks[k].backward(d, input: x, injection: u, batch: batch, parameters: p, gradients: g,
                                          workspace: w.contractive[k], inputCotangent: d, injectionCotangent: du)
        }
        for k in stride(from: blocks.count - 1, through: 0, by: -1) {
            let x = k == 0 ? UnsafePointer(w.input.pointer) : UnsafePointer(w.blocks[k - 1].output.pointer)
            blocks[k].backward(d, input: x, batch: batch, parameters: p, gradients: g, workspace: w.blocks[k],
                               scratch: w.scratch.pointer, inputCotangent: d)
        }
        return UnsafePointer(d)
    }
}
