import Testing
import AttractorNumerics
@testable import AttractorDynamics

/// `Σ a ⊙ f(z)`, the scalar whose gradient a VJP is.
private func pairing<F: VectorField>(_ field: F, _ z: [Double], _ a: [Double], rows: Int) -> Double where F.Scalar == Double {
    var f = [Double](repeating: 0, count: z.count)
    field.evaluate(t: 0.3, state: z, derivative: &f, rows: RowSelection(count: rows))
    return zip(a, f).reduce(0) { $0 + $1.0 * $1.1 }
}

private func gaussian(_ n: Int, seed: UInt64, sigma: Double = 1) -> [Double] {
    var x = [Double](repeating: 0, count: n)
    RandomSource(seed: seed).fillGaussian(&x, sigma: sigma)
    return x
}

@Suite struct DifferentiableFieldTests {
    @Test func contractionVJPMatchesFiniteDifferences() {
        let d = 4, rows = 3
        let field = DifferentiableContractionField<Double>(dimension: d, contraction: 0.9, seed: 5)
        let z = gaussian(rows * d, seed: 6), a = gaussian(rows * d, seed: 7)
        var zbar = [Double](repeating: .nan, count: rows * d)
        var thetaBar = [Double](repeating: 0, count: field.parameterCount)
        field.vectorJacobianProduct(t: 0.3, state: z, cotangent: a, stateCotangent: &zbar,
                                    parameterGradient: &thetaBar, rows: RowSelection(count: rows))
        let fdZ = FiniteDifference.gradient(at: z) { pairing(field, $0, a, rows: rows) }
        let fdTheta = FiniteDifference.gradient(at: field.parameters) { theta in
            let probe = DifferentiableContractionField<Double>(
                weight: Array(theta[0..<(d * d)]), bias: Array(theta[(d * d)...]))
            return pairing(probe, z, a, rows: rows)
        }
        #expect(FiniteDifference.relativeError(zbar, fdZ) < 1e-8)
        #expect(FiniteDifference.relativeError(thetaBar, fdTheta) < 1e-8)
        // Accumulation: a second call adds the same parameter gradient again.
        var twice = thetaBar
        field.vectorJacobianProduct(t: 0.3, state: z, cotangent: a, stateCotangent: &zbar,
                                    parameterGradient: &twice, rows: RowSelection(count: rows))
        #expect(FiniteDifference.relativeError(twice, thetaBar.map { 2 * $0 }) < 1e-14)
        #expect(field.parameterLayout["b"]?.range == (d * d)..<(d * d + d))
    }

    @Test func contractionFloatAgreesWithDouble() {
        let d = 5, rows = 2
        let fd = DifferentiableContractionField<Double>(dimension: d, seed: 9)
        let ff = DifferentiableContractionField<Float>(weight: Array(fd.parameters[0..<(d * d)]).map(Float.init),
                                                       bias: Array(fd.parameters[(d * d)...]).map(Float.init))
        let z = gaussian(rows * d, seed: 10), a = gaussian(rows * d, seed: 11)
        var zd = [Double](repeating: 0, count: rows * d), gd = [Double](repeating: 0, count: fd.parameterCount)
        var zf = [Float](repeating: 0, count: rows * d), gf = [Float](repeating: 0, count: ff.parameterCount)
        fd.vectorJacobianProduct(t: 0, state: z, cotangent: a, stateCotangent: &zd, parameterGradient: &gd, rows: RowSelection(count: rows))
        ff.vectorJacobianProduct(t: 0, state: z.map(Float.init), cotangent: a.map(Float.init), stateCotangent: &zf,
                                 parameterGradient: &gf, rows: RowSelection(count: rows))
        #expect(FiniteDifference.relativeError(zf.map(Double.init), zd) < 1e-5)
        #expect(FiniteDifference.relativeError(gf.map(Double.init), gd) < 1e-5)
    }

    @Test func gbmDriftAndDiffusionVJPsMatchFiniteDifferences() {
        let rows = 3
        let drift = DifferentiableGBMDrift<Double>(mu: 0.7)
        let diffusion = DifferentiableGBMDiffusion<Double>(sigma: 0.4)
        let z = [1.3, 0.6, 2.2], a = [0.5, -1.5, 0.25]
        let sel = RowSelection(count: rows)

        var zbar = [Double](repeating: 0, count: rows), g = [0.0]
        drift.vectorJacobianProduct(t: 0, state: z, cotangent: a, stateCotangent: &zbar, parameterGradient: &g, rows: sel)
        #expect(FiniteDifference.relativeError(zbar, FiniteDifference.gradient(at: z) { pairing(drift, $0, a, rows: rows) }) < 1e-9)
        #expect(FiniteDifference.relativeError(g, FiniteDifference.gradient(at: drift.parameters) {
            pairing(DifferentiableGBMDrift(mu: $0[0]), z, a, rows: rows) }) < 1e-9)

        func diffusionPairing(_ field: DifferentiableGBMDiffusion<Double>, _ z: [Double]) -> Double {
            var out = [Double](repeating: 0, count: z.count)
            field.diffusion(t: 0, state: z, diffusion: &out, rows: sel)
            return zip(a, out).reduce(0) { $0 + $1.0 * $1.1 }
        }
        var gs = [0.0]
        diffusion.diffusionVectorJacobianProduct(t: 0, state: z, cotangent: a, stateCotangent: &zbar, parameterGradient: &gs, rows: sel)
        #expect(FiniteDifference.relativeError(zbar, FiniteDifference.gradient(at: z) { diffusionPairing(diffusion, $0) }) < 1e-9)
        #expect(FiniteDifference.relativeError(gs, FiniteDifference.gradient(at: diffusion.parameters) {
            diffusionPairing(DifferentiableGBMDiffusion(sigma: $0[0]), z) }) < 1e-9)

        // Itô correction c = ½ g ∂g/∂z, checked against g and g' themselves and by FD.
        func correctionPairing(_ field: DifferentiableGBMDiffusion<Double>, _ z: [Double]) -> Double {
            var c = [Double](repeating: 0, count: z.count), scratch = c
            _ = field.itoCorrection(t: 0, state: z, cotangent: a, correction: &c, stateCotangent: &scratch,
                                    parameterGradient: nil, rows: sel)
            return zip(a, c).reduce(0) { $0 + $1.0 * $1.1 }
        }
        var c = [Double](repeating: 0, count: rows), gc = [0.0]
        #expect(diffusion.itoCorrection(t: 0, state: z, cotangent: a, correction: &c, stateCotangent: &zbar,
                                        parameterGradient: &gc, rows: sel))
        var gValue = [Double](repeating: 0, count: rows), gPrime = gValue
        diffusion.diffusion(t: 0, state: z, diffusion: &gValue, rows: sel)
        _ = diffusion.diffusionDerivative(t: 0, state: z, derivative: &gPrime, rows: sel)
        for i in 0..<rows { #expect(abs(c[i] - gValue[i] * gPrime[i] / 2) < 1e-14) }
        #expect(FiniteDifference.relativeError(zbar, FiniteDifference.gradient(at: z) { correctionPairing(diffusion, $0) }) < 1e-9)
        #expect(FiniteDifference.relativeError(gc, FiniteDifference.gradient(at: diffusion.parameters) {
            correctionPairing(DifferentiableGBMDiffusion(sigma: $0[0]), z) }) < 1e-9)
    }
}

@Suite struct MLPFieldTests {
    func makeField<S: Scalar>(_ theta: [Double], d: Int, h: Int, as: S.Type) -> DifferentiableMLPField<S> {
        let t = theta.map { S($0) }
        return DifferentiableMLPField(dimension: d, hidden: h, w1: Array(t[0..<(h * d)]), b1: Array(t[(h * d)..<(h * d + h)]),
                                      w2: Array(t[(h * d + h)..<(2 * h * d + h)]), b2: Array(t[(2 * h * d + h)...]))
    }

    @Test func mlpVJPMatchesFiniteDifferences() {
        let d = 3, h = 5, rows = 4
        var theta = [Double](repeating: 0, count: 2 * h * d + h + d)
        RandomSource(seed: 51).fillGaussian(&theta, sigma: 0.7)
        let field = makeField(theta, d: d, h: h, as: Double.self)
        var z = [Double](repeating: 0, count: rows * d), a = z
        RandomSource(seed: 52).fillGaussian(&z)
        RandomSource(seed: 53).fillGaussian(&a)
        var zbar = z, g = [Double](repeating: 0, count: theta.count)
        field.vectorJacobianProduct(t: 0, state: z, cotangent: a, stateCotangent: &zbar, parameterGradient: &g,
                                    rows: RowSelection(count: rows))
        func pairing(_ f: DifferentiableMLPField<Double>, _ z: [Double]) -> Double {
            var out = z
            f.evaluate(t: 0, state: z, derivative: &out, rows: RowSelection(count: rows))
            return zip(a, out).reduce(0) { $0 + $1.0 * $1.1 }
        }
        #expect(FiniteDifference.relativeError(zbar, FiniteDifference.gradient(at: z) { pairing(field, $0) }) < 1e-8)
        #expect(FiniteDifference.relativeError(g, FiniteDifference.gradient(at: theta) { pairing(makeField($0, d: d, h: h, as: Double.self), z) }) < 1e-8)
        #expect(field.parameterLayout["w2"]?.shape == [d, h])

        // Float (vectorised tanh) agrees with the Double reference.
        let ff = makeField(theta, d: d, h: h, as: Float.self)
        var zf = [Float](repeating: 0, count: rows * d), gf = [Float](repeating: 0, count: theta.count)
        ff.vectorJacobianProduct(t: 0, state: z.map(Float.init), cotangent: a.map(Float.init), stateCotangent: &zf,
                                 parameterGradient: &gf, rows: RowSelection(count: rows))
        #expect(FiniteDifference.relativeError(zf.map(Double.init), zbar) < 1e-5)
        #expect(FiniteDifference.relativeError(gf.map(Double.init), g) < 1e-5)
    }

    /// With D and H multiples of 16 the Float field runs on packed weights (the AVX-512 kernel
    /// where the CPU has it): evaluation and VJP still agree with the Double field, in one
    /// block and in two concurrent row blocks, and a parameter change repacks the weights.
    @Test(arguments: [1, 2])
    func floatPackedPathMatchesDouble(rowBlocks: Int) {
        let d = 16, h = 48, rows = 11
        var theta = [Double](repeating: 0, count: 2 * h * d + h + d)
        RandomSource(seed: 61).fillGaussian(&theta, sigma: 0.3)
        var z = [Double](repeating: 0, count: rows * d), a = z
        RandomSource(seed: 62).fillGaussian(&z)
        RandomSource(seed: 63).fillGaussian(&a)
        let fd = makeField(theta, d: d, h: h, as: Double.self), ff = makeField(theta, d: d, h: h, as: Float.self)
        ff.rowBlocks = rowBlocks
        func compare() {
            var outD = z, outF = [Float](repeating: 0, count: rows * d)
            fd.evaluate(t: 0, state: z, derivative: &outD, rows: RowSelection(count: rows))
            ff.evaluate(t: 0, state: z.map(Float.init), derivative: &outF, rows: RowSelection(count: rows))
            #expect(FiniteDifference.relativeError(outF.map(Double.init), outD) < 1e-5)
            var zbarD = z, gD = [Double](repeating: 0, count: theta.count)
            var zbarF = [Float](repeating: 0, count: rows * d), gF = [Float](repeating: 0, count: theta.count)
            fd.vectorJacobianProduct(t: 0, state: z, cotangent: a, stateCotangent: &zbarD, parameterGradient: &gD,
                                     rows: RowSelection(count: rows))
            ff.vectorJacobianProduct(t: 0, state: z.map(Float.init), cotangent: a.map(Float.init), stateCotangent: &zbarF,
                                     parameterGradient: &gF, rows: RowSelection(count: rows))
            #expect(FiniteDifference.relativeError(zbarF.map(Double.init), zbarD) < 1e-5)
            #expect(FiniteDifference.relativeError(gF.map(Double.init), gD) < 1e-5)
        }
        compare()
        // Change every weight in place on both fields; the Float field must not reuse stale packs.
        for i in theta.indices { fd.parameters[i] *= -1.5; ff.parameters[i] *= -1.5 }
        compare()
    }
}
