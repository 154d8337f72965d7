import AttractorNumerics
import Foundation

/// A block whose Lipschitz constant is at most `outputScale` by construction (with every
/// weight matrix of spectral norm ≤ 1, which `SpectralBound.project` enforces):
///
///     a = ½·(v + M₂ tanh(M₁ v + c))          token mixing, per hidden channel
///     y = s·½·(a + W₂ tanh(W₁ a + b))        channel MLP, per position
///
/// `M₁` is `[tokenInner, sequence]`, `M₂` `[sequence, tokenInner]`, `W₁` `[channelInner,
/// hidden]`, `W₂` `[hidden, channelInner]`; tanh is 1-Lipschitz, so each averaged residual is
/// 1-Lipschitz when `‖M₂‖‖M₁‖ ≤ 1` and `‖W₂‖‖W₁‖ ≤ 1` (in the Frobenius norm of the whole
/// `[sequence, hidden]` state), and the block is `s`-Lipschitz. No norms: an RMSNorm has no
/// global Lipschitz bound (`√d/‖v‖` near 0). A stack of these is the `contractive` structure
/// of `BlockConfiguration`: the last block carries `s = lipschitz`, the others `s = 1`.
///
/// With `injection`, the channel MLP also reads an input `u` (the puzzle's embedding) through
/// an unconstrained `U` (`[channelInner, hidden]`): `tanh(W₁a + Uu + b)`, and with
/// `tokenInjection` the token mixing too, `tanh(M₁v + Pu + c)`. `u` is a bias of the map
/// `v ↦ y`, so the bound on its Lipschitz constant in `v` is unchanged. With
/// `learnedResidual` the two ½ become learned weights, `(1 − α)v + α·branch`, `α = sigmoid(θ)`
/// per sublayer: each sublayer stays 1-Lipschitz (`(1 − α) + α·1`), and the branches may take
/// more (or less) of the budget.
public struct ContractiveBlock: Sendable, Equatable {
    public let sequence: Int
    public let dimension: Int
    public let tokenInner: Int
    public let tokenIn: ParameterView
    public let tokenBias: ParameterView
    public let tokenOut: ParameterView
    public let channelIn: Linear
    public let channelOut: Linear
    /// `U`, when the block reads an injected input.
    public let inject: Linear?
    /// `P` (`[tokenInner, sequence]`), when the token mixing reads it too (`tokenInjection`).
    public let tokenInject: ParameterView?
    /// `(θ_token, θ_channel)`, the logits of the learned residual weights `α = sigmoid(θ)`
    /// (`learnedResidual`); without it both weights are ½.
    public let residualLogits: ParameterView?
    /// `s`: the block's Lipschitz bound.
    public let outputScale: Double
    /// The MLPs' nonlinearity.
    public let activation: BlockConfiguration.ContractiveActivation

    public init(_ name: String, configuration c: BlockConfiguration, outputScale: Double,
                layout: inout ParameterLayout) {
        sequence = c.sequence
        dimension = c.hidden
        tokenInner = c.tokenInner
        self.outputScale = outputScale
        activation = c.contractiveActivation
        tokenIn = layout.add("\(name).token_in.weight", shape: [c.tokenInner, c.sequence],
                             initializer: c.initialization.initializer(fanIn: c.sequence))
        tokenBias = layout.add("\(name).token_in.bias", shape: [c.tokenInner], initializer: .zeros)
        tokenOut = layout.add("\(name).token_out.weight", shape: [c.sequence, c.tokenInner],
                              initializer: c.initialization.initializer(fanIn: c.tokenInner))
        channelIn = Linear("\(name).channel_in", inFeatures: c.hidden, outFeatures: c.channelInner, bias: true,
                           layout: &layout, initializer: c.initialization.initializer(fanIn: c.hidden))
        channelOut = Linear("\(name).channel_out", inFeatures: c.channelInner, outFeatures: c.hidden,
                            layout: &layout, initializer: c.initialization.initializer(fanIn: c.channelInner))
        inject = c.injection
            ? Linear("\(name).inject", inFeatures: c.hidden, outFeatures: c.channelInner, layout: &layout,
                     initializer: c.initialization.initializer(fanIn: c.hidden))
            : nil
        tokenInject = c.injection && c.tokenInjection
            ? layout.add("\(name).token_inject.weight", shape: [c.tokenInner, c.sequence],
                         initializer: c.initialization.initializer(fanIn: c.sequence))
            : nil
        residualLogits = c.learnedResidual ? layout.add("\(name).residual_logits", shape: [2], initializer: .zeros) : nil
    }

    /// The residual weights `(α_token, α_channel)` for the parameters at `p`: learned, or ½.
    public func residualWeights<T: Scalar>(parameters p: UnsafePointer<T>) -> (token: Double, channel: Double) {
        guard let residualLogits else { return (0.5, 0.5) }
        func sigmoid(_ x: T) -> Double { 1 / (1 + Foundation.exp(-Double(x))) }
        return (sigmoid(p[residualLogits.offset]), sigmoid(p[residualLogits.offset + 1]))
    }

    /// The matrices whose spectral norms the Lipschitz bound assumes to be ≤ 1.
    public var boundedMatrices: [ParameterView] { [tokenIn, tokenOut, channelIn.weight, channelOut.weight] }

    /// Matmul flops of one forward pass over `batch` examples.
    public func forwardFlops(batch: Int) -> Int {
        4 * batch * sequence * tokenInner * dimension + channelIn.forwardFlops(rows: batch * sequence)
            + channelOut.forwardFlops(rows: batch * sequence) + (inject?.forwardFlops(rows: batch * sequence) ?? 0)
            + (tokenInject == nil ? 0 : 2 * batch * sequence * tokenInner * dimension)
    }

    /// Activations kept by `forward` for `backward`, for up to `maxBatch` examples.
    public final class Workspace<T: Scalar> {
        public let maxBatch: Int
        /// `tanh(M₁ v + c)` per example (`[tokenInner, hidden]`).
        let tokenActivation: ScalarBuffer<T>
        /// `a`, the token-mixing output.
        let mixed: ScalarBuffer<T>
        /// `tanh(W₁ a + b)` per position (`[rows, channelInner]`).
        let channelActivation: ScalarBuffer<T>
        /// The block output.
        public let output: ScalarBuffer<T>
        let tokenCotangent: ScalarBuffer<T>
        let channelCotangent: ScalarBuffer<T>
        let mixedCotangent: ScalarBuffer<T>
        /// The branches' outputs `M₂ tanh(…)` and `W₂ tanh(…)` (`learnedResidual` only: the
        /// residual weights' gradients read them).
        let tokenBranch: ScalarBuffer<T>
        let channelBranch: ScalarBuffer<T>
        /// Pre-activations of both MLPs (MaxMin only: the backward pass routes by them).
        let tokenPre: ScalarBuffer<T>
        let channelPre: ScalarBuffer<T>

        public init(_ block: ContractiveBlock, maxBatch: Int) {
            self.maxBatch = maxBatch
            let rows = maxBatch * block.sequence
            tokenActivation = ScalarBuffer(count: maxBatch * block.tokenInner * block.dimension)
            tokenCotangent = ScalarBuffer(count: maxBatch * block.tokenInner * block.dimension)
            mixed = ScalarBuffer(count: rows * block.dimension)
            mixedCotangent = ScalarBuffer(count: rows * block.dimension)
            channelActivation = ScalarBuffer(count: rows * block.channelIn.outFeatures)
            channelCotangent = ScalarBuffer(count: rows * block.channelIn.outFeatures)
            output = ScalarBuffer(count: rows * block.dimension)
            let branch = block.residualLogits == nil ? 1 : rows * block.dimension
            tokenBranch = ScalarBuffer(count: branch)
            channelBranch = ScalarBuffer(count: branch)
            let maxMin = block.activation == .maxMin
            tokenPre = ScalarBuffer(count: maxMin ? maxBatch * block.tokenInner * block.dimension : 1)
            channelPre = ScalarBuffer(count: maxMin ? rows * block.channelIn.outFeatures : 1)
        }
    }

    /// Runs the block on `v` (`[batch, sequence, dimension]`), with the injected input `u`
    /// (same shape; required exactly when the block has `inject`); the result is in
    /// `workspace.output`. `v` and `u` must stay unchanged until `backward`.
    @_specialize(where T == Float)
    @_specialize(where T == Double)
    public func forward<T: Scalar>(_ v: UnsafePointer<T>, injection u: UnsafePointer<T>? = nil, batch: Int,
                                   parameters p: UnsafePointer<T>, workspace w: Workspace<T>) {
        precondition((inject == nil) == (u == nil), inject == nil ? "this block reads no injected input" : "this block needs its injected input")
        let (s, d, ti) = (sequence, dimension, tokenInner)
        let rows = batch * s, n = rows * d
        let act = w.tokenActivation.pointer, a = w.mixed.pointer
        let m1 = p + tokenIn.offset, c = p + tokenBias.offset, m2 = p + tokenOut.offset
        for b in 0..<batch {
            let vb = v + b * s * d, hb = act + b * ti * d, ab = a + b * s * d
            for i in 0..<ti { (hb + i * d).update(repeating: c[i], count: d) }
            Kernels.gemm(false, false, m: ti, n: d, k: s, m1, lda: s, vb, ldb: d, beta: 1, hb, ldc: d)
            if let tokenInject, let u {
                Kernels.gemm(false, false, m: ti, n: d, k: s, p + tokenInject.offset, lda: s, u + b * s * d, ldb: d,
                             beta: 1, hb, ldc: d)
            }
            if activation == .maxMin {
                (w.tokenPre.pointer + b * ti * d).update(from: hb, count: ti * d)
                Self.maxMin(hb, pairs: ti / 2, stride: d, width: d)
            } else {
                TanhKernel.apply(hb, count: ti * d)
            }
            Kernels.gemm(false, false, m: s, n: d, k: ti, m2, lda: ti, UnsafePointer(hb), ldb: d, beta: 0, ab, ldc: d)
        }
        let alpha = residualWeights(parameters: p)
        let alphaToken = T(alpha.token), alphaChannel = T(alpha.channel)
        if residualLogits != nil { w.tokenBranch.pointer.update(from: a, count: n) }
        for e in 0..<n { a[e] = (1 - alphaToken) * v[e] + alphaToken * a[e] }
        let h = w.channelActivation.pointer, inner = channelIn.outFeatures
        channelIn.forward(UnsafePointer(a), rows: rows, parameters: p, into: h)
        if let inject, let u {
            Kernels.gemm(false, true, m: rows, n: inner, k: d, u, lda: d, p + inject.weight.offset, ldb: d,
                         beta: 1, h, ldc: inner)
        }
        if activation == .maxMin {
            w.channelPre.pointer.update(from: h, count: rows * inner)
            for r in 0..<rows { Self.maxMin(h + r * inner, pairs: inner / 2, stride: 1, width: 1) }
        } else {
            TanhKernel.apply(h, count: rows * inner)
        }
        let y = w.output.pointer
        channelOut.forward(UnsafePointer(h), rows: rows, parameters: p, into: y)
        if residualLogits != nil { w.channelBranch.pointer.update(from: y, count: n) }
        let scale = T(outputScale), keep = scale * (1 - alphaChannel), mix = scale * alphaChannel
        for e in 0..<n { y[e] = keep * a[e] + mix * y[e] }
    }

    /// VJP of the last `forward` on `v` (and `u`): adds parameter gradients into `g`, writes
    /// the input cotangent into `dv` (which may alias `dy`) and adds the injected input's
    /// into `du`.
    @_specialize(where T == Float)
    @_specialize(where T == Double)
    public func backward<T: Scalar>(_ dy: UnsafePointer<T>, input v: UnsafePointer<T>, injection u: UnsafePointer<T>? = nil,
                                    batch: Int, parameters p: UnsafePointer<T>, gradients g: UnsafeMutablePointer<T>,
                                    workspace w: Workspace<T>, inputCotangent dv: UnsafeMutablePointer<T>,
                                    injectionCotangent du: UnsafeMutablePointer<T>? = nil) {
        let (s, d, ti) = (sequence, dimension, tokenInner)
        let rows = batch * s, n = rows * d, inner = channelIn.outFeatures
        let alpha = residualWeights(parameters: p)
        let alphaToken = T(alpha.token), alphaChannel = T(alpha.channel), scale = T(outputScale)
        let da = w.mixedCotangent.pointer, dh = w.channelCotangent.pointer, h = w.channelActivation.pointer
        let a = UnsafePointer(w.mixed.pointer)
        // y = s·((1 − α₂)a + α₂ W₂h), h = tanh(W₁a + Ux + b):
        // da = s(1 − α₂)·dy + W₁ᵀ((W₂ᵀ s·α₂·dy) ⊙ (1 − h²)); dα₂ = s·Σ dy ⊙ (W₂h − a).
        if let residualLogits {
            let branch = w.channelBranch.pointer
            var sum: T = 0
            for e in 0..<n { sum += dy[e] * (branch[e] - a[e]) }
            g[residualLogits.offset + 1] += scale * sum * alphaChannel * (1 - alphaChannel)
        }
        let mix = scale * alphaChannel, keep = scale * (1 - alphaChannel)
        for e in 0..<n { da[e] = mix * dy[e] }
        channelOut.backward(UnsafePointer(da), input: UnsafePointer(h), rows: rows, parameters: p, gradients: g,
                            inputCotangent: dh)
        if activation == .maxMin {
            let pre = w.channelPre.pointer
            for r in 0..<rows {
                Self.routeMaxMin(dh + r * inner, pre: pre + r * inner, pairs: inner / 2, stride: 1, width: 1)
            }
        } else {
            for e in 0..<(rows * inner) { dh[e] *= 1 - h[e] * h[e] }
        }
        if let inject, let u {
            inject.backward(UnsafePointer(dh), input: u, rows: rows, parameters: p, gradients: g, inputCotangent: du,
                            accumulate: true)
        }
        for e in 0..<n { da[e] = keep * dy[e] }
        channelIn.backward(UnsafePointer(dh), input: a, rows: rows, parameters: p,
                           gradients: g, inputCotangent: da, accumulate: true)
        // a = (1 − α₁)v + α₁ M₂t, t = tanh(M₁v + Px + c), per example: the branch's cotangent
        // is α₁·da (the gemms' alpha), the identity's (1 − α₁)·da; dα₁ = Σ da ⊙ (M₂t − v).
        if let residualLogits {
            let branch = w.tokenBranch.pointer
            var sum: T = 0
            for e in 0..<n { sum += da[e] * (branch[e] - v[e]) }
            g[residualLogits.offset] += sum * alphaToken * (1 - alphaToken)
        }
        let m1 = p + tokenIn.offset, m2 = p + tokenOut.offset
        let gm1 = g + tokenIn.offset, gc = g + tokenBias.offset, gm2 = g + tokenOut.offset
        let act = w.tokenActivation.pointer, dt = w.tokenCotangent.pointer
        for b in 0..<batch {
            let vb = v + b * s * d, tb = act + b * ti * d, dab = UnsafePointer(da + b * s * d)
            let dtb = dt + b * ti * d
            // dM₂ += α₁·da_b t_bᵀ; dt_b = α₁·M₂ᵀ da_b ⊙ (1 − t²).
            Kernels.gemm(false, true, m: s, n: ti, k: d, alpha: alphaToken, dab, lda: d, UnsafePointer(tb), ldb: d,
                         beta: 1, gm2, ldc: ti)
            Kernels.gemm(true, false, m: ti, n: d, k: s, alpha: alphaToken, m2, lda: ti, dab, ldb: d, beta: 0, dtb, ldc: d)
            if activation == .maxMin {
                Self.routeMaxMin(dtb, pre: w.tokenPre.pointer + b * ti * d, pairs: ti / 2, stride: d, width: d)
            } else {
                for e in 0..<(ti * d) { dtb[e] *= 1 - tb[e] * tb[e] }
            }
            for i in 0..<ti {
                var sum: T = 0
                for j in 0..<d { sum += dtb[i * d + j] }
                gc[i] += sum
            }
            // dM₁ += dt_b v_bᵀ; dv_b = (1 − α₁)·da_b + M₁ᵀ dt_b.
            Kernels.gemm(false, true, m: ti, n: s, k: d, UnsafePointer(dtb), lda: d, vb, ldb: d, beta: 1, gm1, ldc: s)
            if let tokenInject, let u {
                // dP += dt_b x_bᵀ; dx_b += Pᵀ dt_b.
                let ub = u + b * s * d
                Kernels.gemm(false, true, m: ti, n: s, k: d, UnsafePointer(dtb), lda: d, ub, ldb: d, beta: 1,
                             g + tokenInject.offset, ldc: s)
                if let du {
                    Kernels.gemm(true, false, m: s, n: d, k: ti, p + tokenInject.offset, lda: s, UnsafePointer(dtb), ldb: d,
                                 beta: 1, du + b * s * d, ldc: d)
                }
            }
            let dvb = dv + b * s * d, identity = 1 - alphaToken
            for e in 0..<(s * d) { dvb[e] = identity * dab[e] }
            Kernels.gemm(true, false, m: s, n: d, k: ti, m1, lda: s, UnsafePointer(dtb), ldb: d, beta: 1, dvb, ldc: d)
        }
    }

    /// MaxMin in place on `pairs` unit pairs: pair `i` is the units starting at
    /// `x + 2i·stride` and `x + (2i + 1)·stride`, each `width` scalars long (rows of a
    /// `[units, width]` block with `stride = width`, or adjacent scalars with `stride = 1`);
    /// they become `(max, min)` elementwise.
    @inline(__always)
    static func maxMin<T: Scalar>(_ x: UnsafeMutablePointer<T>, pairs: Int, stride: Int, width: Int) {
        for i in 0..<pairs {
            let first = x + 2 * i * stride, second = first + stride
            for j in 0..<width {
                let a = first[j], b = second[j]
                if a < b { first[j] = b; second[j] = a }
            }
        }
    }

    /// The VJP of `maxMin`: where the pre-activation pair was out of order, the two
    /// cotangents swap back.
    @inline(__always)
    static func routeMaxMin<T: Scalar>(_ dx: UnsafeMutablePointer<T>, pre: UnsafePointer<T>, pairs: Int, stride: Int,
                                       width: Int) {
        for i in 0..<pairs {
            let o = 2 * i * stride
            for j in 0..<width where pre[o + j] < pre[o + stride + j] {
                let t = dx[o + j]
                dx[o + j] = dx[o + stride + j]
                dx[o + stride + j] = t
            }
        }
    }
}

/// Keeps weight matrices inside the spectral-norm ball `‖W‖₂ ≤ bound`: power iteration
/// from a fixed start estimates `σ_max`, and a matrix above the bound is scaled onto it. Used
/// after every optimiser step (and at initialisation) on the matrices of a `contractive`
/// network, so the network's Lipschitz bound holds for the weights it trains and ships (EMA
/// weights are convex combinations of such matrices, so they stay inside the ball too).
public enum SpectralBound {
    /// Scratch vectors for the power iteration, reusable across calls (so the projection the
    /// trainer runs after every step allocates nothing once it has seen its largest matrix).
    public final class Workspace {
        var x: [Double] = []
        var y: [Double] = []
        public init() {}

        func reserve(rows: Int, columns: Int) {
            if x.count < columns { x = [Double](repeating: 0, count: columns) }
            if y.count < rows { y = [Double](repeating: 0, count: rows) }
        }
    }

    /// `σ_max(W)` of the `[rows, columns]` matrix at `w`, by `iterations` rounds of power
    /// iteration on `WᵀW` from a fixed start (deterministic: the same weights give the same
    /// estimate). A lower bound that tightens with the iterations.
    public static func largestSingularValue<T: Scalar>(_ w: UnsafePointer<T>, rows: Int, columns: Int,
                                                       iterations: Int, workspace: Workspace = Workspace()) -> Double {
        workspace.reserve(rows: rows, columns: columns)
        return workspace.x.withUnsafeMutableBufferPointer { x in
            workspace.y.withUnsafeMutableBufferPointer { y in
                powerIteration(w, rows: rows, columns: columns, iterations: iterations, x: x.baseAddress!, y: y.baseAddress!)
            }
        }
    }

    @_specialize(where T == Float)
    @_specialize(where T == Double)
    static func powerIteration<T: Scalar>(_ w: UnsafePointer<T>, rows: Int, columns: Int, iterations: Int,
                                          x: UnsafeMutablePointer<Double>, y: UnsafeMutablePointer<Double>) -> Double {
        // A start with a component along every singular vector in practice: not constant.
        for j in 0..<columns { x[j] = 1 + 0.5 * Double((j * 7919) % 13) / 13 }
        var sigma = 0.0
        for _ in 0..<max(1, iterations) {
            var xNorm = 0.0
            for j in 0..<columns { xNorm += x[j] * x[j] }
            xNorm = xNorm.squareRoot()
            guard xNorm > 0 else { return 0 }
            for j in 0..<columns { x[j] /= xNorm }
            var yNorm = 0.0
            for i in 0..<rows {
                let r = w + i * columns
                var sum = 0.0
                for j in 0..<columns { sum += Double(r[j]) * x[j] }
                y[i] = sum
                yNorm += sum * sum
            }
            sigma = yNorm.squareRoot()
            for j in 0..<columns { x[j] = 0 }
            for i in 0..<rows {
                let r = w + i * columns, yi = y[i]
                for j in 0..<columns { x[j] += Double(r[j]) * yi }
            }
        }
        return sigma
    }

    /// A rigorous upper bound on `σ_max(W)`: `SpectralNormBound.upperBound` (AttractorNumerics).
    public static func largestSingularValueUpperBound<T: Scalar>(_ w: UnsafePointer<T>, rows: Int, columns: Int,
                                                                 squarings: Int = 10) -> Double {
        SpectralNormBound.upperBound(w, rows: rows, columns: columns, squarings: squarings)
    }

    /// Scales each matrix in `views` whose estimated `σ_max` exceeds `bound` onto the bound.
    /// Returns the largest estimate before scaling.
    @discardableResult
    public static func project<T: Scalar>(_ values: UnsafeMutablePointer<T>, views: [ParameterView],
                                          bound: Double = 1, iterations: Int = 30,
                                          workspace: Workspace = Workspace()) -> Double {
        var largest = 0.0
        for view in views {
            precondition(view.shape.count == 2, "\(view.name) is not a matrix")
            let w = values + view.offset
            let sigma = largestSingularValue(UnsafePointer(w), rows: view.shape[0], columns: view.shape[1],
                                             iterations: iterations, workspace: workspace)
            largest = max(largest, sigma)
            if sigma > bound {
                let scale = T(bound / sigma)
                for e in 0..<view.count { w[e] *= scale }
            }
        }
        return largest
    }
}
