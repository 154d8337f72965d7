import AttractorNeural
import AttractorNumerics
import Foundation
import Testing

/// The `contractive` structure's Lipschitz bound: `SpectralBound` keeps each weight matrix at
/// spectral norm ≤ 1, and then the whole network is `lipschitz`-Lipschitz.
@Suite struct ContractiveStructureTests {
    @Test func spectralBoundFindsTheLargestSingularValueAndScalesOntoTheBound() {
        // Orthogonal rows (0, 3, 0) and (1, 0, ½): singular values 3 and √1.25.
        var w: [Double] = [0, 3, 0, 1, 0, 0.5]
        let sigma = w.withUnsafeBufferPointer {
            SpectralBound.largestSingularValue($0.baseAddress!, rows: 2, columns: 3, iterations: 30)
        }
        #expect(abs(sigma - 3) < 1e-9)
        // The certified upper bound: above σ_max, within 2^(1/2048) of it for a rank-2 Gram matrix.
        let upper = w.withUnsafeBufferPointer {
            SpectralBound.largestSingularValueUpperBound($0.baseAddress!, rows: 2, columns: 3)
        }
        #expect(upper >= 3 && upper <= 3 * 1.0004, "\(upper)")
        var layout = ParameterLayout()
        let view = layout.add("w", shape: [2, 3], initializer: .zeros)
        let largest = w.withUnsafeMutableBufferPointer { SpectralBound.project($0.baseAddress!, views: [view]) }
        #expect(abs(largest - 3) < 1e-9)
        #expect(zip(w, [0, 1, 0, 1.0 / 3, 0, 0.5 / 3]).allSatisfy { abs($0 - $1) < 1e-12 })
        // Inside the ball: left alone.
        let before = w
        w.withUnsafeMutableBufferPointer { _ = SpectralBound.project($0.baseAddress!, views: [view]) }
        #expect(w == before)
    }

    /// The largest of `‖F(u) − F(u′)‖ / ‖u − u′‖` over seeded pairs (some near, some far).
    static func largestRatio(_ net: BlockNetwork<Double>, pairs: Int) throws -> Double {
        let n = net.stateCount(batch: 1)
        var largest = 0.0
        for k in 0..<pairs {
            let u = gaussianArray(n, seed: 100 + UInt64(k), sigma: 3)
            let spread = k % 2 == 0 ? 1e-3 : 2.0
            let delta = gaussianArray(n, seed: 500 + UInt64(k), sigma: spread)
            let v = zip(u, delta).map { $0 + $1 }
            let fu = try net.forward(u, batch: 1), fv = try net.forward(v, batch: 1)
            let num = zip(fu, fv).reduce(0.0) { $0 + ($1.0 - $1.1) * ($1.0 - $1.1) }.squareRoot()
            let den = delta.reduce(0.0) { $0 + $1 * $1 }.squareRoot()
            largest = max(largest, num / den)
        }
        return largest
    }

    /// With learned residual weights the bound holds for any weights: here α ≈ 0.95 and 0.92,
    /// nearly all of each sublayer's budget on its nonlinear branch.
    /// MaxMin in place of tanh keeps the bound too (a 1-Lipschitz permutation of each pair).
    @Test(arguments: [(false, BlockConfiguration.ContractiveActivation.tanh), (true, .tanh), (true, .maxMin)])
    func projectedNetworkIsLipschitzWithTheConfiguredBound(learnedResidual: Bool,
                                                           activation: BlockConfiguration.ContractiveActivation) throws {
        let config = BlockConfiguration(hidden: 8, sequence: 9, layers: 2, mixer: .mlp, tokenInner: 12,
                                        channelInner: 16, structure: .contractive, lipschitz: 0.45,
                                        learnedResidual: learnedResidual, contractiveActivation: activation)
        let net = try BlockNetwork<Double>(configuration: config, maxBatch: 1, seed: 31)
        for block in net.stack.contractiveBlocks {
            guard let logits = block.residualLogits else { continue }
            net.parameters.values.pointer[logits.offset] = 3
            net.parameters.values.pointer[logits.offset + 1] = 2.5
            #expect(abs(block.residualWeights(parameters: UnsafePointer(net.parameters.values.pointer)).token - 0.9526) < 1e-4)
        }
        let views = net.stack.spectrallyBoundedMatrices
        #expect(views.count == 8)
        // Blow the weights up (as an unconstrained optimiser step could) and the bound breaks…
        let p = net.parameters.values.pointer
        for view in views { for e in view.offset..<view.end { p[e] *= 6 } }
        let blown = try Self.largestRatio(net, pairs: 24)
        #expect(blown > 0.45, "the control should break the bound (ratio \(blown))")
        // …and the projection restores it.
        let largest = SpectralBound.project(p, views: views)
        #expect(largest > 1)
        let ratio = try Self.largestRatio(net, pairs: 24)
        #expect(ratio <= 0.45 * (1 + 1e-6), "Lipschitz ratio \(ratio) above the bound 0.45")
        // The certificate bounds what was measured, and the blown-up control's too.
        let certified = try #require(net.stack.lipschitzBound(parameters: UnsafePointer(p)))
        #expect(certified >= ratio && certified <= 0.45 * 1.01, "\(certified)")
        for view in views { for e in view.offset..<view.end { p[e] *= 6 } }
        #expect(try #require(net.stack.lipschitzBound(parameters: UnsafePointer(p))) >= blown)
    }

    /// The ablation `spectralBound: false`: the same blocks, never projected — the fresh
    /// weights keep their initial spectral norms (above 1 at this width) and the certificate,
    /// computed from the weights, no longer certifies a contraction; the default projects
    /// them onto the ball at initialisation.
    @Test func unboundedAblationLeavesTheWeightsAndTheCertificateUnconstrained() throws {
        var config = BlockConfiguration(hidden: 8, sequence: 9, layers: 2, mixer: .mlp, tokenInner: 12,
                                        channelInner: 16, structure: .contractive, lipschitz: 0.45)
        let bounded = try BlockNetwork<Double>(configuration: config, maxBatch: 1, seed: 31)
        config.spectralBound = false
        let free = try BlockNetwork<Double>(configuration: config, maxBatch: 1, seed: 31)
        #expect(bounded.stack.spectrallyBoundedMatrices.count == 8)
        #expect(free.stack.spectrallyBoundedMatrices.isEmpty)
        let views = bounded.stack.contractiveBlocks.flatMap(\.boundedMatrices)
        func sigma(_ net: BlockNetwork<Double>, _ v: ParameterView) -> Double {
            SpectralBound.largestSingularValueUpperBound(net.parameters.values.pointer + v.offset, rows: v.shape[0],
                                                         columns: v.shape[1])
        }
        #expect(views.allSatisfy { sigma(bounded, $0) <= 1.01 })
        #expect(views.contains { sigma(free, $0) > 1.2 }, "fresh weights should sit outside the ball")
        let certified = try #require(free.stack.lipschitzBound(parameters: UnsafePointer(free.parameters.values.pointer)))
        let projected = try #require(bounded.stack.lipschitzBound(parameters: UnsafePointer(bounded.parameters.values.pointer)))
        #expect(projected <= 0.45 * 1.01 && certified > 1, "projected \(projected), unprojected \(certified)")
    }

    @Test func contractiveConfigurationsValidateAndDecodeOldCheckpoints() throws {
        var config = BlockConfiguration.tiny()
        #expect(config.structure == .postNorm)
        config.structure = .contractive
        config.mixer = .attention
        #expect(throws: NeuralError.self) { try config.validate() }
        config.mixer = .mlp
        config.lipschitz = 0
        #expect(throws: NeuralError.self) { try config.validate() }
        config.lipschitz = 0.45
        config.injection = true
        try config.validate()
        // The injected input is a choice of the contractive structure only.
        var postNorm = config
        postNorm.structure = .postNorm
        #expect(throws: NeuralError.self) { try postNorm.validate() }
        var odd = config
        odd.contractiveActivation = .maxMin
        odd.channelInner = 5
        #expect(throws: NeuralError.self) { try odd.validate() }
        var unbounded = postNorm
        unbounded.injection = false
        try unbounded.validate()
        unbounded.spectralBound = false
        #expect(throws: NeuralError.self) { try unbounded.validate() }
        var tokenOnly = config
        tokenOnly.injection = false
        tokenOnly.tokenInjection = true
        #expect(throws: NeuralError.self) { try tokenOnly.validate() }
        // A configuration saved before the choices existed decodes as the post-norm network.
        var object = try JSONSerialization.jsonObject(with: JSONEncoder().encode(config)) as! [String: Any]
        #expect(object["structure"] as? String == "contractive" && object["injection"] as? Bool == true)
        object["structure"] = nil
        object["lipschitz"] = nil
        object["injection"] = nil
        object["spectralBound"] = nil
        let old = try JSONDecoder().decode(BlockConfiguration.self, from: JSONSerialization.data(withJSONObject: object))
        #expect(old.structure == .postNorm && old.lipschitz == 0.45 && !old.injection && old.spectralBound)
    }
}
