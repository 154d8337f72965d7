import Foundation
import AttractorNeural
import AttractorNumerics
import Testing
@testable import AttractorReasoning

/// The network (parameters, embedding, `F`, heads) keeps nothing between calls: integrators
/// built on one network run independently, and a replica shares values, not gradients.
@Suite struct ReasoningNetworkTests {
    /// One segment + heads + backward on `model` from a fixed state; returns z_H, logits and ∇θ.
    static func pass(_ model: ReasoningModel<Double>, tokens: [Int32], batch: Int) throws -> [[Double]] {
        let r = try ReasoningTestSupport.segmentGradient(model, tokens: tokens, start: {
            let s = model.makeState()
            ReasoningTestSupport.randomize(s, seed: 12)
            return s
        }(), batch: batch)
        return [r.high, r.logits, r.gradient]
    }

    @Test(arguments: [ModelKind.trm, .hrm])
    func integratorsOnOneNetworkDoNotInterfere(_ kind: ModelKind) throws {
        let c = kind == .trm ? try ReasoningTestSupport.trm() : try ReasoningTestSupport.hrm()
        let network = try ReasoningNetwork<Double>(configuration: c, seed: 5)
        let a = try ReasoningModel(network: network, maxBatch: 3)
        let b = try ReasoningModel(network: network, maxBatch: 2)
        #expect(a.store === b.store && a.network === network)
        let tokensA = ReasoningTestSupport.tokens(batch: 3, sequence: 4, vocabulary: 5, seed: 8)
        let tokensB = ReasoningTestSupport.tokens(batch: 2, sequence: 4, vocabulary: 5, seed: 9)
        let first = try Self.pass(a, tokens: tokensA, batch: 3)
        _ = try Self.pass(b, tokens: tokensB, batch: 2)  // another batch through the same network
        let again = try Self.pass(a, tokens: tokensA, batch: 3)
        #expect(first == again)
        // The same as a model that owns a fresh network of the same seed.
        let own = try ReasoningModel<Double>(configuration: c, maxBatch: 3, seed: 5)
        #expect(try Self.pass(own, tokens: tokensA, batch: 3) == first)
    }

    @Test func aReplicaSharesValuesAndHasItsOwnGradients() throws {
        let network = try ReasoningNetwork<Double>(configuration: try ReasoningTestSupport.trm(), seed: 5)
        let replica = try ReasoningNetwork(replicaOf: network)
        #expect(replica.store.values.array == network.store.values.array)
        network.store.values.pointer[0] += 1  // an optimiser step on the original is seen by the replica
        #expect(replica.store.values.pointer[0] == network.store.values.pointer[0])
        replica.store.gradients.pointer[0] = 7
        #expect(network.store.gradients.pointer[0] != 7)
    }

    /// The regularisers have their own work space: run before or after the segment's
    /// backward pass, they give the same values and the same total gradient.
    @Test(arguments: [ReasoningConfiguration.Integrator.direct, .rk4])
    func regularisersShareNothingWithTheBackwardPass(_ integrator: ReasoningConfiguration.Integrator) throws {
        var c = try SolverCoreStepTests.cmm(integrator == .direct ? .rk4 : integrator)
        c.integrator = integrator
        c.loss.residual = 0.1
        c.loss.repulsion = 0.05
        c.loss.traceHinge = 0.1
        c.loss.repellerHinge = 0.1
        c.loss.spectral = 0.05
        let batch = 3
        let tokens = ReasoningTestSupport.tokens(batch: batch, sequence: 4, vocabulary: 5, seed: 8)
        func run(regularisersFirst: Bool) throws -> (ReasoningModel<Double>.RegulariserValues, [Double]) {
            let m = try ReasoningModel<Double>(configuration: c, maxBatch: batch, seed: 5)
            let s = m.makeState()
            ReasoningTestSupport.randomize(s, seed: 12)
            let input = try m.embedded(tokens, batch: batch)
            m.store.zeroGradients()
            m.runSegment(s, input: input, record: true)
            m.computeHeads(s, batch: batch)
            m.clearCotangents(batch: batch)
            _ = ReasoningTestSupport.linearLoss(m, batch: batch, seed: 99)
            var residuals = [Double](repeating: 0, count: batch)
            var values = ReasoningModel<Double>.RegulariserValues()
            values.residual = m.equilibriumResidual(s, batch: batch, weight: c.loss.residual, relative: &residuals)
            values.repulsion = m.repulsion(s, batch: batch, weight: c.loss.repulsion)
            m.backwardHeads(s, batch: batch)
            func jacobian() {
                let j = m.jacobianRegularisers(s, input: input, batch: batch, random: RandomSource(seed: 6))
                values.traceHinge = j.traceHinge
                values.repellerHinge = j.repellerHinge
                values.spectral = j.spectral
            }
            if regularisersFirst { jacobian() }
            try m.backwardSegment(s, input: input)
            if !regularisersFirst { jacobian() }
            return (values, m.store.gradients.array)
        }
        let (after, gradientAfter) = try run(regularisersFirst: false)
        let (before, gradientBefore) = try run(regularisersFirst: true)
        #expect(after == before)
        #expect(after.traceHinge + after.repellerHinge + after.spectral > 0)
        #expect(ReasoningTestSupport.maxRelativeDifference(gradientAfter, gradientBefore) < 1e-9)  // summation order only
    }

    /// The spectral margin `m` turns `w·‖Jv‖²/‖v‖²` into `w·ReLU(‖Jv‖²/‖v‖² − m²)`: below every
    /// example's estimate it shifts the value by `w·m²` and leaves the gradient alone; above
    /// all of them the term and its gradient vanish.
    @Test func spectralMarginIsAHingeOnTheSquaredNorm() throws {
        var c = try ReasoningTestSupport.trm()
        c.loss.spectral = 0.05
        c.loss.powerIterations = 3
        let batch = 3
        let tokens = ReasoningTestSupport.tokens(batch: batch, sequence: 4, vocabulary: 5, seed: 8)
        func run(_ margin: Double) throws -> (Double, [Double]) {
            var d = c
            d.loss.spectralMargin = margin
            let m = try ReasoningModel<Double>(configuration: d, maxBatch: batch, seed: 5)
            let s = m.makeState()
            ReasoningTestSupport.randomize(s, seed: 12)
            let input = try m.embedded(tokens, batch: batch)
            m.store.zeroGradients()
            let j = m.jacobianRegularisers(s, input: input, batch: batch, random: RandomSource(seed: 6))
            return (j.spectral, m.store.gradients.array)
        }
        let (plain, plainGradient) = try run(0)
        #expect(plain > 0 && plainGradient.contains { $0 != 0 })
        // A margin far below every estimate keeps all examples active.
        let small = 1e-3
        let (shifted, shiftedGradient) = try run(small)
        #expect(abs(shifted - (plain - 0.05 * small * small)) < 1e-12)
        #expect(shiftedGradient == plainGradient)
        let (none, noneGradient) = try run(1e3)
        #expect(none == 0 && noneGradient.allSatisfy { $0 == 0 })
        // A margin at the mean estimate keeps only the examples above it: more than the
        // linear shift (which is 0 there) and less than the plain term.
        let mean = plain / 0.05
        let (partial, _) = try run(mean.squareRoot())
        #expect(partial > 0 && partial < plain)
    }

    /// The chord hinge: its value is `w·mean ReLU(‖S(b) − S(a)‖²/‖b − a‖² − m²)` with `S(b)`
    /// from an ordinary segment, and its parameter gradient (one cycle, all of it taped)
    /// matches central differences of that value with `S(a)` held fixed; above every
    /// ratio the margin silences it.
    @Test func chordHingeValueAndGradient() throws {
        var c = try ReasoningTestSupport.trm()
        c.cycles = 1
        c.gradient = .lastCycle
        let batch = 2, weight = 0.7
        let tokens = ReasoningTestSupport.tokens(batch: batch, sequence: 4, vocabulary: 5, seed: 8)
        let m = try ReasoningModel<Double>(configuration: c, maxBatch: batch, seed: 5)
        let input = try m.embedded(tokens, batch: batch)
        let a = m.makeState(), image = m.makeState(), b = m.makeState()
        ReasoningTestSupport.randomize(a, seed: 12)
        ReasoningTestSupport.randomize(b, seed: 13)
        image.copy(from: a)
        m.runSegment(image, input: input, record: false)
        func hinge(margin: Double) throws -> Double {
            let start = m.makeState()
            start.copy(from: b)
            m.store.zeroGradients()
            return try m.chordHinge(start: start, origin: a, image: image, input: input, weight: weight, margin: margin)
        }
        // The value, from an untaped segment.
        let sb = m.makeState()
        sb.copy(from: b)
        m.runSegment(sb, input: input, record: false)
        var expected = 0.0
        let hb = sb.high.array, lb = sb.low.array, hi = image.high.array, li = image.low.array
        let h0 = b.high.array, l0 = b.low.array, ha = a.high.array, la = a.low.array
        for r in 0..<batch {
            let rows = (r * m.width)..<((r + 1) * m.width)
            let gap = rows.reduce(0.0) { $0 + pow(hb[$1] - hi[$1], 2) + pow(lb[$1] - li[$1], 2) }
            let span = rows.reduce(0.0) { $0 + pow(h0[$1] - ha[$1], 2) + pow(l0[$1] - la[$1], 2) }
            expected += weight * gap / span / Double(batch)
        }
        let value = try hinge(margin: 0)
        #expect(value > 0 && abs(value - expected) <= 1e-12 * expected)
        let gradient = m.store.gradients.array
        let parameters = m.store.count
        for index in stride(from: 1, to: parameters, by: max(1, parameters / 12)) {
            let original = m.store.values.pointer[index], h = 1e-6
            m.store.values.pointer[index] = original + h
            let plus = try hinge(margin: 0)
            m.store.values.pointer[index] = original - h
            let minus = try hinge(margin: 0)
            m.store.values.pointer[index] = original
            let numeric = (plus - minus) / (2 * h)
            #expect(abs(numeric - gradient[index]) <= 1e-6 * max(1e-3, abs(numeric)), "parameter \(index)")
        }
        // Above every ratio: nothing.
        #expect(try hinge(margin: 1e3) == 0)
        #expect(m.store.gradients.array.allSatisfy { $0 == 0 })
    }

    /// The wrong-motion hinge: its value is `w/B · Σ_{b wrong} ReLU(m − r_b)` with `r_b` the
    /// relative residual `relativeResidual` reports, its parameter gradient matches central
    /// differences of that value (the state held fixed), the examples marked right add
    /// nothing, and a margin below every residual silences it. With the residual weight too,
    /// the two terms add, value and gradient.
    @Test func wrongMotionHingeValueAndGradient() throws {
        let c = try ReasoningTestSupport.trm()
        let batch = 3, weight = 0.7
        let tokens = ReasoningTestSupport.tokens(batch: batch, sequence: 4, vocabulary: 5, seed: 8)
        let m = try ReasoningModel<Double>(configuration: c, maxBatch: batch, seed: 5)
        let input = try m.embedded(tokens, batch: batch)
        let s = m.makeState()
        ReasoningTestSupport.randomize(s, seed: 12)
        m.runSegment(s, input: input, record: false)
        var residuals = [Double](repeating: 0, count: batch)
        m.relativeResidual(s, batch: batch, into: &residuals)
        let margin = residuals.max()! * 1.5
        func terms(_ wrong: [Bool], margin: Double, residualWeight: Double = 0) -> (residual: Double, wrongMotion: Double) {
            m.store.zeroGradients()
            m.clearCotangents(batch: batch)
            var relative = [Double](repeating: 0, count: batch)
            let correct = wrong.map { !$0 }
            return correct.withUnsafeBufferPointer { c in
                relative.withUnsafeMutableBufferPointer {
                    m.equilibriumTerms(s, batch: batch, residualWeight: residualWeight,
                                       motion: .init(weight: weight, margin: margin, correct: c.baseAddress!), relative: $0)
                }
            }
        }
        let wrong = [true, false, true]
        let value = terms(wrong, margin: margin).wrongMotion
        let expected = weight * ((margin - residuals[0]) + (margin - residuals[2])) / Double(batch)
        #expect(value > 0 && abs(value - expected) <= 1e-12 * expected)
        let gradient = m.store.gradients.array
        #expect(gradient.contains { $0 != 0 })
        let parameters = m.store.count
        var checked = 0
        for index in stride(from: 1, to: parameters, by: max(1, parameters / 12)) {
            let original = m.store.values.pointer[index], h = 1e-6
            m.store.values.pointer[index] = original + h
            let plus = terms(wrong, margin: margin).wrongMotion
            m.store.values.pointer[index] = original - h
            let minus = terms(wrong, margin: margin).wrongMotion
            m.store.values.pointer[index] = original
            let numeric = (plus - minus) / (2 * h)
            #expect(abs(numeric - gradient[index]) <= 1e-6 * max(1e-3, abs(numeric)), "parameter \(index)")
            if numeric != 0 { checked += 1 }
        }
        #expect(checked > 0)
        // Right examples only, or a margin below every residual: nothing, value or gradient.
        #expect(terms([false, false, false], margin: margin).wrongMotion == 0)
        #expect(m.store.gradients.array.allSatisfy { $0 == 0 })
        #expect(terms(wrong, margin: residuals.min()! * 0.5).wrongMotion == 0)
        #expect(m.store.gradients.array.allSatisfy { $0 == 0 })
        // With the residual: the residual value is `equilibriumResidual`'s, and the gradients add.
        _ = terms(wrong, margin: margin)
        let hingeGradient = m.store.gradients.array
        m.store.zeroGradients()
        m.clearCotangents(batch: batch)
        var relative = [Double](repeating: 0, count: batch)
        let residualAlone = m.equilibriumResidual(s, batch: batch, weight: 0.1, relative: &relative)
        let residualGradient = m.store.gradients.array
        let both = terms(wrong, margin: margin, residualWeight: 0.1)
        #expect(abs(both.residual - residualAlone) <= 1e-12 * residualAlone && abs(both.wrongMotion - value) <= 1e-12 * value)
        let sum = zip(hingeGradient, residualGradient).map { $0 + $1 }
        #expect(ReasoningTestSupport.maxRelativeDifference(m.store.gradients.array, sum) < 1e-9)
    }

    @Test func wrongMotionSettingsAreValidated() throws {
        var c = try ReasoningTestSupport.trm()
        for (w, m, f) in [(-1.0, 0.01, 0.0), (Double.nan, 0.01, 0), (1, 0, 0), (1, -0.1, 0), (1, .infinity, 0), (1, 0.01, 1.5), (1, 0.01, -0.1)] {
            c.loss.wrongMotion = w
            c.loss.wrongMotionMargin = m
            c.loss.wrongMotionFrom = f
            #expect(throws: ReasoningError.self) { try c.validate() }
        }
        let set = try c.applying(["loss.wrongMotion=1", "loss.wrongMotionMargin=0.02", "loss.wrongMotionFrom=0.6"])
        #expect(set.loss.wrongMotion == 1 && set.loss.wrongMotionMargin == 0.02 && set.loss.wrongMotionFrom == 0.6)
    }

    @Test func aNegativeChordWeightOrMarginIsRejected() throws {
        var c = try ReasoningTestSupport.trm()
        c.loss.chord = -1
        #expect(throws: ReasoningError.self) { try c.validate() }
        c.loss.chord = 0.1
        c.loss.chordMargin = -0.5
        #expect(throws: ReasoningError.self) { try c.validate() }
        c.loss.chordMargin = 0.5
        try c.validate()
        c.loss.chordSegments = -1
        #expect(throws: ReasoningError.self) { try c.validate() }
    }

    @Test func aNegativeSpectralMarginIsRejected() throws {
        var c = try ReasoningTestSupport.trm()
        c.loss.spectralMargin = -0.5
        #expect(throws: ReasoningError.self) { try c.validate() }
    }
}
