import AttractorDynamics
import AttractorNumerics

/// The `equilibrium` checks on a suite target: convergence, local stability, Lyapunov
/// exponents, basins, the fixed-point test and the noise sweep, summarised with figures.
/// Built-in targets are fields read through `FieldLatentMap` (`contraction`,
/// `double-well`); trained models (issue 6) plug in through `LatentMap`.
public enum EquilibriumValidation {
    /// What the equilibrium checks run on: a map, and for a trained model its bound
    /// inputs, their initial latents, an answer decoder with the expected answers, and the
    /// fixed-point inputs (correct solutions with one blank).
    public struct Subject<M: LatentMap> {
        public var name: String
        public var map: M
        /// Bound inputs (1 for a field).
        public var inputs: Int
        /// `inputs × dimension` initial latents; nil: Gaussian latents (fields).
        public var initialState: [M.Scalar]?
        public var decoder: AnswerDecoder?
        public var expected: [[Int]]?
        /// Given a count, a map bound to that many correct solutions with one blank, its
        /// initial latents and the solutions (nil: start at converged end points instead).
        public var fixedPointInputs: ((Int) throws(StabilityError) -> (M, [M.Scalar], [[Int]]))?
        /// A model whose structure bounds its Lipschitz constant: the certified bound `L` of
        /// `F` and, where the schedule allows, the segment map's contraction factor (reported
        /// beside the measured basins).
        public var certificate: (lipschitz: Double, segmentFactor: Double?)?
        /// One segment of the model's own NSDE (test-time noise `σ` at every step) on `rows`
        /// latents of the bound inputs `originalRows`, row `i`'s noise from `seeds[i]`; nil
        /// (fields): `z ← F(z) + σξ` (`noisyStep`).
        public var noisySegment: ((_ states: [M.Scalar], _ originalRows: [Int], _ sigma: Double, _ seeds: [UInt64]) -> [M.Scalar])?
        /// Whether the model's own halting rule fires at a latent row (nil: no rule the
        /// heads decide): read at every end point of the basins check, and the gate of its
        /// doubt-gated noise (`gate: "halting"`).
        public var halts: ((_ latent: ArraySlice<Double>) -> Bool)?
        /// The answer head's least sure cell at a latent row (the probability of its
        /// predicted token), read at every end point of the basins check.
        public var leastConfidence: ((_ latent: ArraySlice<Double>) -> Double)?
        /// Whether the answer decoded at a latent row of input `row` obeys the task's rules (a
        /// certificate: for a unique-solution puzzle, the solution) — the gate of the basins
        /// check's verifier-gated noise (`gate: "verified"`).
        public var verifies: ((_ latent: ArraySlice<Double>, _ row: Int) -> Bool)?
        /// Whether the halting rule fires at a latent row with a few positions' states rotated
        /// among themselves so that its answer changes (probe `index` picks them; nil when no
        /// rotation tried changes the answer): read at every right end point of the basins
        /// check — a confident grid with cells in the wrong places, which a head on the mean
        /// over positions cannot tell from the original.
        public var haltsRotated: ((_ latent: ArraySlice<Double>, _ index: Int) -> Bool?)?
        /// Sudoku: `segments` segments of the map on input `row`'s puzzle with `cells` of its
        /// blank cells given wrong digits, a different corruption per start row of `states`
        /// (start `i`'s from `(seed, i)`) — the basins check's `wrong_clues` starts: states
        /// the model itself wrote for a near miss, where a second end point would sit.
        public var wrongClueSegments: ((_ states: [M.Scalar], _ row: Int, _ cells: Int, _ segments: Int, _ seed: UInt64)
                                       throws(StabilityError) -> [M.Scalar])?

        public init(name: String, map: M, inputs: Int = 1, initialState: [M.Scalar]? = nil, decoder: AnswerDecoder? = nil,
                    expected: [[Int]]? = nil,
                    fixedPointInputs: ((Int) throws(StabilityError) -> (M, [M.Scalar], [[Int]]))? = nil,
                    certificate: (lipschitz: Double, segmentFactor: Double?)? = nil,
                    leastConfidence: ((_ latent: ArraySlice<Double>) -> Double)? = nil,
                    verifies: ((_ latent: ArraySlice<Double>, _ row: Int) -> Bool)? = nil,
                    halts: ((_ latent: ArraySlice<Double>) -> Bool)? = nil,
                    haltsRotated: ((_ latent: ArraySlice<Double>, _ index: Int) -> Bool?)? = nil,
                    wrongClueSegments: ((_ states: [M.Scalar], _ row: Int, _ cells: Int, _ segments: Int, _ seed: UInt64)
                                        throws(StabilityError) -> [M.Scalar])? = nil,
                    noisySegment: ((_ states: [M.Scalar], _ originalRows: [Int], _ sigma: Double, _ seeds: [UInt64]) -> [M.Scalar])? = nil) {
            self.certificate = certificate
            self.halts = halts
            self.haltsRotated = haltsRotated
            self.wrongClueSegments = wrongClueSegments
            self.leastConfidence = leastConfidence
            self.verifies = verifies
            self.noisySegment = noisySegment
            self.name = name
            self.map = map
            self.inputs = inputs
            self.initialState = initialState
            self.decoder = decoder
            self.expected = expected
            self.fixedPointInputs = fixedPointInputs
        }

        var isModel: Bool { initialState != nil }

        /// The first `rows` inputs' initial latents, or `rows` Gaussian latents.
        func starts(_ rows: Int, scale: Double, seed: UInt64) -> (state: [M.Scalar], rows: Int) {
            if let s = initialState {
                let n = min(rows, inputs)
                return (Array(s[0..<(n * map.dimension)]), n)
            }
            return (LatentBatch.gaussian(rows: rows, dimension: map.dimension, scale: scale, seed: seed), rows)
        }
    }

    /// Runs one check on a field's latent map. `limit` caps sample counts (nil: the suite's).
    public static func run<M: LatentMap>(
        _ check: ValidationSuite.Check, on map: M, targetName: String, limit: Int? = nil
    ) throws(StabilityError) -> CheckResult {
        try run(check, on: Subject(name: targetName, map: map), limit: limit)
    }

    /// Runs one check on a subject (a field or a trained model with its inputs).
    public static func run<M: LatentMap>(
        _ check: ValidationSuite.Check, on subject: Subject<M>, limit: Int? = nil
    ) throws(StabilityError) -> CheckResult {
        let p = check.parameters(checkpoint: subject.isModel)
        let map = subject.map, targetName = subject.name
        func count(_ key: String) -> Int { min(p.integer(key) ?? 1, limit ?? Int.max) }
        let d = map.dimension
        switch check.kind {
        case .convergence:
            let (z0, m) = subject.starts(count("samples"), scale: p.number("scale")!, seed: UInt64(p.integer("seed")!))
            let t = try ConvergenceDiagnostic.run(map, initialState: z0, rows: m,
                                                  options: .init(maximumSteps: p.integer("max_steps")!, tolerance: p.number("tolerance")!,
                                                                 relative: p.flag("relative") ?? false))
            let steps = t.convergedStep.compactMap { $0.map(Double.init) }
            var ms: [CheckResult.Measurement] = []
            let minimum = p.number("min_converged_fraction")
            ms.append(.init(label: "fraction converged (‖F(z) − z‖\(p.flag("relative") == true ? "/‖z‖" : "") ≤ \(t.tolerance))", value: t.convergedFraction,
                            criterion: minimum.map { "≥ \($0)" }, passed: minimum.map { t.convergedFraction >= $0 }))
            ms.append(.init(label: "median steps to tolerance", value: Quantiles.median(steps)))
            ms.append(.init(label: "median contraction rate", value: Quantiles.median(t.contractionRate)))
            ms.append(.init(label: "function evaluations (batched)", value: Double(t.functionEvaluations)))
            let band = Quantiles.bands(t.residuals)
            let maxStep = t.residuals.map(\.count).max() ?? 0
            let fraction = (0..<maxStep).map { k in Double(t.convergedStep.filter { ($0 ?? .max) <= k }.count) / Double(m) }
            return CheckResult(name: check.name, check: check.kind.rawValue, measurements: ms,
                               notes: [subject.isModel ? "\(targetName): \(m) puzzles from the model's initial latent" : "\(targetName): \(m) Gaussian initial latents (scale \(p.number("scale")!)), residual ‖F(z_k) − z_k‖₂"],
                               figures: [
                                Figure(title: "Residual vs step (\(targetName)): median and quartiles", kind: .line, xLabel: "step k",
                                       yLabel: "‖F(z) − z‖₂", logY: true,
                                       series: [.init(label: "median", x: band.step, y: band.median, low: band.low, high: band.high)]),
                                Figure(title: "Converged fraction vs function evaluations (\(targetName))", kind: .line,
                                       xLabel: "evaluations of F per sample", yLabel: "fraction converged",
                                       series: [.init(label: targetName, x: (0..<maxStep).map { Double($0 + 1) }, y: fraction)]),
                               ])
        case .localStability:
            let (points, rows) = try endPoints(subject, samples: min(limit ?? 16, 16))
            let reports = try LocalStability.analyze(map, at: points, rows: rows,
                                                     options: .init(iterations: p.integer("iterations")!, denseLimit: p.integer("dense_limit")!))
            let radii = reports.map(\.spectralRadius), norms = reports.map(\.spectralNorm)
            let stable = Double(reports.filter { $0.stable == true }.count) / Double(rows)
            var ms: [CheckResult.Measurement] = [
                .init(label: "stable fraction (\(map.isContinuous ? "Re λ(J − I) < 0" : "ρ(J) < 1"))", value: stable,
                      criterion: p.number("min_stable_fraction").map { "≥ \($0)" }, passed: p.number("min_stable_fraction").map { stable >= $0 }),
                .init(label: "median spectral radius ρ(J)", value: Quantiles.median(radii),
                      criterion: p.number("max_spectral_radius").map { "max ≤ \($0)" },
                      passed: p.number("max_spectral_radius").map { radii.max()! <= $0 }),
                .init(label: "median spectral norm ‖J‖₂", value: Quantiles.median(norms)),
            ]
            if let re = reports.compactMap(\.largestRealPartOfJMinusI).max() {
                ms.append(.init(label: "largest Re λ(J − I) over end points", value: re))
            }
            var figures = [Figure.histogram(title: "Spectral radius at end points (\(targetName))", xLabel: "ρ(J)", values: radii)]
            if let eig = reports.first?.eigenvalues {
                figures.append(Figure(title: "Spectrum of J at one end point (\(targetName))", kind: .scatter, xLabel: "Re λ", yLabel: "Im λ",
                                      series: [.init(label: "λ(J)", x: eig.map(\.re), y: eig.map(\.im))]))
            }
            return CheckResult(name: check.name, check: check.kind.rawValue, measurements: ms,
                               notes: ["\(rows) end points; ρ by \(reports.first?.eigenvalues == nil ? "power iteration on JVPs" : "the dense spectrum (GSL nonsymm)"), ‖J‖₂ by power iteration on JᵀJ"],
                               figures: figures)
        case .lyapunov:
            let (z0, m) = subject.starts(count("samples"), scale: p.number("scale")!, seed: UInt64(p.integer("seed")!))
            let l = try LyapunovExponent.largest(map, initialState: z0, rows: m,
                                                 options: .init(steps: p.integer("steps")!, transient: p.integer("transient")!))
            let maxExp = p.number("max_exponent")
            return CheckResult(name: check.name, check: check.kind.rawValue, measurements: [
                .init(label: "median largest Lyapunov exponent (per step)", value: Quantiles.median(l)),
                .init(label: "max largest Lyapunov exponent", value: l.max()!, criterion: maxExp.map { "< \($0)" },
                      passed: maxExp.map { l.max()! < $0 }),
            ], notes: ["\(m) trajectories, \(p.integer("steps")!) steps, first \(p.integer("transient")!) not averaged"],
               figures: [Figure.histogram(title: "Largest Lyapunov exponent (\(targetName))", xLabel: "λ per step", values: l)])
        case .basins:
            // A trained model's subject holds several puzzles: the analysis runs per puzzle
            // (its own random starts), up to `puzzles` of them; a field has one input.
            let puzzles = max(1, min(p.integer("puzzles")!, subject.inputs))
            // With `sigma` and `noisy_segments`: each start first runs that many segments of
            // the NSDE (noise σ at every step), then the noise-free map to convergence — the
            // basins of the noisy integrator annealed to its drift.
            // With `gate: "halting"` the noise is doubt-gated: a start carries it through a
            // segment only while the model's halting rule does not fire at its state (the
            // diffusion σ·1[no halt](z) of the NSDE), so confident states move noise-free;
            // with `gate: "verified"` only while its decoded answer breaks the task's rules.
            let sigma = p.number("sigma")!, noisySegments = p.integer("noisy_segments")!
            guard sigma >= 0, noisySegments >= 0 else {
                throw .invalidArgument("basins: sigma and noisy_segments must be ≥ 0, got \(sigma) and \(noisySegments)")
            }
            let gate = p.string("gate")!, gated = gate != "none"
            // With `wrong_clues: K`: each random start first runs `wrong_clue_segments` segments on
            // the puzzle with K blank cells given wrong digits (its own corruption), then the
            // true puzzle's map to convergence — starts at a near miss the model believed.
            let wrongClues = p.integer("wrong_clues")!, wrongClueSegments = p.integer("wrong_clue_segments")!
            if wrongClues > 0 {
                guard subject.wrongClueSegments != nil else {
                    throw .invalidArgument("basins: wrong_clues needs a Sudoku model (\(targetName) has no puzzles to give wrong givens)")
                }
                guard wrongClueSegments >= 1, noisySegments == 0 else {
                    throw .invalidArgument("basins: wrong_clues needs wrong_clue_segments ≥ 1 and no noisy_segments, got \(wrongClueSegments) and \(noisySegments)")
                }
            } else if wrongClues < 0 {
                throw .invalidArgument("basins: wrong_clues must be ≥ 0, got \(wrongClues)")
            }
            if gate == "halting" && subject.halts == nil {
                throw .invalidArgument("basins: gate \"halting\" needs a model whose heads decide halting (\(targetName) has none)")
            }
            if gate == "verified" && subject.verifies == nil {
                throw .invalidArgument("basins: gate \"verified\" needs a task whose answers can be checked (\(targetName) has none)")
            }
            func trusted(_ latent: ArraySlice<Double>, _ row: Int) -> Bool {
                gate == "halting" ? subject.halts!(latent) : subject.verifies!(latent, row)
            }
            var reports: [BasinAnalysis.Report] = []
            for row in 0..<puzzles {
                let seed = UInt64(p.integer("seed")!) &+ UInt64(row)
                var wrongClueError: StabilityError? = nil
                let misled: (([M.Scalar], Int) -> [M.Scalar])? = wrongClues == 0 ? nil : { starts, _ in
                    do throws(StabilityError) { return try subject.wrongClueSegments!(starts, row, wrongClues, wrongClueSegments, seed) } catch {
                        wrongClueError = error
                        return starts
                    }
                }
                let prelude: (([M.Scalar], Int) -> [M.Scalar])? = noisySegments == 0 ? misled : { starts, rows in
                    var z = starts
                    for k in 0..<noisySegments {
                        let seeds = (0..<rows).map { RandomSource.mix(RandomSource.mix(seed, 0x5E6 &+ UInt64(k)), UInt64($0)) }
                        // Gated: the noisy segment runs on the doubted rows only, the others noise-free.
                        let trust = (0..<rows).map { r in gated && trusted(z[(r * d)..<((r + 1) * d)].map(Double.init)[...], row) }
                        let doubted = (0..<rows).filter { !trust[$0] }, confident = (0..<rows).filter { trust[$0] }
                        let part = doubted.flatMap { z[($0 * d)..<(($0 + 1) * d)] }
                        let moved = doubted.isEmpty ? [] : subject.noisySegment?(part, [Int](repeating: row, count: doubted.count), sigma,
                                                                                  doubted.map { seeds[$0] })
                            ?? noisyStep(map, part, row: row, rows: doubted.count, sigma: sigma, seeds: doubted.map { seeds[$0] })
                        let still = confident.isEmpty ? [] : noisyStep(map, confident.flatMap { z[($0 * d)..<(($0 + 1) * d)] }, row: row,
                                                                       rows: confident.count, sigma: 0, seeds: confident.map { seeds[$0] })
                        for (j, r) in doubted.enumerated() { z.replaceSubrange((r * d)..<((r + 1) * d), with: moved[(j * d)..<((j + 1) * d)]) }
                        for (j, r) in confident.enumerated() { z.replaceSubrange((r * d)..<((r + 1) * d), with: still[(j * d)..<((j + 1) * d)]) }
                    }
                    return z
                }
                reports.append(try BasinAnalysis.analyze(map, row: row, options: .init(
                    samples: count("samples"), scale: p.number("scale")!, clusterTolerance: p.number("cluster_tolerance")!,
                    seed: seed,
                    convergence: .init(maximumSteps: p.integer("max_steps")!, tolerance: p.number("tolerance")!,
                                       relative: p.flag("relative") ?? false)),
                    decoder: subject.decoder, prelude: prelude))
                if let wrongClueError { throw wrongClueError }
            }
            let b = reports[0]
            let expect = p.integer("expect_distinct")
            let distinct = reports.map(\.distinctEndPoints)
            let convergedStarts = reports.map(\.converged).reduce(0, +)
            var answerRows: [CheckResult.Measurement] = []
            if puzzles == 1 {
                if let n = b.distinctAnswers { answerRows.append(.init(label: "distinct decoded answers", value: Double(n))) }
                if let a = b.answerAgreement { answerRows.append(.init(label: "answer agreement (majority fraction)", value: a)) }
                if let m = b.majorityAnswer, let e = subject.expected?.first {
                    answerRows.append(.init(label: "majority answer correct", value: m == e ? 1 : 0))
                }
            } else {
                answerRows.append(.init(label: "puzzles with one end point", value: Double(distinct.filter { $0 == 1 }.count) / Double(puzzles)))
                answerRows.append(.init(label: "puzzles with no converged sample", value: Double(reports.filter { $0.converged == 0 }.count) / Double(puzzles)))
                let answers = reports.compactMap(\.distinctAnswers)
                if !answers.isEmpty {
                    answerRows.append(.init(label: "puzzles with one decoded answer", value: Double(answers.filter { $0 == 1 }.count) / Double(puzzles)))
                }
                if let expected = subject.expected {
                    let right = reports.indices.filter { r in reports[r].majorityAnswer.map { $0 == expected[r] } ?? false }.count
                    answerRows.append(.init(label: "majority answer correct (fraction of puzzles)", value: Double(right) / Double(puzzles)))
                }
                // Per start rather than per puzzle: how much of the start distribution the
                // second end points (and wrong answers) capture, pooled over the puzzles.
                if convergedStarts > 0 {
                    let outside = reports.map(\.samplesOutsideLargestBasin).reduce(0, +)
                    answerRows.append(.init(label: "converged starts outside their puzzle's largest basin (fraction)",
                                            value: Double(outside) / Double(convergedStarts)))
                    if let expected = subject.expected {
                        let distances = reports.indices.compactMap { reports[$0].wrongAnswerDistances(expected: expected[$0]) }
                        if distances.count == reports.count {
                            let misses = distances.joined().map(Double.init)
                            answerRows.append(.init(label: "converged starts ending at a wrong answer (fraction)",
                                                    value: Double(misses.count) / Double(convergedStarts)))
                            // How far those answers are from the solution: near misses or other grids.
                            if !misses.isEmpty {
                                answerRows.append(.init(label: "entries differing from the expected answer at a wrong end point (median)",
                                                        value: Quantiles.median(misses)))
                            }
                        }
                    }
                }
            }
            // Where a puzzle has several end points: how stable each is, the one most starts
            // reach against the others (and, with the expected answers, right against wrong).
            var stabilityRows: [CheckResult.Measurement] = []
            if let s = try secondEndPointStability(map, reports: reports, decoder: subject.decoder, expected: subject.expected) {
                stabilityRows.append(.init(label: "ρ(J) at the largest basin's end point of puzzles with several (median)", value: s.largest))
                stabilityRows.append(.init(label: "ρ(J) at their other end points (median)", value: s.others))
                stabilityRows.append(.init(label: "ρ(J) at their other end points (max)", value: s.othersMax))
                if let w = s.wrong { stabilityRows.append(.init(label: "ρ(J) at end points with a wrong answer (median)", value: w)) }
            }
            // Does the model know where it is wrong? Its halting rule read at every end point.
            if let halts = subject.halts, let h = endPointHalting(reports: reports, halts: halts, decoder: subject.decoder,
                                                                  expected: subject.expected) {
                stabilityRows.append(.init(label: "end points with a right answer where the halting rule fires (fraction)", value: h.right))
                if let w = h.wrong {
                    stabilityRows.append(.init(label: "end points with a wrong answer where the halting rule fires (fraction of \(h.wrongCount))",
                                               value: w))
                }
            }
            if let rotated = subject.haltsRotated,
               let f = rotatedHalting(reports: reports, haltsRotated: rotated, decoder: subject.decoder, expected: subject.expected) {
                stabilityRows.append(.init(label: "right end points with \(ReasoningProbe.rotatedPositions) positions' states rotated (a wrong answer) where the halting rule fires (fraction of \(f.count))",
                                           value: f.fraction))
            }
            if let confidence = subject.leastConfidence,
               let points = endPointsByAnswer(reports: reports, decoder: subject.decoder, expected: subject.expected) {
                let right = points.right.map(confidence), wrong = points.wrong.map(confidence)
                if !right.isEmpty {
                    stabilityRows.append(.init(label: "least cell confidence at end points with a right answer (min)", value: right.min()!))
                    stabilityRows.append(.init(label: "least cell confidence at end points with a right answer (median)", value: Quantiles.median(right)))
                }
                if !wrong.isEmpty {
                    stabilityRows.append(.init(label: "least cell confidence at end points with a wrong answer (max)", value: wrong.max()!))
                    stabilityRows.append(.init(label: "least cell confidence at end points with a wrong answer (median)", value: Quantiles.median(wrong)))
                }
            }
            var certificateNotes: [String] = []
            if let c = subject.certificate {
                answerRows.append(.init(label: "certified Lipschitz bound of F (contractive structure)", value: c.lipschitz))
                if let f = c.segmentFactor {
                    answerRows.append(.init(label: "certified contraction factor of a step (max norm over levels)", value: f))
                }
                certificateNotes.append(c.lipschitz < 0.5
                    ? "2L < 1: one fixed point per puzzle by construction\(c.segmentFactor.map { $0 < 1 ? ", and every start converges to it (factor \(String(format: "%.4f", $0)) per step)" : "" } ?? "")"
                    : "L ≥ ½: the bound does not make the fixed point unique")
            }
            let converged = Double(convergedStarts) / Double(puzzles)
            let largest = reports.map { Double($0.clusterSizes.max() ?? 0) / Double(max($0.converged, 1)) }
            return CheckResult(name: check.name, check: check.kind.rawValue, measurements: answerRows + [
                .init(label: puzzles == 1 ? "distinct end points" : "most distinct end points of a puzzle", value: Double(distinct.max()!),
                      expected: expect.map(Double.init),
                      criterion: expect.map { puzzles == 1 ? "= \($0)" : "= \($0) for every puzzle" },
                      passed: expect.map { e in distinct.allSatisfy { $0 == e } }),
                .init(label: puzzles == 1 ? "converged samples" : "converged samples per puzzle (mean)", value: converged),
                .init(label: "largest basin fraction\(puzzles == 1 ? "" : " (median over puzzles)")", value: Quantiles.median(largest)),
            ] + stabilityRows, notes: ["\(puzzles == 1 ? "" : "\(puzzles) puzzles, each from ")\(b.samples) random initial latents, end points merged within \(p.number("cluster_tolerance")!)"]
                + (noisySegments > 0 ? ["every start first ran \(noisySegments) noisy \(subject.noisySegment == nil ? "steps F(z) + σξ" : "segments (test-time noise at every step)"), σ = \(sigma)\(gate == "halting" ? ", each only where the halting rule did not fire at its start" : gate == "verified" ? ", each only where the answer at its start broke the rules" : ""), then the noise-free map"] : [])
                + certificateNotes,
               figures: [puzzles == 1
                    ? Figure(title: "Basin sizes (\(targetName)): \(b.distinctEndPoints) distinct end points", kind: .bar,
                             xLabel: "end point", yLabel: "samples",
                             series: [.init(label: "samples", x: b.clusterSizes.indices.map(Double.init), y: b.clusterSizes.map(Double.init))],
                             labels: b.clusterSizes.indices.map { "#\($0 + 1)" })
                    : Figure(title: "Distinct end points per puzzle (\(targetName))", kind: .bar, xLabel: "puzzle", yLabel: "end points",
                             series: [.init(label: "end points", x: distinct.indices.map(Double.init), y: distinct.map(Double.init))],
                             labels: distinct.indices.map { "#\($0 + 1)" })])
        case .fixedPoint:
            if let inputs = subject.fixedPointInputs, let decoder = subject.decoder {
                let (fpMap, start, solutions) = try inputs(count("puzzles"))
                let r = try FixedPointTest.run(fpMap, correctStates: start, rows: solutions.count, steps: p.integer("steps")!,
                                               decoder: decoder, expected: solutions)
                let minRate = p.number("min_pass_rate")
                return CheckResult(name: check.name, check: check.kind.rawValue, measurements: [
                    .init(label: "pass rate (decoded answer = solution)", value: r.passRate,
                          criterion: minRate.map { "≥ \($0)" }, passed: minRate.map { r.passRate >= $0 }),
                    .init(label: "median final residual", value: Quantiles.median(r.rows.map(\.finalResidual))),
                ], notes: ["\(solutions.count) correct solutions with one blank as inputs, \(p.integer("steps")!) segments from the model's initial latent"])
            }
            let (points, rows) = try endPoints(subject, samples: min(limit ?? 8, 8))
            var start = points
            let eps = p.number("perturbation")!
            if eps > 0 {
                let noise: [M.Scalar] = LatentBatch.gaussian(rows: rows, dimension: d, scale: eps, seed: UInt64(p.integer("seed")!) &+ 99)
                for i in start.indices { start[i] += noise[i] }
            }
            let r = try FixedPointTest.run(map, correctStates: start, rows: rows, steps: p.integer("steps")!,
                                           driftTolerance: p.number("drift_tolerance")!, reference: points)
            let minRate = p.number("min_pass_rate")
            return CheckResult(name: check.name, check: check.kind.rawValue, measurements: [
                .init(label: "pass rate (‖z_N − z*‖ ≤ \(p.number("drift_tolerance")!))", value: r.passRate,
                      criterion: minRate.map { "≥ \($0)" }, passed: minRate.map { r.passRate >= $0 }),
                .init(label: "max drift from z*", value: r.rows.map(\.drift).max()!),
            ], notes: ["start at converged end points z*\(eps > 0 ? " perturbed by N(0, \(eps)²)" : ""), \(p.integer("steps")!) steps of F"])
        case .noise:
            let (z0, rows) = subject.starts(min(limit ?? 4, 4), scale: 1, seed: UInt64(p.integer("seed")!))
            let r = try NoiseRobustness.sweep(map, initialState: z0, rows: rows, options: .init(
                sigmas: p.numbers("sigmas")!, samples: count("samples"), endTime: p.number("end_time")!,
                stepSize: p.number("step_size")!, clusterTolerance: p.number("cluster_tolerance")!, seed: UInt64(p.integer("seed")!)),
                decoder: subject.decoder, expected: subject.expected.map { Array($0.prefix(rows)) })
            let maxDrift = p.number("max_drift")
            var ms: [CheckResult.Measurement] = r.points.map {
                .init(label: "σ = \($0.sigma): mean end-point drift", value: $0.meanDrift)
            }
            ms += r.points.map { .init(label: "σ = \($0.sigma): agreement across \(r.samples) samples", value: $0.agreement) }
            ms += r.points.compactMap { pt in pt.sampleAccuracy.map { .init(label: "σ = \(pt.sigma): single-sample accuracy", value: $0) } }
            ms += r.points.compactMap { pt in pt.majorityAccuracy.map { .init(label: "σ = \(pt.sigma): majority-vote accuracy", value: $0) } }
            if let maxDrift, let worst = r.points.map(\.meanDrift).max() {
                ms.append(.init(label: "largest mean drift", value: worst, criterion: "≤ \(maxDrift)", passed: worst <= maxDrift))
            }
            let sig = r.points.map(\.sigma)
            return CheckResult(name: check.name, check: check.kind.rawValue, measurements: ms,
                               notes: ["NSDE dz = (F(z) − z)dt + σ dW, Euler–Maruyama dt = \(r.stepSize), T = \(r.endTime), \(rows) inputs × \(r.samples) samples; drift against the σ = 0 end point"],
                               figures: [Figure(title: "Noise sweep (\(targetName))", kind: .line, xLabel: "σ", yLabel: "drift / agreement",
                                                series: [.init(label: "mean drift ‖z_T^σ − z_T^0‖", x: sig, y: r.points.map(\.meanDrift)),
                                                         .init(label: "agreement", x: sig, y: r.points.map(\.agreement))])])
        default:
            throw .invalidArgument("\(check.kind.rawValue) is not an equilibrium check")
        }
    }

    /// `z ← F(z) + σξ` on `rows` latents of input `row`, row `i`'s `ξ ~ N(0, I)` from `seeds[i]`:
    /// the noisy prelude of the basins check on a map without a model's own noise.
    static func noisyStep<M: LatentMap>(_ map: M, _ z: [M.Scalar], row: Int, rows: Int, sigma: Double, seeds: [UInt64]) -> [M.Scalar] {
        let d = map.dimension
        var out = z
        LatentBatch.withSelection(rows: rows, originalRows: [Int](repeating: row, count: rows)) { sel in
            z.withUnsafeBufferPointer { zp in
                out.withUnsafeMutableBufferPointer { op in map.apply(state: zp.baseAddress!, image: op.baseAddress!, rows: sel) }
            }
        }
        guard sigma > 0 else { return out }
        for r in 0..<rows {
            let noise: [M.Scalar] = LatentBatch.gaussian(rows: 1, dimension: d, scale: sigma, seed: seeds[r])
            for e in 0..<d { out[r * d + e] += noise[e] }
        }
        return out
    }

    /// The halting rule read at every end point of every puzzle (each cluster's
    /// representative once): the fraction where it fires among those whose decoded answer is
    /// right, and among the wrong ones (nil when there are none) with their count. nil
    /// without a decoder and the expected answers.
    public static func endPointHalting(reports: [BasinAnalysis.Report], halts: (ArraySlice<Double>) -> Bool,
                                       decoder: AnswerDecoder?, expected: [[Int]]?) -> (right: Double, wrong: Double?, wrongCount: Int)? {
        guard let points = endPointsByAnswer(reports: reports, decoder: decoder, expected: expected) else { return nil }
        let right = points.right.map(halts), wrong = points.wrong.map(halts)
        func fraction(_ v: [Bool]) -> Double { Double(v.filter { $0 }.count) / Double(max(v.count, 1)) }
        guard !right.isEmpty || !wrong.isEmpty else { return nil }
        return (fraction(right), wrong.isEmpty ? nil : fraction(wrong), wrong.count)
    }

    /// The halting rule at every right end point with a few positions' states rotated (probe
    /// `i` for the `i`-th such end point): the fraction where it fires, over those where a
    /// rotation changed the answer, and their count. nil without right end points.
    public static func rotatedHalting(reports: [BasinAnalysis.Report], haltsRotated: (ArraySlice<Double>, Int) -> Bool?,
                                      decoder: AnswerDecoder?, expected: [[Int]]?) -> (fraction: Double, count: Int)? {
        guard let points = endPointsByAnswer(reports: reports, decoder: decoder, expected: expected) else { return nil }
        let fired = points.right.enumerated().compactMap { haltsRotated($0.element, $0.offset) }
        guard !fired.isEmpty else { return nil }
        return (Double(fired.filter { $0 }.count) / Double(fired.count), fired.count)
    }

    /// Every puzzle's end points (each cluster's representative once), split by whether the
    /// answer decoded there is the expected one. nil without a decoder and the expected answers.
    static func endPointsByAnswer(reports: [BasinAnalysis.Report], decoder: AnswerDecoder?, expected: [[Int]]?)
        -> (right: [ArraySlice<Double>], wrong: [ArraySlice<Double>])? {
        guard let decoder, let expected else { return nil }
        var right: [ArraySlice<Double>] = [], wrong: [ArraySlice<Double>] = []
        for (r, report) in reports.enumerated() {
            for point in report.representatives {
                if decoder(point[...], r) == expected[r] { right.append(point[...]) } else { wrong.append(point[...]) }
            }
        }
        return (right, wrong)
    }

    /// The medians of `ρ(J)` (power iteration, `LocalStability.powerRadius`) over the end
    /// points of the puzzles with more than one: at each such puzzle's largest basin's end
    /// point, at the others (and their largest), and, with a decoder and the expected
    /// answers, at every one whose answer is wrong. nil when every puzzle has one end point.
    /// `reports[r]` is puzzle (map row) `r`'s analysis.
    public static func secondEndPointStability<M: LatentMap>(
        _ map: M, reports: [BasinAnalysis.Report], decoder: AnswerDecoder?, expected: [[Int]]?
    ) throws(StabilityError) -> (largest: Double, others: Double, othersMax: Double, wrong: Double?)? {
        var states: [M.Scalar] = [], rows: [Int] = [], isLargest: [Bool] = [], isWrong: [Bool?] = []
        for (r, report) in reports.enumerated() where report.distinctEndPoints > 1 {
            let top = report.clusterSizes.indices.max { report.clusterSizes[$0] < report.clusterSizes[$1] }!
            for (c, point) in report.representatives.enumerated() {
                states += point.map { M.Scalar($0) }
                rows.append(r)
                isLargest.append(c == top)
                isWrong.append(decoder.flatMap { d in expected.map { d(point[...], r) != $0[r] } })
            }
        }
        guard !rows.isEmpty else { return nil }
        let radii = LocalStability.powerRadius(map, states, rows: rows.count, originalRows: rows, options: .init())
        let others = radii.indices.filter { !isLargest[$0] }.map { radii[$0] }
        let wrong = radii.indices.filter { isWrong[$0] == true }.map { radii[$0] }
        return (Quantiles.median(radii.indices.filter { isLargest[$0] }.map { radii[$0] }), Quantiles.median(others),
                others.max()!, wrong.isEmpty ? nil : Quantiles.median(wrong))
    }

    /// Up to `samples` end points: fields from seeded random starts to tolerance 1e-10;
    /// models from their initial latents, 16 segments (the deep-supervision budget).
    static func endPoints<M: LatentMap>(_ subject: Subject<M>, samples: Int) throws(StabilityError) -> ([M.Scalar], Int) {
        let (z0, m) = subject.starts(max(samples, 1), scale: 0.5, seed: 12345)
        let options: ConvergenceDiagnostic.Options = subject.isModel
            ? .init(maximumSteps: 16, tolerance: 1e-3, relative: true) : .init(maximumSteps: 2000, tolerance: 1e-10)
        let t = try ConvergenceDiagnostic.run(subject.map, initialState: z0, rows: m, options: options)
        return (t.finalState.map { M.Scalar($0) }, m)
    }

    /// Runs an equilibrium check on the suite's built-in target field.
    public static func run(_ check: ValidationSuite.Check, target: SuiteParameters, limit: Int?) throws(StabilityError) -> CheckResult {
        let name = target.string("field") ?? ""
        let d = target.integer("dimension")!
        guard d > 0 else { throw .invalidArgument("target dimension must be positive") }
        let h = target.number("step_size")!
        switch name {
        case "contraction":
            let field = DifferentiableContractionField<Double>(dimension: d, contraction: target.number("spectral_norm")!,
                                                               seed: UInt64(target.integer("seed")!))
            return try run(check, on: FieldLatentMap(field: field, stepSize: h), targetName: "contraction D=\(d)", limit: limit)
        case "double-well":
            return try run(check, on: FieldLatentMap(field: DoubleWellField<Double>(dimension: d), stepSize: h),
                           targetName: "double-well D=\(d)", limit: limit)
        default:
            throw .invalidArgument("unknown target field '\(name)'")
        }
    }
}
