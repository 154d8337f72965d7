import AttractorDynamics
import AttractorStability
import Foundation
import Testing

/// Each diagnostic on a system with a known answer.
@Suite struct DiagnosticsTests {
    /// Upper triangular, non-normal, eigenvalues 0.9, 0.5, −0.3 (its diagonal).
    static let triangular: [Double] = [0.9, 0.4, -0.2, 0, 0.5, 0.3, 0, 0, -0.3]

    @Test func linearMapSpectrumRadiusAndContinuousVerdict() throws {
        let map = try LinearLatentMap(matrix: Self.triangular, offset: [1, -1, 0.5])
        let z: [Double] = [0.3, -0.2, 1.0]
        let report = try LocalStability.analyze(map, at: z, rows: 1, options: .init(iterations: 200, seed: 3))[0]
        let eigen = try #require(report.eigenvalues)
        #expect(eigen.count == 3)
        for (got, want) in zip(eigen, [0.9, 0.5, -0.3]) {
            #expect(abs(got.re - want) < 1e-12 && abs(got.im) < 1e-12, "\(eigen)")
        }
        #expect(abs(report.spectralRadius - 0.9) < 1e-12)
        let power = LocalStability.powerRadius(map, z, rows: 1, originalRows: nil, options: .init(iterations: 200, seed: 3))
        #expect(abs(power[0] - 0.9) < 1e-3, "power iteration ρ = \(power[0])")
        #expect(report.discreteStable && report.continuousStable == true)
        #expect(abs(report.largestRealPartOfJMinusI! - (-0.1)) < 1e-12)
    }

    @Test func spectralNormOfAJordanBlock() throws {
        // [[a, 1], [0, a]] has ρ = a but ‖·‖₂ = a·… = √(a² + ¼) + ½.
        let map = try LinearLatentMap(matrix: [0.5, 1, 0, 0.5])
        let r = try LocalStability.analyze(map, at: [0, 0], rows: 1, options: .init(iterations: 200, seed: 1))[0]
        #expect(abs(r.spectralNorm - (0.5.squareRoot() + 0.5)) < 1e-9, "σ = \(r.spectralNorm)")
        #expect(abs(r.spectralRadius - 0.5) < 1e-6)
        // Power iteration on a defective J converges like 1/n: within 2 % after 200 steps.
        let p = LocalStability.powerRadius(map, [0, 0], rows: 1, originalRows: nil, options: .init(iterations: 200, seed: 1))
        #expect(abs(p[0] - 0.5) < 0.01, "ρ ≈ \(p[0])")
    }

    @Test func discreteAndContinuousVerdictsDiffer() throws {
        // λ = −1.5: the iteration diverges (ρ > 1), the flow dz/dt = F(z) − z is stable.
        let map = try LinearLatentMap(matrix: [-1.5, 0, 0, 0.2], isContinuous: true)
        let r = try LocalStability.analyze(map, at: [0, 0], rows: 1)[0]
        #expect(!r.discreteStable)
        #expect(r.continuousStable == true && r.stable == true)
        let unstable = try LinearLatentMap(matrix: [1.2, 0, 0, 0.2], isContinuous: true)
        let u = try LocalStability.analyze(unstable, at: [0, 0], rows: 1)[0]
        #expect(u.continuousStable == false && !u.discreteStable)
    }

    @Test func lyapunovExponentOfLinearMaps() throws {
        let map = try LinearLatentMap(matrix: Self.triangular)
        let z0 = [1.0, 2.0, -1.0, 0.5, 0.5, 0.5]
        let l = try LyapunovExponent.largest(map, initialState: z0, rows: 2, options: .init(steps: 300, transient: 50, seed: 5))
        for x in l { #expect(abs(x - log(0.9)) < 1e-6, "λ = \(x), want \(log(0.9))") }
        // A rotation scaled by 0.8 (complex pair): λ = log 0.8 although v never settles.
        let t = 0.7
        let rotation = try LinearLatentMap(matrix: [0.8 * cos(t), -0.8 * sin(t), 0.8 * sin(t), 0.8 * cos(t)])
        let lr = try LyapunovExponent.largest(rotation, initialState: [1, 0], rows: 1, options: .init(steps: 100, transient: 0))
        #expect(abs(lr[0] - log(0.8)) < 1e-12)
        let pr = LocalStability.powerRadius(rotation, [0, 0], rows: 1, originalRows: nil, options: .init(iterations: 50))
        #expect(abs(pr[0] - 0.8) < 1e-12)
    }

    @Test func convergenceRateOfALinearMapIsItsSpectralRadius() throws {
        let c: [Double] = [1, -1, 0.5]
        let map = try LinearLatentMap(matrix: Self.triangular, offset: c)
        let trace = try ConvergenceDiagnostic.run(map, initialState: [3, 3, 3], rows: 1,
                                                  options: .init(maximumSteps: 500, tolerance: 1e-10))
        let step = try #require(trace.convergedStep[0])
        #expect(trace.residuals[0].last! <= 1e-10 && trace.residuals[0].count == step + 1)
        #expect(abs(trace.contractionRate[0] - 0.9) < 1e-3, "rate \(trace.contractionRate[0])")
        // The end point is the fixed point: F(z*) = z*.
        let z = trace.finalState
        for i in 0..<3 {
            var fz = c[i]
            for j in 0..<3 { fz += Self.triangular[i * 3 + j] * z[j] }
            #expect(abs(fz - z[i]) < 1e-9)
        }
        // Not enough steps: reported as not converged.
        let short = try ConvergenceDiagnostic.run(map, initialState: [3, 3, 3], rows: 1, options: .init(maximumSteps: 5))
        #expect(short.convergedStep[0] == nil && short.convergedFraction == 0)
    }

    @Test func contractionHasOneStableFixedPoint() throws {
        let field = DifferentiableContractionField<Double>(dimension: 8, contraction: 0.8, seed: 11)
        let map = FieldLatentMap(field: field)
        let basins = try BasinAnalysis.analyze(map, options: .init(samples: 24, scale: 2, clusterTolerance: 1e-4, seed: 4,
                                                                   convergence: .init(maximumSteps: 300, tolerance: 1e-9)))
        #expect(basins.converged == 24)
        #expect(basins.distinctEndPoints == 1, "\(basins.clusterSizes)")
        let zStar = basins.representatives[0]
        let r = try LocalStability.analyze(map, at: zStar, rows: 1, options: .init(iterations: 100, seed: 2))[0]
        // ‖J‖₂ = ‖diag(1 − tanh²) W‖₂ ≤ ‖W‖_F = 0.8.
        #expect(r.spectralNorm <= 0.8 + 1e-6 && r.spectralRadius <= r.spectralNorm + 1e-9)
        #expect(r.stable == true)
        // FD power iteration agrees with the dense (VJP-built) spectrum.
        let p = LocalStability.powerRadius(map, zStar, rows: 1, originalRows: nil, options: .init(iterations: 200, seed: 2))
        #expect(abs(p[0] - r.spectralRadius) < 0.02 * r.spectralRadius, "power \(p[0]) vs dense \(r.spectralRadius)")
        // Along trajectories into z*, λ → log ρ(J*).
        let l = try LyapunovExponent.largest(map, initialState: Array(basins.trace.finalState[0..<8]) , rows: 1,
                                             options: .init(steps: 200, transient: 40, seed: 1))
        #expect(abs(l[0] - log(r.spectralRadius)) < 0.05, "λ = \(l[0]), log ρ = \(log(r.spectralRadius))")
    }

    @Test func doubleWellHasTwoBasins() throws {
        let map = FieldLatentMap(field: DoubleWellField<Double>(dimension: 1), stepSize: 0.5)
        let sign: AnswerDecoder = { z, _ in [z.first! > 0 ? 1 : -1] }
        let b = try BasinAnalysis.analyze(map, options: .init(samples: 40, scale: 0.5, clusterTolerance: 1e-3, seed: 9,
                                                              convergence: .init(maximumSteps: 200, tolerance: 1e-10)),
                                          decoder: sign)
        #expect(b.converged == 40)
        #expect(b.distinctEndPoints == 2 && b.distinctAnswers == 2)
        #expect(Set(b.representatives.map { ($0[0] * 1e6).rounded() / 1e6 }) == [1, -1])
        #expect(b.answerAgreement! < 1 && b.answerAgreement! >= 0.5)
        // Per start: the samples outside the larger basin are the smaller cluster, and the
        // samples decoded to −1 are the cluster whose end point is −1 (latents vs answers).
        #expect(b.samplesOutsideLargestBasin == b.clusterSizes.min()! && b.samplesOutsideLargestBasin > 0)
        let minus = b.representatives.firstIndex { $0[0] < 0 }!
        #expect(b.samplesWithWrongAnswer(expected: [1]) == b.clusterSizes[minus])
        #expect(b.samplesWithWrongAnswer(expected: [1])! + b.samplesWithWrongAnswer(expected: [-1])! == 40)
        #expect(b.answers?.count == 40)
        #expect(b.wrongAnswerDistances(expected: [1])!.allSatisfy { $0 == 1 })
        // Both minima are stable (J_F = 1 + h(1 − 3) = 0); the origin is not (J_F = 1.5).
        let s = try LocalStability.analyze(map, at: [1, -1, 0], rows: 3)
        #expect(s[0].stable == true && s[1].stable == true && s[2].stable == false)
    }

    @Test func stabilityAtEveryEndPointOfAMultistablePuzzle() throws {
        // h = ¼: J_F = 1 + ¼(1 − 3) = ½ at both minima; a contraction has one end point.
        let map = FieldLatentMap(field: DoubleWellField<Double>(dimension: 1), stepSize: 0.25)
        let sign: AnswerDecoder = { z, _ in [z.first! > 0 ? 1 : -1] }
        let options = BasinAnalysis.Options(samples: 40, scale: 0.5, clusterTolerance: 1e-3, seed: 9,
                                            convergence: .init(maximumSteps: 400, tolerance: 1e-10))
        let b = try BasinAnalysis.analyze(map, options: options, decoder: sign)
        #expect(b.distinctEndPoints == 2)
        let s = try #require(try EquilibriumValidation.secondEndPointStability(map, reports: [b], decoder: sign, expected: [[1]]))
        for value in [s.largest, s.others, s.othersMax, try #require(s.wrong)] { #expect(abs(value - 0.5) < 1e-6, "\(s)") }
        #expect(try EquilibriumValidation.secondEndPointStability(map, reports: [b], decoder: nil, expected: nil)?.wrong == nil)
        let one = FieldLatentMap(field: DifferentiableContractionField<Double>(dimension: 4, contraction: 0.5, seed: 1), stepSize: 1)
        let c = try BasinAnalysis.analyze(one, options: .init(samples: 8, convergence: .init(maximumSteps: 400, tolerance: 1e-10)))
        #expect(try EquilibriumValidation.secondEndPointStability(one, reports: [c], decoder: nil, expected: nil) == nil)
        // Through a suite: the rows appear beside the count of end points.
        let suite = try ValidationSuite.parse(Data(#"""
        {"suite": "w", "target": {"field": "double-well", "dimension": 1, "step_size": 0.25},
         "checks": [{"check": "basins", "samples": 24, "scale": 0.5, "max_steps": 400, "expect_distinct": 2}]}
        """#.utf8))
        let rows = try ValidationRunner.run(suite).checks[0].measurements
        let other = try #require(rows.first { $0.label.hasPrefix("ρ(J) at their other end points (median)") })
        #expect(abs(other.value - 0.5) < 1e-6)
    }

    @Test func basinsAfterANoisyPrelude() throws {
        // The double well from starts near its unstable origin: noise-free the sign of each
        // start picks its well; a noisy prelude of σ = 0.3 (F(z) + σξ on a field) re-deals
        // them, so which starts end at +1 changes, while every start still converges to ±1.
        func run(_ extra: String) throws -> (rows: [String: Double], notes: [String]) {
            let suite = try ValidationSuite.parse(Data(#"""
            {"suite": "n", "target": {"field": "double-well", "dimension": 1, "step_size": 0.25},
             "checks": [{"check": "basins", "samples": 32, "scale": 0.01, "max_steps": 400\#(extra)}]}
            """#.utf8))
            let c = try ValidationRunner.run(suite).checks[0]
            var rows: [String: Double] = [:]
            for m in c.measurements { rows[m.label] = m.value }
            return (rows, c.notes)
        }
        let clean = try run("")
        let zeroNoise = try run(#", "sigma": 0, "noisy_segments": 3"#)
        let noisy = try run(#", "sigma": 0.3, "noisy_segments": 3"#)
        #expect(clean.rows["distinct end points"] == 2 && noisy.rows["distinct end points"] == 2)
        #expect(noisy.rows["converged samples"] == 32 && zeroNoise.rows["converged samples"] == 32)
        // σ = 0: three more noise-free steps first, the same basins.
        #expect(zeroNoise.rows["largest basin fraction"] == clean.rows["largest basin fraction"])
        #expect(noisy.rows["largest basin fraction"] != clean.rows["largest basin fraction"], "\(noisy.rows) \(clean.rows)")
        #expect(noisy.notes.contains { $0.contains("3 noisy steps F(z) + σξ, σ = 0.3") }, "\(noisy.notes)")
        #expect(throws: StabilityError.self) { try run(#", "sigma": -1, "noisy_segments": 3"#) }
    }

    @Test func doubtGatedNoiseLeavesOnlyTrustedEndPoints() throws {
        // The double well with a "halting rule" that trusts the right well (z > ½) only: the
        // gated prelude shakes the starts in the wrong well until they cross, and leaves the
        // trusted ones alone; the same noise ungated leaves both wells occupied.
        let map = FieldLatentMap(field: DoubleWellField<Double>(dimension: 1), stepSize: 0.25)
        let sign: AnswerDecoder = { z, _ in [z.first! > 0 ? 1 : -1] }
        let subject = EquilibriumValidation.Subject(name: "w", map: map, decoder: sign, expected: [[1]],
                                                    verifies: { z, _ in z.first! > 0.5 }, halts: { $0.first! > 0.5 })
        func run(_ extra: String) throws -> [String: Double] {
            let suite = try ValidationSuite.parse(Data(#"""
            {"suite": "g", "target": {"field": "double-well", "dimension": 1, "step_size": 0.25},
             "checks": [{"check": "basins", "samples": 32, "scale": 0.5, "max_steps": 400, "sigma": 0.4, "noisy_segments": 600\#(extra)}]}
            """#.utf8))
            var rows: [String: Double] = [:]
            for m in try EquilibriumValidation.run(suite.checks[0], on: subject).measurements { rows[m.label] = m.value }
            return rows
        }
        let gated = try run(#", "gate": "halting""#), ungated = try run(""), verified = try run(#", "gate": "verified""#)
        #expect(gated["distinct end points"] == 1 && gated["majority answer correct"] == 1, "\(gated)")
        #expect(verified["distinct end points"] == 1 && verified["majority answer correct"] == 1, "\(verified)")
        #expect(ungated["distinct end points"] == 2, "\(ungated)")
        // The readouts at the end points: the rule fires at +1, not at −1.
        #expect(ungated["end points with a right answer where the halting rule fires (fraction)"] == 1)
        #expect(ungated["end points with a wrong answer where the halting rule fires (fraction of 1)"] == 0)
        // A subject without a halting rule cannot be gated.
        let suite = try ValidationSuite.parse(Data(#"""
        {"suite": "g", "target": {"field": "double-well", "dimension": 1},
         "checks": [{"check": "basins", "sigma": 0.5, "noisy_segments": 2, "gate": "halting"}]}
        """#.utf8))
        #expect(throws: StabilityError.self) { try EquilibriumValidation.run(suite.checks[0], on: .init(name: "w", map: map)) }
    }

    @Test func wrongClueStartsRunTheSubjectsMisledSegmentsFirst() throws {
        // The double well with a stand-in for "a puzzle with wrong givens": its segments drive
        // every start into the left (wrong) well, from which the true map keeps it there; the
        // check must run them before the true map, with the suite's cells, segments and seed.
        let map = FieldLatentMap(field: DoubleWellField<Double>(dimension: 1), stepSize: 0.25)
        let sign: AnswerDecoder = { z, _ in [z.first! > 0 ? 1 : -1] }
        var calls: [(row: Int, cells: Int, segments: Int, seed: UInt64, rows: Int)] = []
        var subject = EquilibriumValidation.Subject(name: "w", map: map, decoder: sign, expected: [[1]])
        subject.wrongClueSegments = { (states: [Double], row: Int, cells: Int, segments: Int, seed: UInt64) throws(StabilityError) -> [Double] in
            calls.append((row, cells, segments, seed, states.count))
            return states.map { _ in -0.9 }
        }
        func run(_ extra: String, on s: EquilibriumValidation.Subject<FieldLatentMap<DoubleWellField<Double>>>) throws -> [String: Double] {
            let suite = try ValidationSuite.parse(Data(#"""
            {"suite": "c", "target": {"field": "double-well", "dimension": 1, "step_size": 0.25},
             "checks": [{"check": "basins", "samples": 16, "scale": 0.5, "max_steps": 400, "seed": 5\#(extra)}]}
            """#.utf8))
            var rows: [String: Double] = [:]
            for m in try EquilibriumValidation.run(suite.checks[0], on: s).measurements { rows[m.label] = m.value }
            return rows
        }
        let plain = try run("", on: subject)
        #expect(calls.isEmpty && plain["distinct end points"] == 2, "\(plain)")
        let misled = try run(#", "wrong_clues": 6, "wrong_clue_segments": 3"#, on: subject)
        #expect(misled["distinct end points"] == 1 && misled["majority answer correct"] == 0, "\(misled)")
        #expect(calls.count == 1 && calls[0].row == 0 && calls[0].cells == 6 && calls[0].segments == 3
                && calls[0].seed == 5 && calls[0].rows == 16, "\(calls)")
        // Refused: no such segments on the subject, no segments, or mixed with the noisy prelude.
        #expect(throws: StabilityError.self) { try run(#", "wrong_clues": 6"#, on: .init(name: "w", map: map)) }
        #expect(throws: StabilityError.self) { try run(#", "wrong_clues": 6, "wrong_clue_segments": 0"#, on: subject) }
        #expect(throws: StabilityError.self) { try run(#", "wrong_clues": 6, "sigma": 0.1, "noisy_segments": 2"#, on: subject) }
        #expect(throws: StabilityError.self) { try run(#", "wrong_clues": -1"#, on: subject) }
    }

    @Test func fixedPointTestKeepsCorrectStatesAndFlagsWrongOnes() throws {
        let map = FieldLatentMap(field: DoubleWellField<Double>(dimension: 1), stepSize: 0.5)
        let sign: AnswerDecoder = { z, _ in [z.first! > 0 ? 1 : -1] }
        let r = try FixedPointTest.run(map, correctStates: [1, -1, 0.2], rows: 3, steps: 30, decoder: sign,
                                       expected: [[1], [-1], [-1]])
        #expect(r.rows.map(\.passed) == [true, true, false])
        #expect(r.rows[0].drift == 0 && r.rows[0].initialResidual == 0)
        #expect(abs(r.passRate - 2.0 / 3) < 1e-12)
        let noDecoder = try FixedPointTest.run(map, correctStates: [1, 0.2], rows: 2, steps: 30, driftTolerance: 1e-6)
        #expect(noDecoder.rows.map(\.passed) == [true, false])
        #expect(throws: StabilityError.self) { try FixedPointTest.run(map, correctStates: [1], rows: 1, decoder: sign) }
    }

    @Test func noiseDriftGrowsWithSigmaAndVotesAgreeWithoutNoise() throws {
        let field = DifferentiableContractionField<Double>(dimension: 4, contraction: 0.8, seed: 3)
        let map = FieldLatentMap(field: field)
        let z0 = [0.1, 0.2, -0.3, 0.4, 1, -1, 0.5, 0]
        let r = try NoiseRobustness.sweep(map, initialState: z0, rows: 2,
                                          options: .init(sigmas: [0, 0.01, 0.1], samples: 16, endTime: 10, stepSize: 0.25, seed: 1))
        #expect(r.points[0].meanDrift == 0 && r.points[0].agreement == 1)
        let ratio = r.points[2].meanDrift / r.points[1].meanDrift
        // Linear response near a stable point: drift ∝ σ.
        #expect(ratio > 7 && ratio < 13, "drift ratio \(ratio)")
        // Double well from just right of the unstable origin: no noise → all +1; strong noise splits the votes.
        let well = FieldLatentMap(field: DoubleWellField<Double>(dimension: 1), stepSize: 0.5)
        let sign: AnswerDecoder = { z, _ in [z.first! > 0 ? 1 : -1] }
        let w = try NoiseRobustness.sweep(well, initialState: [0.05], rows: 1,
                                          options: .init(sigmas: [0, 1], samples: 64, endTime: 8, stepSize: 0.05, seed: 2),
                                          decoder: sign, expected: [[1]])
        #expect(w.points[0].agreement == 1 && w.points[0].sampleAccuracy == 1 && w.points[0].majorityAccuracy == 1)
        #expect(w.points[1].agreement < 0.9 && w.points[1].sampleAccuracy! < 0.9)
    }

    @Test func floatMapTracksDouble() throws {
        let d = DifferentiableContractionField<Double>(dimension: 6, contraction: 0.8, seed: 5)
        let f = DifferentiableContractionField<Float>(weight: d.parameters[0..<36].map { Float($0) },
                                                      bias: d.parameters[36...].map { Float($0) })
        let td = try ConvergenceDiagnostic.run(FieldLatentMap(field: d), initialState: [Double](repeating: 0.5, count: 6), rows: 1,
                                               options: .init(maximumSteps: 200, tolerance: 1e-12))
        let tf = try ConvergenceDiagnostic.run(FieldLatentMap(field: f), initialState: [Float](repeating: 0.5, count: 6), rows: 1,
                                               options: .init(maximumSteps: 200, tolerance: 1e-5))
        #expect(LatentBatch_distance(td.finalState, tf.finalState) < 1e-5)
        let rd = try LocalStability.analyze(FieldLatentMap(field: d), at: td.finalState, rows: 1)[0]
        let rf = try LocalStability.analyze(FieldLatentMap(field: f), at: tf.finalState.map { Float($0) }, rows: 1)[0]
        #expect(abs(rd.spectralRadius - rf.spectralRadius) < 1e-4 * max(rd.spectralRadius, 1e-3))
        // The Float FD JVP (ε ≈ 5e-3) still gives the spectral norm to about 1e-2.
        #expect(abs(rd.spectralNorm - rf.spectralNorm) < 1e-2 * rd.spectralNorm)
    }

    @Test func badInputsAreTypedErrors() throws {
        #expect(throws: StabilityError.self) { try LinearLatentMap<Double>(matrix: [1, 2, 3]) }
        let map = try LinearLatentMap<Double>(matrix: [0.5, 0, 0, 0.5])
        #expect(throws: StabilityError.self) { try ConvergenceDiagnostic.run(map, initialState: [1, 2, 3], rows: 1) }
        #expect(throws: StabilityError.self) { try LyapunovExponent.largest(map, initialState: [1, 2], rows: 1, options: .init(steps: 5, transient: 5)) }
        let diverging = try LinearLatentMap<Double>(matrix: [1e200, 0, 0, 1])
        #expect(throws: StabilityError.nonFinite(row: 0, step: 0)) {
            try ConvergenceDiagnostic.run(diverging, initialState: [1e200, 0], rows: 1)
        }
    }
}

func LatentBatch_distance(_ a: [Double], _ b: [Double]) -> Double {
    zip(a, b).map { ($0 - $1) * ($0 - $1) }.reduce(0, +).squareRoot()
}

/// A linear map that offers only JVPs (by finite differences): exercises the no-VJP paths.
final class JVPOnlyMap: LatentMap {
    typealias Scalar = Double
    let inner: LinearLatentMap<Double>
    var dimension: Int { inner.dimension }
    var isContinuous: Bool { false }
    var hasVectorJacobianProduct: Bool { false }
    init(_ inner: LinearLatentMap<Double>) { self.inner = inner }
    func apply(state: UnsafePointer<Double>, image: UnsafeMutablePointer<Double>, rows: RowSelection) {
        inner.apply(state: state, image: image, rows: rows)
    }
    func vectorJacobianProduct(state: UnsafePointer<Double>, cotangent: UnsafePointer<Double>,
                               product: UnsafeMutablePointer<Double>, rows: RowSelection) {
        product.update(repeating: .nan, count: rows.count * dimension)
    }
}

@Suite struct NoVJPTests {
    @Test func denseSpectrumFromJVPsAndNoNorm() throws {
        let map = JVPOnlyMap(try LinearLatentMap(matrix: DiagnosticsTests.triangular))
        let r = try LocalStability.analyze(map, at: [0.1, 0.2, 0.3], rows: 1)[0]
        let eig = try #require(r.eigenvalues)
        for (got, want) in zip(eig, [0.9, 0.5, -0.3]) { #expect(abs(got.re - want) < 1e-6 && abs(got.im) < 1e-6) }
        #expect(r.spectralNorm.isNaN)
    }
}
