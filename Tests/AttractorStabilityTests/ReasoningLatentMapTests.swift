import AttractorDynamics
import AttractorNeural
import AttractorNumerics
import AttractorReasoning
import AttractorStability
import AttractorTasks
import Foundation
import Testing

/// The reasoning models conform through `ReasoningLatentMap` (small untrained networks).
@Suite struct ReasoningLatentMapTests {
    static func model(_ kind: ModelKind) throws -> ReasoningModel<Float> {
        var config = try ReasoningConfiguration.preset("tiny", model: kind, task: .sudoku)
        config.block = BlockConfiguration(hidden: 8, sequence: 81, layers: 1, mixer: .mlp, tokenInner: 16, channelInner: 16)
        config.cycles = 1
        config.lowSteps = 1
        return try ReasoningModel<Float>(configuration: config, maxBatch: 4, seed: 3)
    }

    static let solution: [Int] = Array("534678912672195348198342567859761423426853791713924856961537284287419635345286179").map { Int(String($0))! }

    @Test func segmentMapRespectsRowSelectionAndDecodes() throws {
        let trm = ReasoningSudokuModel(name: "trm", model: try Self.model(.trm))
        var a = Self.solution, b = Self.solution
        a[0] = 0; b[40] = 0; b[41] = 0
        let (map, z0) = try trm.bind(puzzles: [a, b])
        #expect(!map.isContinuous && map.dimension == 2 * 81 * 8 && z0.count == 2 * map.dimension)
        #expect(trm.evaluationsPerStep == 2)  // one cycle: one low-level and one high-level direct step
        let d = map.dimension
        var perturbed = z0
        for i in perturbed.indices { perturbed[i] = Float(i % 7) * 0.1 }
        var both = [Float](repeating: 0, count: 2 * d), second = [Float](repeating: 0, count: 2 * d)
        perturbed.withUnsafeBufferPointer { z in
            both.withUnsafeMutableBufferPointer { map.apply(state: z.baseAddress!, image: $0.baseAddress!, rows: RowSelection(count: 2)) }
        }
        // Working rows 0 and 1 both mapped to input 1: row 1's image equals the batch run's row 1 image.
        let origins = [1, 1]
        origins.withUnsafeBufferPointer { o in
            perturbed.withUnsafeBufferPointer { z in
                second.withUnsafeMutableBufferPointer {
                    map.apply(state: z.baseAddress!, image: $0.baseAddress!, rows: RowSelection(count: 2, indices: o))
                }
            }
        }
        let diff = (0..<d).map { abs(both[d + $0] - second[d + $0]) }.max()!
        #expect(diff < 1e-5, "row 1 image differs by \(diff)")
        let row0Differs = (0..<d).contains { abs(both[$0] - second[$0]) > 1e-5 }
        #expect(row0Differs, "input 0 and input 1 should give different images")
        let answer = trm.decode(both[0..<d].map(Double.init)[...], row: 0)
        #expect(answer.count == 81 && answer.allSatisfy { (0...9).contains($0) })
    }

    /// One row layout for the two levels everywhere: `[z_L | z_H]`, as in `ReasoningField`
    /// and the adjoint's joint system; the answer is read off the second half.
    @Test func rowsAreLaidOutLowThenHigh() throws {
        let model = try Self.model(.trm)
        let w = model.stateWidth
        var puzzle = Self.solution
        puzzle[3] = 0
        let tokens = puzzle.map { Int32($0 == 0 ? 1 : $0 + 1) }
        let map = try ReasoningLatentMap(model: model, inputs: [tokens], threads: 1)
        let z = (0..<(2 * w)).map { Float(($0 * 37) % 11) * 0.05 - 0.25 }
        var image = [Float](repeating: 0, count: 2 * w)
        z.withUnsafeBufferPointer { zp in
            image.withUnsafeMutableBufferPointer { map.apply(state: zp.baseAddress!, image: $0.baseAddress!, rows: RowSelection(count: 1)) }
        }
        let state = model.makeState()
        for e in 0..<w { state.low.pointer[e] = z[e]; state.high.pointer[e] = z[w + e] }
        model.runSegment(state, input: try model.embedded(tokens, batch: 1), record: false)
        #expect(Array(image[0..<w]) == Array(UnsafeBufferPointer(start: state.low.pointer, count: w)))
        #expect(Array(image[w...]) == Array(UnsafeBufferPointer(start: state.high.pointer, count: w)))
        model.computeHeads(state, batch: 1)
        #expect(map.answerTokens(image.map(Double.init)[...]) == model.predictedTokens(example: 0))
        #expect(try ReasoningField(model: model, tokens: tokens).dimension == map.dimension)
    }

    /// `max(‖ΔL′‖, ‖ΔH′‖) / max(‖ΔL‖, ‖ΔH‖)` of the segment map over seeded pairs of starts:
    /// below 1 means a contraction in that norm (Banach: one fixed point).
    static func largestSegmentRatio(_ map: ReasoningLatentMap, pairs: Int) -> Double {
        let d = map.dimension, w = d / 2
        func levelNorms(_ a: [Float], _ b: [Float]) -> Double {
            var low = 0.0, high = 0.0
            for e in 0..<d { let x = Double(a[e] - b[e]); if e < w { low += x * x } else { high += x * x } }
            return max(low, high).squareRoot()
        }
        var largest = 0.0
        for k in 0..<pairs {
            let z = gaussianFloats(d, seed: 40 + UInt64(k), sigma: 2)
            let delta = gaussianFloats(d, seed: 80 + UInt64(k), sigma: k % 2 == 0 ? 0.01 : 2)
            let z2 = zip(z, delta).map { $0 + $1 }
            var a = [Float](repeating: 0, count: d), b = a
            z.withUnsafeBufferPointer { zp in a.withUnsafeMutableBufferPointer { map.apply(state: zp.baseAddress!, image: $0.baseAddress!, rows: RowSelection(count: 1)) } }
            z2.withUnsafeBufferPointer { zp in b.withUnsafeMutableBufferPointer { map.apply(state: zp.baseAddress!, image: $0.baseAddress!, rows: RowSelection(count: 1)) } }
            largest = max(largest, levelNorms(a, b) / levelNorms(z, z2))
        }
        return largest
    }

    static func gaussianFloats(_ n: Int, seed: UInt64, sigma: Double) -> [Float] {
        let r = RandomSource(seed: seed)
        return (0..<n).map { _ in Float(r.gaussian(sigma: sigma)) }
    }

    /// The `contractive` structure makes CMM's damped segment map a contraction whatever the
    /// weights inside the spectral ball: blown-up weights (the control) break it, the
    /// projection the trainer applies after every step restores it, and then every random
    /// start ends at the same fixed point.
    /// With `injection` the blocks also read the puzzle through unconstrained matrices, blown
    /// up with the rest and never projected: the state map stays a contraction.
    @Test(arguments: [false, true])
    func contractiveCMMHasOneFixedPointPerPuzzle(injection: Bool) throws {
        var config = try ReasoningConfiguration.preset("tiny", model: .cmm, task: .sudoku)
        config.block = BlockConfiguration(hidden: 8, sequence: 81, layers: 2, mixer: .mlp, tokenInner: 16,
                                          channelInner: 16, structure: .contractive, lipschitz: 0.45, injection: injection)
        let model = try ReasoningModel<Float>(configuration: config, maxBatch: 4, seed: 5)
        if injection {
            let p = model.store.values.pointer
            for view in model.store.layout.views where view.name.hasSuffix(".inject.weight") {
                for e in view.offset..<view.end { p[e] *= 8 }
            }
        }
        var puzzle = Self.solution
        for i in stride(from: 0, to: 81, by: 4) { puzzle[i] = 0 }
        let tokens = puzzle.map { Int32($0 == 0 ? 1 : $0 + 1) }
        let map = try ReasoningLatentMap(model: model, inputs: [tokens], threads: 1)
        let p = model.store.values.pointer
        let views = model.network.spectrallyBoundedMatrices
        for view in views { for e in view.offset..<view.end { p[e] *= 8 } }
        let blown = Self.largestSegmentRatio(map, pairs: 12)
        #expect(blown > 1, "the control should not be a contraction (ratio \(blown))")
        let loose = try #require(model.network.contractionCertificate())
        #expect(loose.lipschitz > 0.5 && loose.segmentFactor! > 1)
        #expect(model.network.projectSpectralNorms() > 1)
        let ratio = Self.largestSegmentRatio(map, pairs: 12)
        #expect(ratio < 1, "segment map ratio \(ratio)")
        // The certificate: L within the configured 0.45 (up to the power iteration's slack),
        // one damped step (h = 0.95) contracts by 1 − h + 2hL < 1, and it bounds what was measured.
        let certificate = try #require(model.network.contractionCertificate())
        #expect(certificate.lipschitz >= 0.45 * 0.99 && certificate.lipschitz <= 0.45 * 1.01, "\(certificate.lipschitz)")
        let factor = try #require(certificate.segmentFactor)
        #expect(abs(factor - (0.05 + 1.9 * certificate.lipschitz)) < 1e-12 && factor < 1 && ratio <= factor)
        #expect(try Self.model(.cmm).network.contractionCertificate() == nil)  // post-norm: nothing certified
        let basins = try BasinAnalysis.analyze(map, options: .init(samples: 12, scale: 3, clusterTolerance: 1e-3, seed: 6,
                                                                   convergence: .init(maximumSteps: 200, tolerance: 1e-5, relative: true)))
        #expect(basins.converged == 12)
        #expect(basins.distinctEndPoints == 1, "\(basins.clusterSizes)")
    }

    /// The NSDE's segment: noise-free it is `apply`; with σ a row's image depends on its own
    /// seed only (not on the rows beside it or the thread count), and other seeds move it.
    @Test func noisySegmentIsSeededPerRow() throws {
        let model = try Self.model(.cmm)
        var p = Self.solution
        for i in stride(from: 0, to: 81, by: 4) { p[i] = 0 }
        let tokens = p.map { Int32($0 == 0 ? 1 : $0 + 1) }
        func image(_ map: ReasoningLatentMap, _ z: [Float], rows: Int, sigma: Double?, seeds: [UInt64]) -> [Float] {
            var out = [Float](repeating: 0, count: z.count)
            let origins = [Int](repeating: 0, count: rows)
            origins.withUnsafeBufferPointer { o in
                z.withUnsafeBufferPointer { zp in
                    out.withUnsafeMutableBufferPointer { op in
                        let sel = RowSelection(count: rows, indices: o)
                        if let sigma {
                            map.noisySegment(state: zp.baseAddress!, image: op.baseAddress!, rows: sel, sigma: sigma, seeds: seeds)
                        } else {
                            map.apply(state: zp.baseAddress!, image: op.baseAddress!, rows: sel)
                        }
                    }
                }
            }
            return out
        }
        let one = try ReasoningLatentMap(model: model, inputs: [tokens], threads: 1)
        let two = try ReasoningLatentMap(model: model, inputs: [tokens], threads: 2)
        let d = one.dimension
        let z: [Float] = (0..<(6 * d)).map { Float(($0 * 37) % 11) * 0.1 - 0.5 }
        let seeds: [UInt64] = [11, 12, 13, 14, 15, 16]
        #expect(image(one, z, rows: 6, sigma: 0, seeds: seeds) == image(one, z, rows: 6, sigma: nil, seeds: seeds))
        let noisy = image(one, z, rows: 6, sigma: 0.1, seeds: seeds)
        #expect(image(two, z, rows: 6, sigma: 0.1, seeds: seeds) == noisy, "the thread count changed a noisy image")
        // Row 3 alone, with its seed: the same image as in the batch of six.
        let alone = image(one, Array(z[(3 * d)..<(4 * d)]), rows: 1, sigma: 0.1, seeds: [14])
        #expect(alone == Array(noisy[(3 * d)..<(4 * d)]))
        let clean = image(one, z, rows: 6, sigma: nil, seeds: seeds)
        let moved = (0..<(6 * d)).map { Double(abs(noisy[$0] - clean[$0])) }.max()!
        #expect(moved > 1e-3, "σ = 0.1 left the segment unchanged")
        #expect(image(one, z, rows: 6, sigma: 0.1, seeds: seeds.map { $0 + 100 }) != noisy)
        // The noise is the model's own test-time noise: the map leaves it off afterwards.
        #expect(model.sampleSigma == 0)
    }

    @Test func diagnosticsAndComparisonRunOnModels() throws {
        let trm = ReasoningSudokuModel(name: "trm", model: try Self.model(.trm))
        let cmm = ReasoningSudokuModel(name: "cmm", model: try Self.model(.cmm))
        var p = Self.solution
        for i in stride(from: 0, to: 81, by: 9) { p[i] = 0 }
        let r = try ModelComparison.run([trm, cmm], puzzles: [p, p], solutions: [Self.solution, Self.solution],
                                        options: .init(maximumSteps: 4, budgets: [1, 2, 4], tolerance: 1e-3, stabilityRows: 1,
                                                       stabilityIterations: 4, relative: true))
        #expect(r.models.map(\.continuous) == [false, true])
        #expect(r.models[0].functionEvaluationsAtBudget == [2, 4, 8])
        #expect(r.models.allSatisfy { $0.spectralRadius.count == 1 && $0.spectralRadius[0].isFinite && $0.spectralNorm[0].isNaN })
        #expect(r.models.allSatisfy { (0...1).contains($0.cellAccuracy) && $0.residualMedian.count >= 2 })
        let (map, z0) = try cmm.bind(puzzles: [p])
        let l = try LyapunovExponent.largest(map, initialState: z0, rows: 1, options: .init(steps: 3, transient: 1))
        #expect(l[0].isFinite)
    }
}

@Suite struct ModelEquilibriumTests {
    @Test func equilibriumChecksRunOnAModelSubjectWithCheckpointOverrides() throws {
        let suite = try ValidationSuite.parse(Data(#"""
        {"suite": "m", "target": {"field": "contraction", "dimension": 4},
         "checks": [
          {"check": "convergence", "samples": 8, "min_converged_fraction": 1,
           "checkpoint": {"relative": true, "tolerance": 1e-9, "max_steps": 3, "min_converged_fraction": null}},
          {"check": "lyapunov", "checkpoint": {"steps": 3, "transient": 1}},
          {"check": "basins", "checkpoint": {"samples": 3, "max_steps": 2, "relative": true, "cluster_tolerance": 1e9}},
          {"check": "fixed-point", "checkpoint": {"steps": 2, "puzzles": 2, "min_pass_rate": 0}},
          {"check": "noise", "checkpoint": {"sigmas": [0, 0.5], "samples": 3, "end_time": 2, "step_size": 1}},
          {"check": "basins", "name": "per puzzle, merged", "checkpoint": {"samples": 3, "puzzles": 2, "max_steps": 2, "relative": true,
                                                                          "tolerance": 1e9, "cluster_tolerance": 1e9, "expect_distinct": 1}},
          {"check": "basins", "name": "per puzzle, apart", "checkpoint": {"samples": 3, "puzzles": 5, "max_steps": 2, "relative": true,
                                                                         "tolerance": 1e9, "cluster_tolerance": 1e-12, "expect_distinct": 1}}]}
        """#.utf8))
        #expect(suite.checks[0].checkpointRemovals == ["min_converged_fraction"])
        #expect(suite.checks[0].parameters(checkpoint: false).number("min_converged_fraction") == 1)
        #expect(suite.checks[0].parameters(checkpoint: true).number("min_converged_fraction") == nil)
        let model = ReasoningSudokuModel(name: "trm", model: try ReasoningLatentMapTests.model(.trm))
        var p = ReasoningLatentMapTests.solution
        p[3] = 0; p[50] = 0
        let (map, z0) = try model.bind(puzzles: [p, p])
        let subject = EquilibriumValidation.Subject(
            name: "trm", map: map, inputs: 2, initialState: z0, decoder: { model.decode($0, row: $1) },
            expected: [ReasoningLatentMapTests.solution, ReasoningLatentMapTests.solution],
            fixedPointInputs: { (n: Int) throws(StabilityError) in
                let m = try ReasoningLatentMap(model: model.model, inputs: [p.map { Int32($0 == 0 ? 1 : $0 + 1) }])
                return (m, m.initialState(rows: 1), [ReasoningLatentMapTests.solution])
            })
        let results = try suite.checks.map { (c: ValidationSuite.Check) throws(StabilityError) in
            try EquilibriumValidation.run(c, on: subject)
        }
        // Untrained and 3 segments at 1e-9 relative: not converged, and no criterion left to fail.
        #expect(results[0].passed == nil && results[0].measurements[0].value == 0)
        #expect(results[0].notes[0].contains("2 puzzles"))
        #expect(results[2].measurements.contains { $0.label == "distinct decoded answers" })
        #expect(results[3].passed == true)
        #expect(results[4].measurements.contains { $0.label.contains("majority-vote accuracy") })
        // Per puzzle (2 bound; `puzzles: 5` is capped at 2): every sample converges at once
        // (tolerance 1e9); merged within 1e9 each puzzle has one end point, kept apart three.
        func value(_ r: CheckResult, _ label: String) -> Double? { r.measurements.first { $0.label == label }?.value }
        #expect(value(results[5], "puzzles with one end point") == 1)
        #expect(value(results[5], "most distinct end points of a puzzle") == 1 && results[5].passed == true)
        #expect(results[5].notes[0].hasPrefix("2 puzzles, each from 3 random"))
        #expect(value(results[6], "puzzles with one end point") == 0)
        #expect(value(results[6], "most distinct end points of a puzzle") == 3 && results[6].passed == false)
        #expect(value(results[6], "converged samples per puzzle (mean)") == 3)
        // Pooled per start: merged, none outside its puzzle's basin; kept apart, 2 of 3 per puzzle.
        #expect(value(results[5], "converged starts outside their puzzle's largest basin (fraction)") == 0)
        #expect(value(results[6], "converged starts outside their puzzle's largest basin (fraction)") == 2.0 / 3)
        let wrong = try #require(value(results[6], "converged starts ending at a wrong answer (fraction)"))
        #expect(wrong >= 0 && wrong <= 1)
        // Wrong end points say how far off they are (an 81-entry answer differs in 1…81 entries).
        let entries = value(results[6], "entries differing from the expected answer at a wrong end point (median)")
        #expect(wrong == 0 ? entries == nil : (entries.map { $0 >= 1 && $0 <= 81 } ?? false), "\(wrong) \(String(describing: entries))")
    }
}

/// The readouts a bundled checkpoint's subject gives the basins check (its halting rule, its
/// least sure cell, the verifier of its decoded answer), on puzzles it solves.
@Suite struct ReasoningSubjectReadoutTests {
    @Test func verifierHaltingAndConfidenceAtASolvedState() throws {
        let subject = try ValidationRunner.modelSubject(checkpoint: "cmm-tiny", puzzles: "Data/sudoku/serg_benchmark.txt", limit: 2,
                                                        blanks: 10, seed: 0, threads: 1)
        let map = subject.map, d = map.dimension
        // Four segments from the model's own start: cmm-tiny solves 10-blank grids in one.
        var z = try #require(subject.initialState)
        for _ in 0..<4 {
            var image = z
            z.withUnsafeBufferPointer { zp in
                image.withUnsafeMutableBufferPointer { map.apply(state: zp.baseAddress!, image: $0.baseAddress!, rows: RowSelection(count: 2)) }
            }
            z = image
        }
        let expected = try #require(subject.expected)
        let verifies = try #require(subject.verifies), halts = try #require(subject.halts)
        let confidence = try #require(subject.leastConfidence), decoder = try #require(subject.decoder)
        for row in 0..<2 {
            let latent = z[(row * d)..<((row + 1) * d)].map(Double.init)[...]
            #expect(decoder(latent, row) == expected[row])
            #expect(verifies(latent, row) && halts(latent) && confidence(latent) > 0.5)
            // The same state read as the other puzzle's answer keeps not its givens.
            #expect(!verifies(latent, 1 - row))
            // Four positions' states rotated: a wrong grid, and cmm-tiny's halting head (on the
            // mean over positions) cannot tell — it fires as at the solution.
            let rotated = try #require(subject.haltsRotated)
            #expect(rotated(latent, row) == true)
        }
        // Wrong-clue starts: segments on puzzle 1 with 8 of its 10 blank cells given wrong
        // digits, one corruption per start — not the true puzzle's segments from the same
        // starts, different per start, reproducible.
        let misledSegments = try #require(subject.wrongClueSegments)
        let initial = try #require(subject.initialState)
        let starts = Array(initial.suffix(d)) + Array(initial.suffix(d))
        let misled = try misledSegments(starts, 1, 8, 1, 3)
        var plain = starts
        let puzzleOne = [1, 1]
        starts.withUnsafeBufferPointer { zp in
            plain.withUnsafeMutableBufferPointer { ip in
                puzzleOne.withUnsafeBufferPointer {
                    map.apply(state: zp.baseAddress!, image: ip.baseAddress!, rows: RowSelection(count: 2, indices: $0))
                }
            }
        }
        #expect(misled[0..<d] != plain[0..<d] && misled[d..<(2 * d)] != plain[d..<(2 * d)], "the true puzzle's segment")
        #expect(misled[0..<d] != misled[d..<(2 * d)], "both starts got the same corruption")
        #expect(try misledSegments(starts, 1, 8, 1, 3) == misled, "not reproducible")
        // The model's initial latent decodes to no solution, and the model doubts it.
        let start = try #require(subject.initialState).prefix(d).map(Double.init)[...]
        #expect(!verifies(start, 0) && !halts(start))
    }
}

/// `validate --raw-weights` and `compare --raw-weights`: a checkpoint's subject built from the
/// training weights of its last step (`state.safetensors`) instead of its evaluation weights,
/// and named so; an error where the checkpoint keeps no training state.
@Suite struct RawWeightSubjectTests {
    @Test func rawWeightsBindTheLastStepAndSayItsName() throws {
        var c = try ReasoningConfiguration.preset("tiny", model: .trm, task: .sudoku)
        c.block = BlockConfiguration(hidden: 8, sequence: 81, layers: 1, mixer: .mlp, tokenInner: 16, channelInner: 16)
        c.cycles = 1
        c.lowSteps = 1
        c.segments = 2
        c.training.batch = 4
        c.training.emaDecay = 0.5  // 0.5^7 < 0.01: the evaluation weights are the average after 8 steps
        let solution = ReasoningLatentMapTests.solution
        let examples = (0..<4).map { k -> SudokuExample in
            var puzzle = solution
            for i in stride(from: k, to: 81, by: 9) { puzzle[i] = 0 }
            return SudokuExample(puzzle: SudokuGrid(cells: puzzle.map(UInt8.init))!, solution: SudokuGrid(cells: solution.map(UInt8.init))!)
        }
        let t = try ReasoningTrainer(configuration: c, examples: TrainingExamples(sudoku: examples), seed: 3)
        for _ in 0..<8 { _ = try t.trainStep() }
        #expect(t.evaluationUsesEMA)
        let dir = NSTemporaryDirectory() + "attractor-raw-\(UUID().uuidString)"
        defer { try? FileManager.default.removeItem(atPath: dir) }
        try ReasoningCheckpoint.save(t, to: dir, trainingSeconds: 1)
        let average = try ReasoningSudokuModel(checkpoint: dir, maxBatch: 4, threads: 1)
        let raw = try ReasoningSudokuModel(checkpoint: dir, maxBatch: 4, threads: 1, rawWeights: true)
        #expect(average.model.store.values.array == Array(t.ema.shadow.buffer))
        #expect(raw.model.store.values.array == t.model.store.values.array)
        #expect(raw.model.store.values.array != average.model.store.values.array)
        #expect(raw.name.hasSuffix("(raw weights)") && !average.name.hasSuffix("(raw weights)"))
        // The runner passes the choice through to the subject the checks run on.
        let file = dir + "/puzzles.txt"
        try examples.map { String($0.puzzle.cells.map { $0 == 0 ? "." : Character(String($0)) }) }.joined(separator: "\n")
            .write(toFile: file, atomically: true, encoding: .utf8)
        let subject = try ValidationRunner.modelSubject(checkpoint: dir, puzzles: file, limit: 2, threads: 1, rawWeights: true)
        #expect(subject.name == raw.name)
        try FileManager.default.removeItem(atPath: dir + "/state.safetensors")
        #expect(throws: StabilityError.self) { _ = try ReasoningSudokuModel(checkpoint: dir, maxBatch: 4, threads: 1, rawWeights: true) }
        _ = try ReasoningSudokuModel(checkpoint: dir, maxBatch: 4, threads: 1)
    }
}
