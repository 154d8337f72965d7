/// Shape of a stack of post-norm residual blocks (HRM/TRM/CMM):
/// `h = RMSNorm(h + Mixer(h)); h = RMSNorm(h + SwiGLU(h))`.
public struct BlockConfiguration: Sendable, Equatable, Codable {
    /// Which sublayer mixes information across positions.
    public enum Mixer: String, Sendable, Codable, CaseIterable {
        /// SwiGLU across the sequence axis (TRM's attention-free Sudoku model).
        case mlp
        /// Multi-head non-causal self-attention with RoPE.
        case attention
    }

    public var hidden: Int
    public var sequence: Int
    public var layers: Int
    public var mixer: Mixer
    /// Inner width of the token-mixing SwiGLU (default HRM/TRM's rule, 256 at 81 positions).
    public var tokenInner: Int
    /// Inner width of the channel SwiGLU (default `3·hidden`, the `tiny` preset's 384 at 128).
    public var channelInner: Int
    /// Attention heads (attention mixer only).
    public var heads: Int
    public var ropeBase: Double
    /// SiLU (HRM/TRM) or tanh (a CMM option) inside both SwiGLUs.
    public var activation: Activation
    /// RMSNorm with a learned weight (false: parameter-free, as in HRM/TRM).
    public var weightedNorm: Bool
    public var normEpsilon: Double
    /// Axis of the RMSNorm that follows the token-mixing MLP. TRM's code applies it in the
    /// transposed layout, i.e. over the sequence (`.sequence`, the default); `.hidden`
    /// normalises over channels like every other norm. Ignored for attention.
    public var tokenMixerNormAxis: NormAxis
    /// How the weight matrices start (the answer head follows it too).
    public var initialization: WeightInitialization
    /// Post-norm residual blocks (HRM/TRM), or `ContractiveBlock`s whose Lipschitz bound
    /// `lipschitz` holds by construction (a network with a unique fixed point per input).
    public var structure: Structure
    /// The `contractive` network's Lipschitz bound (ignored for `postNorm`). Below ½ the
    /// multi-rate segment map of a shared network is a contraction (Docs/Models.md).
    public var lipschitz: Double
    /// With the `contractive` structure: each block's channel MLP also reads the puzzle's
    /// embedding `x` through an unconstrained matrix, `tanh(W₁a + Ux + b)`. The network stays
    /// `lipschitz`-Lipschitz in its state input (x is an input-dependent bias, not part of the
    /// state), while its dependence on the puzzle is no longer bounded by the spectral ball.
    public var injection: Bool
    /// With `injection`: the token-mixing MLP reads `x` too, `tanh(M₁v + Px + c)` with an
    /// unconstrained `P` (`[tokenInner, sequence]`), so the puzzle also sets the operating
    /// point of the units that mix positions.
    public var tokenInjection: Bool
    /// With the `contractive` structure: each sublayer's residual weight is learned,
    /// `(1 − α)v + α·branch` with `α = sigmoid(θ)` (θ starts at 0, α = ½, the fixed
    /// structure), so training can give the nonlinear branches more of the Lipschitz budget
    /// than the averaged residual's half; the bound holds for every α in (0, 1).
    public var learnedResidual: Bool
    /// The nonlinearity of the `contractive` blocks' MLPs: tanh, or MaxMin (GroupSort of
    /// pairs: each pair of units `(a, b)` becomes `(max, min)`), which is 1-Lipschitz and
    /// keeps the gradient's norm (a permutation), so the Lipschitz budget is not lost to
    /// saturation. MaxMin needs even inner widths.
    public var contractiveActivation: ContractiveActivation
    /// Whether training keeps the `contractive` structure's weight matrices at spectral norm
    /// ≤ 1 (`SpectralBound.project` after every optimiser step). `false` is an ablation: the
    /// same blocks unconstrained, so the certificate is whatever the trained weights give
    /// (usually no contraction), to tell the bound's cost from the architecture's.
    public var spectralBound: Bool

    /// The `contractive` blocks' nonlinearity.
    public enum ContractiveActivation: String, Sendable, Codable, CaseIterable {
        case tanh
        case maxMin
    }

    /// How a network's blocks are built.
    public enum Structure: String, Sendable, Codable, CaseIterable {
        /// `h = RMSNorm(h + Mixer(h)); h = RMSNorm(h + SwiGLU(h))` (HRM/TRM).
        case postNorm
        /// `ContractiveBlock`s: averaged residuals of tanh MLPs with spectrally bounded
        /// weights, no norms; the network is `lipschitz`-Lipschitz.
        case contractive
    }

    /// The axis an RMSNorm averages over.
    public enum NormAxis: String, Sendable, Codable, CaseIterable {
        case hidden
        case sequence
    }

    public init(hidden: Int, sequence: Int, layers: Int, mixer: Mixer, tokenInner: Int? = nil,
                channelInner: Int? = nil, heads: Int? = nil, ropeBase: Double = 10_000,
                activation: Activation = .silu, weightedNorm: Bool = false,
                normEpsilon: Double = Neural.rmsNormEpsilon, tokenMixerNormAxis: NormAxis = .sequence,
                initialization: WeightInitialization = .truncatedLecunNormal,
                structure: Structure = .postNorm, lipschitz: Double = 0.45, injection: Bool = false,
                tokenInjection: Bool = false, learnedResidual: Bool = false,
                contractiveActivation: ContractiveActivation = .tanh, spectralBound: Bool = true) {
        self.hidden = hidden
        self.sequence = sequence
        self.layers = layers
        self.mixer = mixer
        self.tokenInner = tokenInner ?? Self.swigluInner(expansion: 4, width: sequence)
        self.channelInner = channelInner ?? 3 * hidden
        self.heads = heads ?? Swift.max(1, hidden / 64)
        self.ropeBase = ropeBase
        self.activation = activation
        self.weightedNorm = weightedNorm
        self.normEpsilon = normEpsilon
        self.tokenMixerNormAxis = tokenMixerNormAxis
        self.initialization = initialization
        self.structure = structure
        self.lipschitz = lipschitz
        self.injection = injection
        self.tokenInjection = tokenInjection
        self.learnedResidual = learnedResidual
        self.contractiveActivation = contractiveActivation
        self.spectralBound = spectralBound
    }

    enum CodingKeys: String, CodingKey {
        case hidden, sequence, layers, mixer, tokenInner, channelInner, heads, ropeBase, activation, weightedNorm
        case normEpsilon, tokenMixerNormAxis, initialization, structure, lipschitz, injection, tokenInjection, learnedResidual
        case contractiveActivation, spectralBound
    }

    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        hidden = try c.decode(Int.self, forKey: .hidden)
        sequence = try c.decode(Int.self, forKey: .sequence)
        layers = try c.decode(Int.self, forKey: .layers)
        mixer = try c.decode(Mixer.self, forKey: .mixer)
        tokenInner = try c.decode(Int.self, forKey: .tokenInner)
        channelInner = try c.decode(Int.self, forKey: .channelInner)
        heads = try c.decode(Int.self, forKey: .heads)
        ropeBase = try c.decode(Double.self, forKey: .ropeBase)
        activation = try c.decode(Activation.self, forKey: .activation)
        weightedNorm = try c.decode(Bool.self, forKey: .weightedNorm)
        normEpsilon = try c.decode(Double.self, forKey: .normEpsilon)
        tokenMixerNormAxis = try c.decode(NormAxis.self, forKey: .tokenMixerNormAxis)
        // Checkpoints from before the choice existed used HRM/TRM's initialisation.
        initialization = try c.decodeIfPresent(WeightInitialization.self, forKey: .initialization) ?? .truncatedLecunNormal
        structure = try c.decodeIfPresent(Structure.self, forKey: .structure) ?? .postNorm
        lipschitz = try c.decodeIfPresent(Double.self, forKey: .lipschitz) ?? 0.45
        injection = try c.decodeIfPresent(Bool.self, forKey: .injection) ?? false
        tokenInjection = try c.decodeIfPresent(Bool.self, forKey: .tokenInjection) ?? false
        learnedResidual = try c.decodeIfPresent(Bool.self, forKey: .learnedResidual) ?? false
        contractiveActivation = try c.decodeIfPresent(ContractiveActivation.self, forKey: .contractiveActivation) ?? .tanh
        spectralBound = try c.decodeIfPresent(Bool.self, forKey: .spectralBound) ?? true
    }

    /// HRM/TRM's SwiGLU width: `round(expansion·width·2/3)` rounded up to a multiple of 256
    /// (81 → 256, 128 → 384).
    public static func swigluInner(expansion: Double, width: Int) -> Int {
        let raw = Int((expansion * Double(width) * 2 / 3).rounded())
        return ((raw + 255) / 256) * 256
    }

    /// The `tiny` preset's network: hidden 128, 81 positions, 2 blocks, token inner 256,
    /// channel inner 384, parameter-free norms, no biases.
    public static func tiny(mixer: Mixer = .mlp) -> BlockConfiguration {
        BlockConfiguration(hidden: 128, sequence: 81, layers: 2, mixer: mixer, tokenInner: 256, channelInner: 384)
    }

    /// Throws when the shape cannot be built.
    public func validate() throws(NeuralError) {
        guard hidden > 0, sequence > 0, layers > 0, tokenInner > 0, channelInner > 0 else {
            throw .invalidConfiguration("hidden, sequence, layers and inner widths must be positive")
        }
        if structure == .contractive {
            guard mixer == .mlp else {
                throw .invalidConfiguration("the contractive structure mixes positions with an MLP (mixer mlp), not attention")
            }
            guard lipschitz > 0, lipschitz.isFinite else {
                throw .invalidConfiguration("lipschitz must be positive (got \(lipschitz))")
            }
            if contractiveActivation == .maxMin {
                guard tokenInner % 2 == 0, channelInner % 2 == 0 else {
                    throw .invalidConfiguration("MaxMin pairs units: tokenInner and channelInner must be even")
                }
            }
        } else if injection || learnedResidual || contractiveActivation != .tanh || !spectralBound {
            throw .invalidConfiguration("injection, learnedResidual, contractiveActivation and spectralBound are choices of the contractive structure (block.structure=contractive)")
        }
        if tokenInjection && !injection {
            throw .invalidConfiguration("tokenInjection extends injection (set block.injection=true too)")
        }
        if mixer == .attention {
            guard heads > 0, hidden % heads == 0, (hidden / heads) % 2 == 0 else {
                throw .invalidConfiguration("hidden \(hidden) must split into \(heads) heads of even size")
            }
        }
    }
}
