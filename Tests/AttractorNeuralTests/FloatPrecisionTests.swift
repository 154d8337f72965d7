import Testing
import AttractorNeural
import AttractorNumerics

/// The Float32 network agrees with the Double one on the same weights.
@Suite struct FloatPrecisionTests {
    @Test(arguments: BlockConfiguration.Mixer.allCases) func networkForward(mixer: BlockConfiguration.Mixer) throws {
        let config = BlockConfiguration(hidden: 16, sequence: 9, layers: 2, mixer: mixer, tokenInner: 16,
                                        channelInner: 32, heads: 2)
        let double = try BlockNetwork<Double>(configuration: config, maxBatch: 3, seed: 40)
        let float = try BlockNetwork<Float>(configuration: config, maxBatch: 3, seed: 40)
        // Same weights: round the Double ones to Float, then use the rounded values in both.
        let rounded = double.parameters.values.array.map { Float($0) }
        float.parameters.values.assign(rounded)
        double.parameters.values.assign(rounded.map { Double($0) })
        let x = gaussianArray(double.stateCount(batch: 3), seed: 41).map { Double(Float($0)) }
        let yd = try double.forward(x, batch: 3)
        let yf = try float.forward(x.map { Float($0) }, batch: 3)
        let err = GradientCheck.relativeError(yd, yf.map { Double($0) })
        #expect(err <= 1e-5, "Float vs Double relative error \(err)")
        #expect(err > 0)  // really computed in single precision
        // And the VJPs agree to single precision too.
        let w = gaussianArray(yd.count, seed: 42).map { Double(Float($0)) }
        let gd = try double.backward(w), gf = try float.backward(w.map { Float($0) })
        let gerr = GradientCheck.relativeError(gd, gf.map { Double($0) })
        #expect(gerr <= 1e-4, "Float vs Double VJP relative error \(gerr)")
    }
}
