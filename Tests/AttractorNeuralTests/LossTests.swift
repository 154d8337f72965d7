import Testing
import AttractorNeural
import AttractorNumerics

/// Loss values and gradients: finite differences in Double, ignore masks, hand values.
@Suite struct LossTests {
    let rows = 5, classes = 4
    let targets: [Int32] = [2, -100, 0, 3, 1]

    func logitsCheck(_ evaluate: ([Double], UnsafeMutablePointer<Double>?) -> LossValue) -> GradientCheck.Result {
        let x = gaussianArray(rows * classes, seed: 30, sigma: 2)
        return GradientCheck().check(x: x, theta: [], cotangent: [1], forward: { x, _ in
            [evaluate(x, nil).loss]
        }, vjp: { x, _, _ in
            var g = [Double](repeating: 0, count: x.count)
            _ = evaluate(x, &g)
            return (g, [])
        })
    }

    @Test func softmaxCrossEntropyGradient() {
        let loss = SoftmaxCrossEntropy()
        let r = logitsCheck { x, g in try! loss.evaluate(logits: x, targets: targets, rows: rows, classes: classes, gradient: g) }
        #expect(r.inputError <= 1e-6 && r.inputNorm > 0, "rel. error \(r.inputError)")
    }

    @Test func stablemaxCrossEntropyGradient() {
        let loss = StablemaxCrossEntropy()
        let r = logitsCheck { x, g in try! loss.evaluate(logits: x, targets: targets, rows: rows, classes: classes, gradient: g) }
        #expect(r.inputError <= 1e-6 && r.inputNorm > 0, "rel. error \(r.inputError)")
    }

    @Test func binaryCrossEntropyGradient() {
        let loss = BinaryCrossEntropy()
        let y: [Double] = [1, 0, -1, 0.3, 1, 0, 0.5, -1]
        let x = gaussianArray(y.count, seed: 31, sigma: 3)
        let r = GradientCheck().check(x: x, theta: [], cotangent: [1], forward: { x, _ in
            [loss.evaluate(logits: x, targets: y, count: y.count, gradient: nil).loss]
        }, vjp: { x, _, _ in
            var g = [Double](repeating: 0, count: x.count)
            _ = loss.evaluate(logits: x, targets: y, count: y.count, gradient: &g)
            return (g, [])
        })
        #expect(r.inputError <= 1e-6 && r.inputNorm > 0, "rel. error \(r.inputError)")
        var g = [Double](repeating: 9, count: y.count)
        let v = loss.evaluate(logits: x, targets: y, count: y.count, gradient: &g)
        #expect(v.count == 6)
        #expect(g[2] == 0 && g[7] == 0)
    }

    @Test func ignoredRowsContributeNothing() throws {
        let x = gaussianArray(rows * classes, seed: 32)
        var g = [Double](repeating: 7, count: x.count)
        let v = try SoftmaxCrossEntropy().evaluate(logits: x, targets: targets, rows: rows, classes: classes, gradient: &g)
        #expect(v.count == 4)
        #expect(g[4..<8].allSatisfy { $0 == 0 })
        // Same loss when the ignored row's logits change.
        var x2 = x
        x2[5] += 10
        let v2 = try SoftmaxCrossEntropy().evaluate(logits: x2, targets: targets, rows: rows, classes: classes, gradient: nil)
        #expect(v2.loss == v.loss)
        let allIgnored = try StablemaxCrossEntropy().evaluate(logits: x, targets: [Int32](repeating: -100, count: rows),
                                                              rows: rows, classes: classes, gradient: nil)
        #expect(allIgnored == LossValue(loss: 0, count: 0))
    }

    @Test func handComputedValues() throws {
        // Softmax over [0, ln 3]: p = [1/4, 3/4]; target 1 → −ln(3/4).
        let s = try SoftmaxCrossEntropy().evaluate(logits: [0, Double.log(3)], targets: [1], rows: 1, classes: 2, gradient: nil)
        #expect(abs(s.loss - -Double.log(0.75)) < 1e-15)
        // Stablemax over [1, -1]: s = [2, 1/2]; target 0 → −ln(2/2.5).
        var g = [0.0, 0.0]
        let st = try StablemaxCrossEntropy().evaluate(logits: [1, -1], targets: [0], rows: 1, classes: 2, gradient: &g)
        #expect(abs(st.loss - -Double.log(0.8)) < 1e-15)
        // ∂/∂x₀ = 1/2.5 − 1/2, ∂/∂x₁ = (1/4)/2.5.
        #expect(abs(g[0] - (0.4 - 0.5)) < 1e-15 && abs(g[1] - 0.1) < 1e-15)
        // Huge logits stay finite.
        let big = try StablemaxCrossEntropy().evaluate(logits: [1e30, -1e30, 0], targets: [1], rows: 1, classes: 3,
                                                       gradient: nil)
        #expect(big.loss.isFinite && big.loss > 100)
        // BCE at 0 logit is ln 2 for any target.
        let b = BinaryCrossEntropy().evaluate(logits: [0, 0], targets: [1, 0], count: 2, gradient: nil)
        #expect(abs(b.loss - Double.log(2)) < 1e-15)
    }

    @Test func targetOutsideClassesThrows() {
        #expect(throws: NeuralError.tokenOutOfRange(token: 4, vocabulary: 4)) {
            try SoftmaxCrossEntropy().evaluate(logits: [Double](repeating: 0, count: 4), targets: [4], rows: 1,
                                               classes: 4, gradient: nil)
        }
    }

    /// Float32 losses within 1e-5 relative of Double.
    @Test func floatMatchesDouble() throws {
        let x = gaussianArray(rows * classes, seed: 33, sigma: 2)
        let xf = x.map { Float($0) }
        for stable in [false, true] {
            let d: LossValue, f: LossValue
            if stable {
                d = try StablemaxCrossEntropy().evaluate(logits: x, targets: targets, rows: rows, classes: classes, gradient: nil)
                f = try StablemaxCrossEntropy().evaluate(logits: xf, targets: targets, rows: rows, classes: classes, gradient: nil)
            } else {
                d = try SoftmaxCrossEntropy().evaluate(logits: x, targets: targets, rows: rows, classes: classes, gradient: nil)
                f = try SoftmaxCrossEntropy().evaluate(logits: xf, targets: targets, rows: rows, classes: classes, gradient: nil)
            }
            #expect(abs(f.loss - d.loss) / abs(d.loss) <= 1e-5)
        }
    }
}
