import Testing
import AttractorNeural
import AttractorNumerics

/// Every layer's VJP (input and parameters) against central finite differences in Double.
@Suite struct LayerGradientTests {
    let tolerance = 1e-6

    func expectGradients(_ r: GradientCheck.Result, hasInput: Bool = true, hasParameters: Bool = true,
                         sourceLocation: SourceLocation = #_sourceLocation) {
        #expect(r.inputError <= tolerance, "input VJP rel. error \(r.inputError)", sourceLocation: sourceLocation)
        #expect(r.parameterError <= tolerance, "parameter VJP rel. error \(r.parameterError)",
                sourceLocation: sourceLocation)
        if hasInput { #expect(r.inputNorm > 0, sourceLocation: sourceLocation) }
        if hasParameters { #expect(r.parameterNorm > 0, sourceLocation: sourceLocation) }
    }

    @Test(arguments: [false, true]) func linear(bias: Bool) {
        var layout = ParameterLayout()
        let layer = Linear("lin", inFeatures: 4, outFeatures: 3, bias: bias, layout: &layout)
        let rows = 5
        let x = gaussianArray(rows * 4, seed: 1), theta = gaussianArray(layout.count, seed: 2)
        let w = gaussianArray(rows * 3, seed: 3)
        let r = GradientCheck().check(x: x, theta: theta, cotangent: w, forward: { x, t in
            withStore(layout, t) { s in
                var y = [Double](repeating: 0, count: rows * 3)
                x.withPointer { layer.forward($0, rows: rows, parameters: s.values.pointer, into: &y) }
                return y
            }
        }, vjp: { x, t, w in
            withStore(layout, t) { s in
                var dx = [Double](repeating: 0, count: x.count)
                x.withPointer { xp in w.withPointer { wp in
                    layer.backward(wp, input: xp, rows: rows, parameters: s.values.pointer,
                                   gradients: s.gradients.pointer, inputCotangent: &dx)
                } }
                return (dx, s.gradients.array)
            }
        })
        expectGradients(r)
    }

    @Test func embedding() throws {
        var layout = ParameterLayout()
        let layer = Embedding("emb", vocabulary: 5, dimension: 3, scale: 1.7, layout: &layout)
        let tokens: [Int32] = [0, 3, 3, 4, 1, 0]
        let theta = gaussianArray(layout.count, seed: 4), w = gaussianArray(tokens.count * 3, seed: 5)
        let r = GradientCheck().check(x: [], theta: theta, cotangent: w, forward: { _, t in
            withStore(layout, t) { s in
                var y = [Double](repeating: 0, count: tokens.count * 3)
                try! layer.forward(tokens, rows: tokens.count, parameters: s.values.pointer, into: &y)
                return y
            }
        }, vjp: { _, t, w in
            withStore(layout, t) { s in
                w.withPointer { layer.backward($0, tokens: tokens, rows: tokens.count, gradients: s.gradients.pointer) }
                return ([], s.gradients.array)
            }
        })
        expectGradients(r, hasInput: false)
        var y = [Double](repeating: 0, count: 3)
        let store = ParameterStore<Double>(layout: layout)
        #expect(throws: NeuralError.tokenOutOfRange(token: 5, vocabulary: 5)) {
            try layer.forward([5], rows: 1, parameters: store.values.pointer, into: &y)
        }
    }

    @Test(arguments: [false, true]) func rmsNorm(weighted: Bool) {
        var layout = ParameterLayout()
        let layer = RMSNorm("norm", dimension: 6, weighted: weighted, layout: &layout)
        let rows = 4
        let x = gaussianArray(rows * 6, seed: 6)
        let theta = weighted ? gaussianArray(layout.count, seed: 7) : []
        let w = gaussianArray(rows * 6, seed: 8)
        let r = GradientCheck().check(x: x, theta: theta, cotangent: w, forward: { x, t in
            withStore(layout, t) { s in
                let n = ScalarBuffer<Double>(count: rows * 6), y = ScalarBuffer<Double>(count: rows * 6)
                let inv = ScalarBuffer<Double>(count: rows)
                x.withPointer {
                    layer.forward($0, rows: rows, parameters: s.values.pointer, normalized: n.pointer,
                                  inverseRMS: inv.pointer, output: weighted ? y.pointer : n.pointer)
                }
                return weighted ? y.array : n.array
            }
        }, vjp: { x, t, w in
            withStore(layout, t) { s in
                var n = [Double](repeating: 0, count: rows * 6), y = n, inv = [Double](repeating: 0, count: rows)
                var dx = n
                x.withPointer { layer.forward($0, rows: rows, parameters: s.values.pointer, normalized: &n,
                                              inverseRMS: &inv, output: &y) }
                w.withPointer { layer.backward($0, normalized: n, inverseRMS: inv, rows: rows,
                                               parameters: s.values.pointer, gradients: s.gradients.pointer,
                                               inputCotangent: &dx) }
                return (dx, s.gradients.array)
            }
        })
        expectGradients(r, hasParameters: weighted)
    }

    @Test(arguments: Activation.allCases) func activation(_ a: Activation) {
        let x = gaussianArray(12, seed: 9, sigma: 2), w = gaussianArray(12, seed: 10)
        let r = GradientCheck().check(x: x, theta: [], cotangent: w, forward: { x, _ in
            var y = x
            x.withPointer { a.forward($0, count: x.count, into: &y) }
            return y
        }, vjp: { x, _, w in
            var dx = x
            w.withPointer { wp in x.withPointer { a.backward(wp, input: $0, count: x.count, into: &dx) } }
            return (dx, [])
        })
        expectGradients(r, hasParameters: false)
    }

    @Test(arguments: Activation.allCases) func swiGLU(_ a: Activation) {
        var layout = ParameterLayout()
        let layer = SwiGLU("mlp", dimension: 4, inner: 5, activation: a, layout: &layout)
        let rows = 3
        let x = gaussianArray(rows * 4, seed: 11), theta = gaussianArray(layout.count, seed: 12, sigma: 0.5)
        let w = gaussianArray(rows * 4, seed: 13)
        let ws = SwiGLU.Workspace<Double>(layer, maxRows: rows)
        let r = GradientCheck().check(x: x, theta: theta, cotangent: w, forward: { x, t in
            withStore(layout, t) { s in
                var y = [Double](repeating: 0, count: rows * 4)
                x.withPointer { layer.forward($0, rows: rows, parameters: s.values.pointer, workspace: ws, into: &y) }
                return y
            }
        }, vjp: { x, t, w in
            withStore(layout, t) { s in
                var y = [Double](repeating: 0, count: rows * 4), dx = y
                x.withPointer { xp in
                    layer.forward(xp, rows: rows, parameters: s.values.pointer, workspace: ws, into: &y)
                    w.withPointer {
                        layer.backward($0, input: xp, rows: rows, parameters: s.values.pointer,
                                       gradients: s.gradients.pointer, workspace: ws, inputCotangent: &dx)
                    }
                }
                return (dx, s.gradients.array)
            }
        })
        expectGradients(r)
    }

    @Test func tokenMixingMLP() {
        var layout = ParameterLayout()
        let layer = TokenMixingMLP("tok", sequence: 5, dimension: 3, inner: 4, layout: &layout)
        let batch = 2, n = batch * 5 * 3
        let x = gaussianArray(n, seed: 14), theta = gaussianArray(layout.count, seed: 15, sigma: 0.5)
        let w = gaussianArray(n, seed: 16)
        let ws = TokenMixingMLP.Workspace<Double>(layer, maxBatch: batch)
        let r = GradientCheck().check(x: x, theta: theta, cotangent: w, forward: { x, t in
            withStore(layout, t) { s in
                var y = [Double](repeating: 0, count: n)
                x.withPointer { layer.forward($0, batch: batch, parameters: s.values.pointer, workspace: ws, into: &y) }
                return y
            }
        }, vjp: { x, t, w in
            withStore(layout, t) { s in
                var y = [Double](repeating: 0, count: n), dx = y
                x.withPointer { layer.forward($0, batch: batch, parameters: s.values.pointer, workspace: ws, into: &y) }
                w.withPointer {
                    layer.backward($0, batch: batch, parameters: s.values.pointer, gradients: s.gradients.pointer,
                                   workspace: ws, inputCotangent: &dx)
                }
                return (dx, s.gradients.array)
            }
        })
        expectGradients(r)
    }

    @Test func selfAttentionWithRoPE() {
        var layout = ParameterLayout()
        let layer = SelfAttention("att", sequence: 5, dimension: 8, heads: 2, layout: &layout)
        let batch = 2, n = batch * 5 * 8
        let x = gaussianArray(n, seed: 17), theta = gaussianArray(layout.count, seed: 18, sigma: 0.5)
        let w = gaussianArray(n, seed: 19)
        let ws = SelfAttention.Workspace<Double>(layer, maxBatch: batch)
        let r = GradientCheck().check(x: x, theta: theta, cotangent: w, forward: { x, t in
            withStore(layout, t) { s in
                var y = [Double](repeating: 0, count: n)
                x.withPointer { layer.forward($0, batch: batch, parameters: s.values.pointer, workspace: ws, into: &y) }
                return y
            }
        }, vjp: { x, t, w in
            withStore(layout, t) { s in
                var y = [Double](repeating: 0, count: n), dx = y
                x.withPointer { xp in
                    layer.forward(xp, batch: batch, parameters: s.values.pointer, workspace: ws, into: &y)
                    w.withPointer {
                        layer.backward($0, input: xp, batch: batch, parameters: s.values.pointer,
                                       gradients: s.gradients.pointer, workspace: ws, inputCotangent: &dx)
                    }
                }
                return (dx, s.gradients.array)
            }
        })
        expectGradients(r)
    }

    /// The whole network `F` (two post-norm blocks), both mixers, plain and weighted norms,
    /// the token-MLP norm over the sequence (TRM) or over channels.
    @Test(arguments: [(BlockConfiguration.Mixer.mlp, false, BlockConfiguration.NormAxis.sequence),
                      (.mlp, false, .hidden), (.attention, false, .hidden),
                      (.mlp, true, .sequence), (.mlp, true, .hidden), (.attention, true, .hidden)])
    func blockStack(mixer: BlockConfiguration.Mixer, weightedNorm: Bool, axis: BlockConfiguration.NormAxis) throws {
        let config = BlockConfiguration(hidden: 4, sequence: 3, layers: 2, mixer: mixer, tokenInner: 4,
                                        channelInner: 6, heads: 2, activation: weightedNorm ? .tanh : .silu,
                                        weightedNorm: weightedNorm, tokenMixerNormAxis: axis)
        // Norm weights moved off 1 so their gradients are exercised.
        try checkNetwork(config, seed: 20, parameterNoise: weightedNorm ? 0.2 : 0)
    }

    /// Finite differences against `BlockNetwork`'s VJP (batch 2), parameters optionally
    /// moved off their initial values by seeded Gaussian noise.
    func checkNetwork(_ config: BlockConfiguration, seed: UInt64, parameterNoise: Double) throws {
        let net = try BlockNetwork<Double>(configuration: config, maxBatch: 2, seed: seed)
        let batch = 2, n = net.stateCount(batch: batch)
        let x = gaussianArray(n, seed: seed + 1)
        var theta = net.parameters.values.array
        if parameterNoise > 0 {
            let noise = gaussianArray(theta.count, seed: seed + 2, sigma: parameterNoise)
            for i in theta.indices { theta[i] += noise[i] }
        }
        let w = gaussianArray(n, seed: seed + 3)
        let r = GradientCheck().check(x: x, theta: theta, cotangent: w, forward: { x, t in
            net.parameters.values.assign(t)
            return try! net.forward(x, batch: batch)
        }, vjp: { x, t, w in
            net.parameters.values.assign(t)
            net.parameters.zeroGradients()
            _ = try! net.forward(x, batch: batch)
            let dx = try! net.backward(w)
            return (dx, net.parameters.gradients.array)
        })
        expectGradients(r)
    }

    /// The `contractive` structure: two `ContractiveBlock`s (token tanh MLP, channel tanh MLP,
    /// averaged residuals, the last block scaled by the Lipschitz bound), parameters moved off
    /// their initial values so the biases' gradients are exercised.
    @Test func contractiveBlockStack() throws {
        let config = BlockConfiguration(hidden: 4, sequence: 3, layers: 2, mixer: .mlp, tokenInner: 5,
                                        channelInner: 6, structure: .contractive, lipschitz: 0.4)
        try checkNetwork(config, seed: 24, parameterNoise: 0.3)
    }

    /// Learned residual weights (`learnedResidual`): the logits are moved off 0 by the
    /// parameter noise, so `α ≠ ½` and their own gradients are checked too.
    /// MaxMin instead of tanh (`contractiveActivation: .maxMin`), with injection and learned
    /// residual weights: piecewise linear, so finite differences agree away from ties (the
    /// seeded pre-activations have none within the step).
    @Test func contractiveBlockStackWithMaxMin() throws {
        let config = BlockConfiguration(hidden: 4, sequence: 3, layers: 2, mixer: .mlp, tokenInner: 6,
                                        channelInner: 6, structure: .contractive, lipschitz: 0.4,
                                        learnedResidual: true, contractiveActivation: .maxMin)
        try checkNetwork(config, seed: 33, parameterNoise: 0.5)
    }

    @Test func contractiveBlockStackWithLearnedResidual() throws {
        let config = BlockConfiguration(hidden: 4, sequence: 3, layers: 2, mixer: .mlp, tokenInner: 5,
                                        channelInner: 6, structure: .contractive, lipschitz: 0.4, learnedResidual: true)
        try checkNetwork(config, seed: 29, parameterNoise: 0.5)
    }

    /// The contractive stack with an injected input (`injection`): `tanh(W₁a + Uu + b)` in
    /// every block, and with `tokenInjection` `tanh(M₁v + Pu + c)` too; the input checked is
    /// the pair `(v, u)`, so both cotangents are.
    @Test(arguments: [false, true])
    func contractiveBlockStackWithInjection(tokenInjection: Bool) throws {
        let config = BlockConfiguration(hidden: 4, sequence: 3, layers: 2, mixer: .mlp, tokenInner: 5,
                                        channelInner: 6, structure: .contractive, lipschitz: 0.4, injection: true,
                                        tokenInjection: tokenInjection, learnedResidual: tokenInjection)
        var layout = ParameterLayout()
        let stack = try BlockStack(configuration: config, layout: &layout)
        let store = ParameterStore<Double>(layout: layout)
        store.initialize(using: RandomSource(seed: 25))
        #expect(stack.contractiveBlocks.allSatisfy { $0.inject != nil && ($0.tokenInject != nil) == tokenInjection })
        let workspace = BlockStack.Workspace<Double>(stack, maxBatch: 2)
        let batch = 2, n = batch * 3 * 4
        var theta = store.values.array
        let noise = gaussianArray(theta.count, seed: 26, sigma: 0.3)
        for i in theta.indices { theta[i] += noise[i] }
        func run(_ x: [Double], _ t: [Double]) -> UnsafePointer<Double> {
            store.values.assign(t)
            return x.withUnsafeBufferPointer { p in
                stack.forward(p.baseAddress!, injection: p.baseAddress! + n, batch: batch,
                              parameters: UnsafePointer(store.values.pointer), workspace: workspace)
            }
        }
        let r = GradientCheck().check(x: gaussianArray(2 * n, seed: 27), theta: theta, cotangent: gaussianArray(n, seed: 28),
                                      forward: { x, t in Array(UnsafeBufferPointer(start: run(x, t), count: n)) },
                                      vjp: { x, t, w in
            _ = run(x, t)
            store.zeroGradients()
            let dv = w.withUnsafeBufferPointer {
                stack.backward($0.baseAddress!, parameters: UnsafePointer(store.values.pointer),
                               gradients: store.gradients.pointer, workspace: workspace)
            }
            let du = UnsafeBufferPointer(start: workspace.injectionCotangent.pointer, count: n)
            return (Array(UnsafeBufferPointer(start: dv, count: n)) + Array(du), store.gradients.array)
        })
        expectGradients(r)
    }
}
