import Foundation
import Testing
import AttractorNeural
import AttractorNumerics

/// Optimisers, clipping, EMA, schedules and initialisation.
@Suite struct OptimizationTests {
    /// A seeded regression problem: `y = tanh-MLP(x)` targets from a teacher linear map.
    struct Regression {
        let rows = 32, inputs = 4, outputs = 2
        var layout = ParameterLayout()
        let hidden: Linear, head: Linear
        let x: [Float], y: [Float]

        init() {
            hidden = Linear("hidden", inFeatures: inputs, outFeatures: 16, bias: true, layout: &layout)
            head = Linear("head", inFeatures: 16, outFeatures: outputs, bias: true, layout: &layout)
            let r = RandomSource(seed: 50)
            x = (0..<(rows * inputs)).map { _ in Float(r.gaussian()) }
            let teacher = (0..<(inputs * outputs)).map { _ in Float(r.gaussian()) }
            var y = [Float](repeating: 0, count: rows * outputs)
            for i in 0..<rows { for o in 0..<outputs { for k in 0..<inputs {
                y[i * outputs + o] += x[i * inputs + k] * teacher[o * inputs + k]
            } } }
            self.y = y
        }

        /// Mean squared error; gradients accumulated into the store.
        func lossAndGradient(_ store: ParameterStore<Float>) -> Double {
            let h = ScalarBuffer<Float>(count: rows * 16), a = ScalarBuffer<Float>(count: rows * 16)
            let out = ScalarBuffer<Float>(count: rows * outputs), d = ScalarBuffer<Float>(count: rows * outputs)
            let da = ScalarBuffer<Float>(count: rows * 16)
            let p = store.values.pointer, g = store.gradients.pointer
            var mse = 0.0
            x.withUnsafeBufferPointer { xp in
                hidden.forward(xp.baseAddress!, rows: rows, parameters: p, into: h.pointer)
                Activation.tanh.forward(h.pointer, count: h.count, into: a.pointer)
                head.forward(a.pointer, rows: rows, parameters: p, into: out.pointer)
                var loss = 0.0
                for i in 0..<out.count {
                    let e = out.pointer[i] - y[i]
                    loss += Double(e * e)
                    d.pointer[i] = 2 * e / Float(out.count)
                }
                store.zeroGradients()
                head.backward(d.pointer, input: a.pointer, rows: rows, parameters: p, gradients: g,
                              inputCotangent: da.pointer)
                Activation.tanh.backward(da.pointer, input: h.pointer, count: h.count, into: da.pointer)
                hidden.backward(da.pointer, input: xp.baseAddress!, rows: rows, parameters: p, gradients: g,
                                inputCotangent: nil)
                mse = loss / Double(out.count)
            }
            return mse
        }
    }

    @Test func adamWFitsRegression() {
        let problem = Regression()
        let store = ParameterStore<Float>(layout: problem.layout)
        store.initialize(using: RandomSource(seed: 51))
        let adam = AdamW<Float>(count: store.count, beta1: 0.9, beta2: 0.95, weightDecay: 1e-4)
        let schedule = LearningRateSchedule(baseRate: 0.03, warmupSteps: 10, totalSteps: 400, minimumRatio: 0.1)
        let initial = problem.lossAndGradient(store)
        var loss = initial
        for step in 1...400 {
            loss = problem.lossAndGradient(store)
            GradientClipping.clipGlobalNorm(store, maxNorm: 5)
            adam.update(store, learningRate: schedule.rate(step: step))
        }
        loss = problem.lossAndGradient(store)
        #expect(initial > 1)
        #expect(loss < 1e-3, "AdamW regression loss \(loss) (from \(initial))")
    }

    @Test func signSGDReducesRegressionLoss() {
        let problem = Regression()
        let store = ParameterStore<Float>(layout: problem.layout)
        store.initialize(using: RandomSource(seed: 52))
        let initial = problem.lossAndGradient(store)
        let schedule = LearningRateSchedule(baseRate: 0.01, warmupSteps: 0, totalSteps: 300, minimumRatio: 0.01)
        for step in 1...300 {
            _ = problem.lossAndGradient(store)
            SignSGD().update(store, learningRate: schedule.rate(step: step))
        }
        let loss = problem.lossAndGradient(store)
        #expect(loss < 0.05 * initial, "SignSGD loss \(loss) from \(initial)")
    }

    /// One AdamW step by hand: m = 0.1g, v = 0.001g², m̂ = g, v̂ = g².
    @Test func adamWStepByHand() {
        let adam = AdamW<Double>(count: 2, beta1: 0.9, beta2: 0.999, epsilon: 1e-8, weightDecay: 0.1)
        var p: [Double] = [1, -2]
        let g: [Double] = [0.5, -4]
        adam.update(&p, gradients: g, learningRate: 0.01)
        // θ(1 − ηλ) − η·g/(|g| + ε)
        let expected = [1 * (1 - 0.001) - 0.01 * 0.5 / (0.5 + 1e-8), -2 * (1 - 0.001) + 0.01 * 4 / (4 + 1e-8)]
        #expect(abs(p[0] - expected[0]) < 1e-15 && abs(p[1] - expected[1]) < 1e-15)
        #expect(adam.step == 1)
        #expect(abs(adam.firstMoment.pointer[0] - 0.05) < 1e-16)
        #expect(abs(adam.secondMoment.pointer[1] - 0.016) < 1e-16)
    }

    @Test func signSGDStepByHand() {
        var p: [Double] = [1, 1, 1]
        SignSGD(weightDecay: 0.5).update(&p, gradients: [3, -0.1, 0], count: 3, learningRate: 0.1)
        #expect(p == [0.95 - 0.1, 0.95 + 0.1, 0.95])
    }

    @Test func clippingByGlobalNorm() {
        var g: [Double] = [3, 4]
        let norm = GradientClipping.clipGlobalNorm(&g, count: 2, maxNorm: 1)
        #expect(norm == 5)
        #expect(abs(g[0] - 0.6) < 1e-15 && abs(g[1] - 0.8) < 1e-15)
        var small: [Double] = [0.3, 0.4]
        GradientClipping.clipGlobalNorm(&small, count: 2, maxNorm: 1)
        #expect(small == [0.3, 0.4])
    }

    /// EMA with decay 0.9 from 1: after 2 → 1.1, after 3 → 1.29; swap exchanges exactly.
    @Test func emaHandComputed() {
        var layout = ParameterLayout()
        _ = layout.add("w", shape: [2], initializer: .zeros)
        let store = ParameterStore<Double>(layout: layout)
        store.values.assign([1, 10])
        let ema = ExponentialMovingAverage(copying: store, decay: 0.9)
        store.values.assign([2, 0])
        ema.update(store)
        #expect(abs(ema.shadow.pointer[0] - 1.1) < 1e-15 && abs(ema.shadow.pointer[1] - 9) < 1e-15)
        store.values.assign([3, 0])
        ema.update(store)
        #expect(abs(ema.shadow.pointer[0] - 1.29) < 1e-15 && abs(ema.shadow.pointer[1] - 8.1) < 1e-14)
        ema.swap(with: store)
        #expect(abs(store.values.pointer[0] - 1.29) < 1e-15)
        #expect(ema.shadow.array == [3, 0])
    }

    /// The corrected factors give Adam's bias-corrected average `m_t/(1 − δ^t)` (`m_0 = 0`)
    /// whatever the average started at: the start leaves it at the first update.
    @Test func emaCorrectedDecayIsAdamsBiasCorrection() {
        var layout = ParameterLayout()
        _ = layout.add("w", shape: [1], initializer: .zeros)
        let store = ParameterStore<Double>(layout: layout)
        store.values.assign([100])  // the initialisation: must not survive
        let ema = ExponentialMovingAverage(copying: store, decay: 0.9)
        var m = 0.0
        for (t, theta) in [2.0, -1, 4, 0.5, 3, 7, -2].enumerated() {
            store.values.assign([theta])
            ema.update(store, decay: ExponentialMovingAverage<Double>.correctedDecay(0.9, update: t + 1))
            m = 0.9 * m + 0.1 * theta
            let corrected = m / (1 - Foundation.pow(0.9, Double(t + 1)))
            #expect(abs(ema.shadow.pointer[0] - corrected) < 1e-12, "update \(t + 1): \(ema.shadow.pointer[0]) vs \(corrected)")
        }
        #expect(ExponentialMovingAverage<Double>.correctedDecay(0.9, update: 1) == 0)
        #expect(abs(ExponentialMovingAverage<Double>.correctedDecay(0.999, update: 2) - 0.999 / 1.999) < 1e-13)
        #expect(abs(ExponentialMovingAverage<Double>.correctedDecay(0.9, update: 500) - 0.9) < 1e-15)
    }

    /// Warm-up 100 then cosine to 10% over 1100 steps: η(50) = η₀/2, η(100) = η₀,
    /// η(600) = η₀(0.1 + 0.9·½) = 0.55η₀, η(1100) = 0.1η₀, η(850) = η₀(0.1 + 0.45(1 + cos(3π/4))).
    @Test func warmupCosineScheduleHandComputed() {
        let s = LearningRateSchedule(baseRate: 1e-3, warmupSteps: 100, totalSteps: 1100, minimumRatio: 0.1)
        #expect(s.rate(step: 0) == 0)
        #expect(abs(s.rate(step: 50) - 5e-4) < 1e-18)
        #expect(abs(s.rate(step: 100) - 1e-3) < 1e-18)
        #expect(abs(s.rate(step: 600) - 5.5e-4) < 1e-17)
        #expect(abs(s.rate(step: 1100) - 1e-4) < 1e-18)
        #expect(abs(s.rate(step: 850) - 1e-3 * (0.1 + 0.45 * (1 - 0.5.squareRoot()))) < 1e-17)
        #expect(abs(s.rate(step: 5000) - 1e-4) < 1e-18)
    }

    @Test func initialisationIsSeededAndTruncated() {
        var layout = ParameterLayout()
        _ = layout.add("a", shape: [100, 200], initializer: .truncatedNormal(std: 0.5))
        _ = layout.add("b", shape: [100, 100], initializer: .lecunNormal(fanIn: 100))
        let s1 = ParameterStore<Double>(layout: layout), s2 = ParameterStore<Double>(layout: layout)
        s1.initialize(using: RandomSource(seed: 60))
        s2.initialize(using: RandomSource(seed: 60))
        #expect(s1.values.array == s2.values.array)
        let a = s1.values(named: "a")!, b = s1.values(named: "b")!
        let bound = 2 * 0.5 / Initializer.truncatedUnitStandardDeviation
        #expect(a.allSatisfy { abs($0) <= bound })
        func std(_ v: [Double]) -> Double {
            let m = v.reduce(0, +) / Double(v.count)
            return (v.reduce(0) { $0 + ($1 - m) * ($1 - m) } / Double(v.count)).squareRoot()
        }
        #expect(abs(std(a) - 0.5) < 0.01, "truncated std \(std(a))")
        #expect(abs(std(b) - 0.1) < 0.003, "LeCun std \(std(b))")
        #expect(abs(Initializer.truncatedUnitStandardDeviation - 0.879_626) < 1e-5)
    }
}
