import Foundation
import Testing
import AttractorNeural
import AttractorNumerics

/// Layers against outputs and gradients from an independent NumPy implementation
/// (`Golden/make_golden.py`, gradients by the complex step).
@Suite struct GoldenTests {
    struct Case: Decodable {
        var description: String
        var input_shape: [Int]
        var input: [Double]
        var parameters: [String: [Double]]
        var cotangent: [Double]
        var output: [Double]
        var input_gradient: [Double]
        var parameter_gradients: [String: [Double]]
    }

    static func load(_ name: String) throws -> Case {
        let url = try #require(Bundle.module.url(forResource: name, withExtension: "json", subdirectory: "Golden"))
        return try JSONDecoder().decode(Case.self, from: Data(contentsOf: url))
    }

    let tolerance = 1e-10

    /// Loads the case's parameters into `store` (every store parameter must be named in it).
    func load(_ c: Case, into store: ParameterStore<Double>) throws {
        #expect(Set(store.layout.views.map(\.name)) == Set(c.parameters.keys))
        for (name, values) in c.parameters { try store.setValues(named: name, values) }
    }

    func compare(_ c: Case, output: [Double], inputGradient: [Double], store: ParameterStore<Double>) {
        let e = GradientCheck.relativeError(output, c.output)
        #expect(e <= tolerance, "\(c.description) output rel. error \(e)")
        let gx = GradientCheck.relativeError(inputGradient, c.input_gradient)
        #expect(gx <= tolerance, "\(c.description) input gradient rel. error \(gx)")
        for (name, expected) in c.parameter_gradients {
            let gp = GradientCheck.relativeError(store.gradients(named: name) ?? [], expected)
            #expect(gp <= tolerance, "\(c.description) \(name) gradient rel. error \(gp)")
        }
    }

    @Test func attentionWithRoPE() throws {
        let c = try Self.load("attention_rope")
        let (batch, sequence, hidden) = (c.input_shape[0], c.input_shape[1], c.input_shape[2])
        var layout = ParameterLayout()
        let layer = SelfAttention("att", sequence: sequence, dimension: hidden, heads: 2, layout: &layout)
        let store = ParameterStore<Double>(layout: layout)
        try load(c, into: store)
        let ws = SelfAttention.Workspace<Double>(layer, maxBatch: batch)
        var y = [Double](repeating: 0, count: c.output.count), dx = y
        layer.forward(c.input, batch: batch, parameters: store.values.pointer, workspace: ws, into: &y)
        layer.backward(c.cotangent, input: c.input, batch: batch, parameters: store.values.pointer,
                       gradients: store.gradients.pointer, workspace: ws, inputCotangent: &dx)
        compare(c, output: y, inputGradient: dx, store: store)
    }

    @Test func tokenMixingMLP() throws {
        let c = try Self.load("token_mlp")
        let (batch, sequence, hidden) = (c.input_shape[0], c.input_shape[1], c.input_shape[2])
        var layout = ParameterLayout()
        let layer = TokenMixingMLP("tok", sequence: sequence, dimension: hidden, inner: 4, layout: &layout)
        let store = ParameterStore<Double>(layout: layout)
        try load(c, into: store)
        let ws = TokenMixingMLP.Workspace<Double>(layer, maxBatch: batch)
        var y = [Double](repeating: 0, count: c.output.count), dx = y
        layer.forward(c.input, batch: batch, parameters: store.values.pointer, workspace: ws, into: &y)
        layer.backward(c.cotangent, batch: batch, parameters: store.values.pointer,
                       gradients: store.gradients.pointer, workspace: ws, inputCotangent: &dx)
        compare(c, output: y, inputGradient: dx, store: store)
    }

    @Test(arguments: [("block_stack_mlp", BlockConfiguration.Mixer.mlp, BlockConfiguration.NormAxis.sequence),
                      ("block_stack_mlp_hidden_norm", .mlp, .hidden), ("block_stack_attention", .attention, .hidden)])
    func blockStack(file: String, mixer: BlockConfiguration.Mixer, axis: BlockConfiguration.NormAxis) throws {
        let c = try Self.load(file)
        let (batch, sequence, hidden) = (c.input_shape[0], c.input_shape[1], c.input_shape[2])
        let config = BlockConfiguration(hidden: hidden, sequence: sequence, layers: 2, mixer: mixer, tokenInner: 6,
                                        channelInner: 12, heads: 2, tokenMixerNormAxis: axis)
        let net = try BlockNetwork<Double>(configuration: config, maxBatch: batch, seed: 0)
        try load(c, into: net.parameters)
        let y = try net.forward(c.input, batch: batch)
        let dx = try net.backward(c.cotangent)
        compare(c, output: y, inputGradient: dx, store: net.parameters)
    }
}
