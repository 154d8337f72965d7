import AttractorNumerics

/// One post-norm residual block `h₁ = RMSNorm(h + Mixer(h)); h₂ = RMSNorm(h₁ + SwiGLU(h₁))`.
/// With the token-mixing MLP, the first norm averages over the sequence by default (TRM's
/// code normalises before transposing back); `BlockConfiguration.tokenMixerNormAxis`
/// switches it to the hidden axis.
public struct ResidualBlock: Sendable, Equatable {
    /// The position-mixing sublayer.
    public enum Mixer: Sendable, Equatable {
        case tokenMLP(TokenMixingMLP)
        case attention(SelfAttention)
    }

    public let mixer: Mixer
    public let mixerNorm: RMSNorm
    public let mlp: SwiGLU
    public let mlpNorm: RMSNorm
    public let sequence: Int
    public let dimension: Int
    /// The first norm averages over the sequence (TRM's token-MLP block) instead of channels.
    public let mixerNormAcrossSequence: Bool

    public init(_ name: String, configuration c: BlockConfiguration, layout: inout ParameterLayout) {
        sequence = c.sequence
        dimension = c.hidden
        mixerNormAcrossSequence = c.mixer == .mlp && c.tokenMixerNormAxis == .sequence
        switch c.mixer {
        case .mlp:
            mixer = .tokenMLP(TokenMixingMLP("\(name).token_mlp", sequence: c.sequence, dimension: c.hidden,
                                             inner: c.tokenInner, activation: c.activation,
                                             initialization: c.initialization, layout: &layout))
        case .attention:
            mixer = .attention(SelfAttention("\(name).attention", sequence: c.sequence, dimension: c.hidden,
                                             heads: c.heads, ropeBase: c.ropeBase, initialization: c.initialization,
                                             layout: &layout))
        }
        mixerNorm = RMSNorm("\(name).norm1", dimension: mixerNormAcrossSequence ? c.sequence : c.hidden, weighted: c.weightedNorm,
                            epsilon: c.normEpsilon, layout: &layout)
        mlp = SwiGLU("\(name).mlp", dimension: c.hidden, inner: c.channelInner, activation: c.activation,
                     initialization: c.initialization, layout: &layout)
        mlpNorm = RMSNorm("\(name).norm2", dimension: c.hidden, weighted: c.weightedNorm,
                          epsilon: c.normEpsilon, layout: &layout)
    }

    /// Matmul flops of one forward pass over `batch` examples.
    public func forwardFlops(batch: Int) -> Int {
        let mixing: Int
        switch mixer {
        case .tokenMLP(let m): mixing = m.forwardFlops(batch: batch)
        case .attention(let a): mixing = a.forwardFlops(batch: batch)
        }
        return mixing + mlp.forwardFlops(rows: batch * sequence)
    }

    /// Activations cached by `forward` and scratch for `backward`, for up to `maxBatch` examples.
    public final class Workspace<T: Scalar> {
        public let maxBatch: Int
        let tokenMLP: TokenMixingMLP.Workspace<T>?
        let attention: SelfAttention.Workspace<T>?
        let mlp: SwiGLU.Workspace<T>
        /// Mixer output, then SwiGLU output (one buffer, used in turn).
        let sublayerOutput: ScalarBuffer<T>
        let normalized1: ScalarBuffer<T>, inverseRMS1: ScalarBuffer<T>, output1: ScalarBuffer<T>
        let normalized2: ScalarBuffer<T>, inverseRMS2: ScalarBuffer<T>
        /// The block output (`w∘x̂₂`, or `x̂₂` itself when parameter-free).
        public let output: ScalarBuffer<T>
        /// Sequence-axis norm only: `x̂₁`, its output, `1/rms` per column, cotangents, all in
        /// the transposed `[sequence, batch·hidden]` layout.
        let normalizedT: ScalarBuffer<T>?, outputT: ScalarBuffer<T>?, inverseRMST: ScalarBuffer<T>?
        let columnScratch: ScalarBuffer<T>?, cotangentT: ScalarBuffer<T>?, scratchT: ScalarBuffer<T>?

        public init(_ block: ResidualBlock, maxBatch: Int) {
            self.maxBatch = maxBatch
            let rows = maxBatch * block.sequence, n = rows * block.dimension
            switch block.mixer {
            case .tokenMLP(let m):
                tokenMLP = TokenMixingMLP.Workspace(m, maxBatch: maxBatch)
                attention = nil
            case .attention(let a):
                tokenMLP = nil
                attention = SelfAttention.Workspace(a, maxBatch: maxBatch)
            }
            mlp = SwiGLU.Workspace(block.mlp, maxRows: rows)
            sublayerOutput = ScalarBuffer(count: n)
            normalized1 = ScalarBuffer(count: n)
            inverseRMS1 = ScalarBuffer(count: rows)
            output1 = block.mixerNorm.weight == nil || block.mixerNormAcrossSequence ? normalized1 : ScalarBuffer(count: n)
            normalized2 = ScalarBuffer(count: n)
            inverseRMS2 = ScalarBuffer(count: rows)
            output = block.mlpNorm.weight == nil ? normalized2 : ScalarBuffer(count: n)
            if block.mixerNormAcrossSequence {
                let columns = maxBatch * block.dimension
                let nT = ScalarBuffer<T>(count: n)
                normalizedT = nT
                outputT = block.mixerNorm.weight == nil ? nT : ScalarBuffer(count: n)
                inverseRMST = ScalarBuffer(count: columns)
                columnScratch = ScalarBuffer(count: columns)
                cotangentT = ScalarBuffer(count: n)
                scratchT = ScalarBuffer(count: n)
            } else {
                (normalizedT, outputT, inverseRMST, columnScratch, cotangentT, scratchT) = (nil, nil, nil, nil, nil, nil)
            }
        }
    }

    /// Runs the block on `x` (`[batch, sequence, dimension]`); the result is in
    /// `workspace.output`. `x` must stay unchanged until `backward`.
    @_specialize(where T == Float)
    @_specialize(where T == Double)
    public func forward<T: Scalar>(_ x: UnsafePointer<T>, batch: Int, parameters p: UnsafePointer<T>,
                                   workspace w: Workspace<T>) {
        let rows = batch * sequence
        let m = w.sublayerOutput.pointer
        switch mixer {
        case .tokenMLP(let layer) where mixerNormAcrossSequence:
            // Stay in the transposed layout through the norm, as TRM does.
            let tw = w.tokenMLP!
            Kernels.swapBatchAndSequence(x, tw.inputTransposed, batch: batch, sequence: sequence, dimension: dimension,
                                         inverse: false)
            layer.forwardTransposed(batch: batch, parameters: p, workspace: tw)
            mixerNorm.forwardColumns(tw.inputTransposed, adding: tw.outputTransposed, columns: batch * dimension,
                                     parameters: p, normalized: w.normalizedT!.pointer,
                                     inverseRMS: w.inverseRMST!.pointer, output: w.outputT!.pointer)
            Kernels.swapBatchAndSequence(w.outputT!.pointer, w.output1.pointer, batch: batch, sequence: sequence,
                                         dimension: dimension, inverse: true)
        case .tokenMLP(let layer):
            layer.forward(x, batch: batch, parameters: p, workspace: w.tokenMLP!, into: m)
            mixerNorm.forward(x, adding: m, rows: rows, parameters: p, normalized: w.normalized1.pointer,
                              inverseRMS: w.inverseRMS1.pointer, output: w.output1.pointer)
        case .attention(let layer):
            layer.forward(x, batch: batch, parameters: p, workspace: w.attention!, into: m)
            mixerNorm.forward(x, adding: m, rows: rows, parameters: p, normalized: w.normalized1.pointer,
                              inverseRMS: w.inverseRMS1.pointer, output: w.output1.pointer)
        }
        mlp.forward(w.output1.pointer, rows: rows, parameters: p, workspace: w.mlp, into: m)
        mlpNorm.forward(w.output1.pointer, adding: m, rows: rows, parameters: p, normalized: w.normalized2.pointer,
                        inverseRMS: w.inverseRMS2.pointer, output: w.output.pointer)
    }

    /// VJP of the last `forward` on `x`: adds parameter gradients into `g` and writes the
    /// input cotangent into `dx`. `scratch` is `rows·dimension` scalars, `dy` may alias `dx`
    /// but not `scratch`.
    @_specialize(where T == Float)
    @_specialize(where T == Double)
    public func backward<T: Scalar>(_ dy: UnsafePointer<T>, input x: UnsafePointer<T>, batch: Int,
                                    parameters p: UnsafePointer<T>, gradients g: UnsafeMutablePointer<T>,
                                    workspace w: Workspace<T>, scratch: UnsafeMutablePointer<T>,
                                    inputCotangent dx: UnsafeMutablePointer<T>) {
        let rows = batch * sequence, n = rows * dimension
        // ∂ through the second norm: scratch = d(h₁ + SwiGLU(h₁)).
        mlpNorm.backward(dy, normalized: w.normalized2.pointer, inverseRMS: w.inverseRMS2.pointer, rows: rows,
                         parameters: p, gradients: g, inputCotangent: scratch)
        // dh₁ = scratch + SwiGLUᵀ(scratch), built in dx.
        Kernels.copy(scratch, dx, count: n)
        mlp.backward(scratch, input: w.output1.pointer, rows: rows, parameters: p, gradients: g, workspace: w.mlp,
                     inputCotangent: dx, accumulate: true)
        if case .tokenMLP(let layer) = mixer, mixerNormAcrossSequence {
            let tw = w.tokenMLP!, gT = w.scratchT!.pointer, daT = w.cotangentT!.pointer
            Kernels.swapBatchAndSequence(dx, gT, batch: batch, sequence: sequence, dimension: dimension, inverse: false)
            mixerNorm.backwardColumns(gT, normalized: w.normalizedT!.pointer, inverseRMS: w.inverseRMST!.pointer,
                                      columns: batch * dimension, parameters: p, gradients: g,
                                      scratch: w.columnScratch!.pointer, inputCotangent: daT)
            layer.backwardTransposed(daT, batch: batch, parameters: p, gradients: g, workspace: tw, inputCotangent: gT)
            // dx = (daT + dMixerT) transposed back to [batch, sequence, hidden].
            for b in 0..<batch {
                for t in 0..<sequence {
                    let src = (t * batch + b) * dimension, dst = dx + (b * sequence + t) * dimension
                    let a = daT + src, c = gT + src
                    for j in 0..<dimension { dst[j] = a[j] + c[j] }
                }
            }
            return
        }
        // ∂ through the first norm: scratch = d(x + Mixer(x)).
        mixerNorm.backward(dx, normalized: w.normalized1.pointer, inverseRMS: w.inverseRMS1.pointer, rows: rows,
                           parameters: p, gradients: g, inputCotangent: scratch)
        Kernels.copy(scratch, dx, count: n)
        switch mixer {
        case .tokenMLP(let layer):
            layer.backward(scratch, batch: batch, parameters: p, gradients: g, workspace: w.tokenMLP!,
                           inputCotangent: dx, accumulate: true)
        case .attention(let layer):
            layer.backward(scratch, input: x, batch: batch, parameters: p, gradients: g, workspace: w.attention!,
                           inputCotangent: dx, accumulate: true)
        }
    }
}
