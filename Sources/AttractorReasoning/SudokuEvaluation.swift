import AttractorNumerics
import AttractorTasks
import Foundation

/// Scores of a model on a list of Sudoku puzzles (the JSON of `attractor eval`).
public struct SudokuEvaluation: Codable, Sendable {
    public var model: String
    public var puzzles: Int
    /// Every cell equals the unique solution.
    public var exactAccuracy: Double
    /// A complete grid that obeys the rules and keeps the givens.
    public var validAccuracy: Double
    /// Fraction of blank cells filled correctly.
    public var cellAccuracy: Double
    /// Segments used per puzzle (halting), and network evaluations per puzzle.
    public var meanSteps: Double
    public var meanFunctionEvaluations: Double
    /// Final relative residual `‖F_H(z_H + z_L) − z_H‖/‖z_H‖`.
    public var meanResidual: Double
    /// Fraction that halted by the halting rule before `N_sup` segments.
    public var haltedFraction: Double
    public var seconds: Double
    /// Answers the rules accept (for unique-solution puzzles: certified right answers).
    public var verifiedAccuracy: Double = 0
    /// The most network evaluations one puzzle used.
    public var maxFunctionEvaluations: Double = 0
    /// Trajectories run per puzzle, and how the answers were chosen (`SudokuSampling.Selection`).
    public var meanSamples: Double = 1
    public var selection: [String: Int] = [:]
    /// Among exactly solved puzzles: how many settled on their answer at segment `k + 1`
    /// (index `k`) — the "grokking step", where the answer became right and stayed right.
    public var grokkingSegments: [Int] = []
    /// Wrong answers that stopped changing in the first half of their trajectory: stuck at
    /// a wrong fixed point rather than still moving.
    public var fixedPointFailures: Int = 0

    enum CodingKeys: String, CodingKey {
        case model, puzzles, seconds, selection
        case verifiedAccuracy = "verified_accuracy"
        case maxFunctionEvaluations = "max_function_evaluations"
        case meanSamples = "mean_samples"
        case grokkingSegments = "grokking_segments"
        case fixedPointFailures = "fixed_point_failures"
        case exactAccuracy = "exact_accuracy"
        case validAccuracy = "valid_accuracy"
        case cellAccuracy = "cell_accuracy"
        case meanSteps = "mean_steps"
        case meanFunctionEvaluations = "mean_function_evaluations"
        case meanResidual = "mean_residual"
        case haltedFraction = "halted_fraction"
    }
}

/// One example's trajectory record: the answer after each segment and its residual.
public struct SegmentSnapshot: Sendable {
    public var segment: Int
    public var answer: [Int32]
    public var residual: Double
    public var halted: Bool
}

/// How inference runs beyond the trained schedule (test-time scaling, `Docs/TestTimeScaling.md`).
public struct InferenceOptions: Sendable, Equatable {
    /// When a row stops before its last segment.
    public enum Halting: String, Sendable, CaseIterable, Codable {
        /// The model's own rule (halting head, Q-values or equilibrium residual); a verified
        /// answer also stops a row when a verifier is given.
        case model
        /// Only a verified answer stops a row (the task's constraints hold), else it runs
        /// all its segments.
        case verified
    }
    /// Segments per trajectory (nil: the configuration's `N_sup`); more is test-time depth.
    public var segments: Int?
    public var halting: Halting = .model
    /// Test-time noise σ: every step adds `σ√h·ξ` (per-row streams, `ReasoningModel.sampleSigma`).
    public var sigma: Double = 0
    /// Standard deviation of a random initial state (0: the zero state the models train from).
    public var startScale: Double = 0
    /// The segments that carry the noise `sigma`: nil, every one; `K`, the first `K`, after
    /// which the trajectory runs its noise-free drift (the NSDE annealed to its ODE). The
    /// model's own halting waits for the noise-free segments (a verified answer still halts).
    public var noisySegments: Int? = nil
    /// Which rows carry the noise `sigma` in a segment.
    public enum NoiseGate: String, Sendable, CaseIterable, Codable {
        /// Every row (or, with `noisySegments`, every row of the first segments).
        case none
        /// Doubt-gated: a row carries the noise through a segment only where the model's own
        /// halting rule does not fire at the segment's start — the NSDE's diffusion
        /// `σ·1[no halt](z)`, zero at the states the model trusts. A row halts by its rule
        /// only after a segment it ran noise-free, and the last segment runs noise-free.
        case halting
    }
    public var noiseGate: NoiseGate = .none
    /// Record each row's per-cell answer probabilities at its last segment (`Outcome.cellConfidence`).
    public var cellConfidence = false
    public init(segments: Int? = nil, halting: Halting = .model, sigma: Double = 0, startScale: Double = 0,
                noisySegments: Int? = nil, noiseGate: NoiseGate = .none, cellConfidence: Bool = false) {
        self.noiseGate = noiseGate
        self.segments = segments
        self.halting = halting
        self.sigma = sigma
        self.startScale = startScale
        self.noisySegments = noisySegments
        self.cellConfidence = cellConfidence
    }
}

/// Inference: segments until the halting rule fires (no exploration) or `N_sup`.
public enum ReasoningInference {
    /// Per-example outcome.
    public struct Outcome: Sendable {
        public var answer: [Int32]
        public var segments: Int
        public var functionEvaluations: Int
        public var residual: Double
        public var haltedEarly: Bool
        /// The verifier accepted the final answer.
        public var verified = false
        /// The halting head's `q_halt` at the last segment (nil without a halting head).
        public var confidence: Float?
        /// The segment since which the decoded answer has not changed (for a right answer:
        /// the "grokking step" — where it became right and stayed right).
        public var settledSegment = 0
        /// Per position, the answer head's probability of the final answer's token (empty
        /// unless asked for: `InferenceOptions.cellConfidence`; not carried between MPI ranks).
        public var cellConfidence: [Float] = []
    }

    /// Accepts (`true`) the decoded answer of input `index`: a certificate that it is right.
    public typealias Verifier = @Sendable (_ index: Int, _ answer: [Int32]) -> Bool

    /// Runs `model` on `inputs` (each `sequence` tokens) in batches of `model.maxBatch`, on
    /// `threads` workers (replicas sharing the model's weights). Inside a batch a row that
    /// halts retires at once: the remaining rows are packed to the front and only they run
    /// the next segment. A row's result depends on nothing but its own input and seed
    /// (`seeds[i]`, default `i`: its random start and test-time noise), so the outcomes are
    /// the same for any batch size or thread count (a free worker takes the next batch).
    /// `verify` certifies answers (a verified row halts); `progress(done, total)` is called
    /// (serialised, from any worker) after each batch. `trace` receives every segment's
    /// snapshot of example 0.
    public static func run(_ model: ReasoningModel<Float>, inputs: [[Int32]], threads: Int = 1,
                           options: InferenceOptions = InferenceOptions(), seeds: [UInt64]? = nil,
                           verify: Verifier? = nil,
                           progress: ((_ done: Int, _ total: Int) -> Void)? = nil,
                           trace: ((SegmentSnapshot) -> Void)? = nil) throws(ReasoningError) -> [Outcome] {
        let l = model.sequence
        for (i, input) in inputs.enumerated() where input.count != l {
            throw .invalidInput("example \(i) has \(input.count) tokens, the model expects \(l)")
        }
        guard threads >= 1 else { throw .invalidConfiguration("threads must be positive, got \(threads)") }
        if let n = options.segments, n < 1 { throw .invalidConfiguration("segments must be positive, got \(n)") }
        guard options.sigma >= 0, options.sigma.isFinite, options.startScale >= 0, options.startScale.isFinite else {
            throw .invalidConfiguration("sampling σ and start scale must be finite and non-negative")
        }
        if let k = options.noisySegments {
            let n = options.segments ?? model.configuration.segments
            guard options.sigma > 0 else { throw .invalidConfiguration("noisy segments need a test-time noise σ > 0") }
            guard k >= 1 && k < n else {
                throw .invalidConfiguration("noisy segments must be at least 1 and fewer than the \(n) segments (the rest run noise-free), got \(k)")
            }
        }
        if options.noiseGate == .halting {
            guard options.sigma > 0 else { throw .invalidConfiguration("the halting noise gate needs a test-time noise σ > 0") }
            guard options.noisySegments == nil else {
                throw .invalidConfiguration("the halting noise gate and noisy segments are two different schedules: choose one")
            }
        }
        if let seeds, seeds.count != inputs.count { throw .invalidInput("\(seeds.count) seeds for \(inputs.count) inputs") }
        let seeds = seeds ?? inputs.indices.map { UInt64($0) }
        let batches = (inputs.count + model.maxBatch - 1) / model.maxBatch
        let workers = min(threads, max(1, batches))
        var replicas = [model]
        for _ in 1..<max(1, workers) { replicas.append(try ReasoningModel(replicaOf: model, maxBatch: model.maxBatch)) }
        defer { for r in replicas { r.sampleSigma = 0; r.sampleRowGate = [] } }
        let results = UnsafeMutableBufferPointer<Outcome>.allocate(capacity: inputs.count)
        results.initialize(repeating: Outcome([], segments: 0, functionEvaluations: 0, residual: .nan, haltedEarly: false))
        defer { results.deinitialize(); results.deallocate() }
        let errors = UnsafeMutableBufferPointer<ReasoningError?>.allocate(capacity: max(1, batches))
        errors.initialize(repeating: nil)
        defer { errors.deinitialize(); errors.deallocate() }
        let queue = BatchQueue(batches: batches, total: inputs.count, progress: progress)
        let pool = WorkerPool(threads: workers)
        pool.run { worker in
            // Whichever worker is free takes the next batch: the results do not depend on who runs it.
            while let c = queue.next() {
                let lo = c * model.maxBatch, hi = min(inputs.count, lo + model.maxBatch)
                do throws(ReasoningError) {
                    try DenormalFlush.run { () throws(ReasoningError) in
                        try runBatch(replicas[worker], inputs: inputs, indices: lo..<hi, options: options, seeds: seeds,
                                     verify: verify, into: results, trace: lo == 0 ? trace : nil)
                    }
                } catch { errors[c] = error }
                queue.finished(hi - lo)
            }
        }
        if let error = errors.compactMap({ $0 }).first { throw error }
        return Array(results)
    }

    /// Seed streams derived from a row's seed.
    enum Stream: UInt64 { case start = 0x57A27, noise = 0x401CE }

    /// One batch with per-row halting and retirement.
    static func runBatch(_ model: ReasoningModel<Float>, inputs: [[Int32]], indices: Range<Int>,
                         options: InferenceOptions, seeds: [UInt64], verify: Verifier?,
                         into results: UnsafeMutableBufferPointer<Outcome>,
                         trace: ((SegmentSnapshot) -> Void)?) throws(ReasoningError) {
        let config = model.configuration
        let l = model.sequence, width = model.stateWidth
        let lastSegment = options.segments ?? config.segments
        var active = Array(indices)
        var tokens = [Int32](repeating: 0, count: active.count * l)
        for (r, i) in active.enumerated() { for t in 0..<l { tokens[r * l + t] = inputs[i][t] } }
        let state = model.makeState()
        var residuals = [Double](repeating: .infinity, count: active.count)
        var rows = active.count
        let input = try model.embedded(tokens, batch: rows)
        for r in 0..<rows {
            if options.startScale > 0 {
                let random = RandomSource(seed: RandomSource.mix(seeds[active[r]], Stream.start.rawValue))
                state.randomStart(row: r, scale: options.startScale, random: random)
            } else {
                state.reset(row: r)
            }
        }
        // Doubt-gated noise: a row is doubted where its halting rule does not fire (at the
        // start: the heads on the initial state, no residual yet).
        let gated = options.noiseGate == .halting
        var doubted = [Bool](repeating: true, count: rows)
        defer { model.sampleRowGate = [] }
        if gated {
            model.computeHeads(state, batch: rows)
            for r in 0..<rows {
                doubted[r] = !config.halting.signalsHalt(haltLogits: model.haltLogits.pointer + r * config.haltOutputs.count,
                                                         residual: .infinity, tolerance: config.equilibriumTolerance)
            }
        }
        for segment in 1...lastSegment {
            model.functionEvaluations = 0
            var noisy = options.sigma > 0 && segment <= (options.noisySegments ?? lastSegment)
            if gated {
                noisy = noisy && segment < lastSegment && doubted.prefix(rows).contains(true)
                model.sampleRowGate = Array(doubted.prefix(rows))
            }
            let ranNoisy = (0..<rows).map { noisy && (!gated || doubted[$0]) }
            model.sampleSigma = noisy ? options.sigma : 0
            if noisy {
                model.seedSampleNoise(active.prefix(rows).map {
                    RandomSource.mix(RandomSource.mix(seeds[$0], Stream.noise.rawValue), UInt64(segment))
                })
            }
            model.runSegment(state, input: input, record: false)
            model.relativeResidual(state, batch: rows, into: &residuals)
            let perExample = model.functionEvaluations / rows
            model.computeHeads(state, batch: rows)
            // Annealed noise: the model's own halting rule reads the noise-free segments only.
            let annealing = options.noisySegments.map { segment <= $0 } ?? false
            var kept = 0
            for r in 0..<rows {
                let i = active[r]
                let answer = model.predictedTokens(example: r)
                if answer != results[i].answer {
                    results[i].answer = answer
                    results[i].settledSegment = segment
                }
                let verified = verify?(i, answer) ?? false
                let q = model.haltLogits.pointer + r * config.haltOutputs.count
                let rule = config.halting.signalsHalt(haltLogits: q, residual: residuals[r], tolerance: config.equilibriumTolerance)
                doubted[r] = !rule
                let signalled: Bool
                switch options.halting {
                case .model:
                    // Annealed or gated noise: the model's rule reads noise-free segments only.
                    signalled = verified || (!annealing && !(gated && ranNoisy[r]) && rule)
                case .verified:
                    signalled = verified
                }
                let early = segment < lastSegment && signalled
                let halt = early || segment == lastSegment
                results[i].segments = segment
                results[i].functionEvaluations += perExample
                if halt {
                    results[i].residual = residuals[r]
                    results[i].haltedEarly = early
                    results[i].verified = verified
                    results[i].confidence = config.haltOutputs != .absent ? q[0] : nil
                    if options.cellConfidence { results[i].cellConfidence = model.predictedConfidence(example: r) }
                }
                if let trace, i == indices.lowerBound {
                    trace(SegmentSnapshot(segment: segment, answer: answer, residual: residuals[r], halted: halt))
                }
                guard !halt else { continue }
                if kept != r {  // pack the rows still running to the front (kept < r: a forward copy is safe)
                    (state.high.pointer + kept * width).update(from: state.high.pointer + r * width, count: width)
                    (state.low.pointer + kept * width).update(from: state.low.pointer + r * width, count: width)
                    input.keep(row: r, at: kept)
                    active[kept] = i
                    doubted[kept] = doubted[r]
                }
                kept += 1
            }
            if kept == 0 { break }
            if kept < rows {
                rows = kept
                input.truncate(to: rows)
            }
        }
    }

    /// Scores `model` on Sudoku puzzles with known unique solutions: one plain trajectory per
    /// puzzle (the model's own halting, nothing checked against the rules), or with
    /// `sampling`, `SudokuSampling.solve` (several trajectories, verified answers).
    public static func evaluateSudoku(_ model: ReasoningModel<Float>, name: String, puzzles: [SudokuExample],
                                      threads: Int = 1, sampling: SudokuSampling.Options? = nil,
                                      progress: ((_ done: Int, _ total: Int) -> Void)? = nil)
        throws(ReasoningError) -> SudokuEvaluation {
        guard model.configuration.task == .sudoku else {
            throw .mismatch("the model was trained on \(model.configuration.task.rawValue), not sudoku")
        }
        let clock = ContinuousClock(), t0 = clock.now
        if let sampling {
            let outcomes = try SudokuSampling.solve(model, puzzles: puzzles.map(\.puzzle), options: sampling, threads: threads,
                                                    progress: progress.map { f in { round, done, total in if round == 0 { f(done, total) } } })
            return aggregateSampled(name: name, puzzles: puzzles, outcomes: outcomes, since: t0)
        }
        let outcomes = try run(model, inputs: puzzles.map { $0.puzzle.tokens.map(Int32.init) }, threads: threads,
                               progress: progress)
        return aggregateSudoku(name: name, puzzles: puzzles, outcomes: outcomes, since: t0)
    }

    /// The scores of `outcomes` (one per puzzle, in puzzle order); `seconds` is the time since `t0`.
    /// Sharded runs (`mpirun … attractor eval`) gather the outcomes and call this too.
    public static func aggregateSudoku(name: String, puzzles: [SudokuExample], outcomes: [Outcome],
                                       since t0: ContinuousClock.Instant) -> SudokuEvaluation {
        let single = outcomes.map { o in
            SudokuSampling.Outcome(answer: o.answer, selection: o.verified ? .verified : .single, samplesUsed: 1, chosenSample: 0,
                                   functionEvaluations: o.functionEvaluations, trajectory: o)
        }
        return aggregateSampled(name: name, puzzles: puzzles, outcomes: single, since: t0)
    }

    /// The scores of chosen answers (one per puzzle, in puzzle order).
    public static func aggregateSampled(name: String, puzzles: [SudokuExample], outcomes: [SudokuSampling.Outcome],
                                        since t0: ContinuousClock.Instant) -> SudokuEvaluation {
        let clock = ContinuousClock()
        var exact = 0, valid = 0, verified = 0, blanks = 0, blanksRight = 0, stuck = 0
        var steps = 0.0, evals = 0.0, maxEvals = 0, residual = 0.0, halted = 0, samples = 0
        var selection: [String: Int] = [:], grokking: [Int] = []
        for (p, o) in zip(puzzles, outcomes) {
            let label = p.solution.tokens.map(Int32.init)
            let t = o.trajectory
            let right = o.answer == label
            if right {
                exact += 1
                if grokking.count < t.settledSegment { grokking += Array(repeating: 0, count: t.settledSegment - grokking.count) }
                if t.settledSegment > 0 { grokking[t.settledSegment - 1] += 1 }
            } else if t.segments > 1 && 2 * t.settledSegment <= t.segments {
                stuck += 1
            }
            if SudokuSampling.verifies(o.answer, puzzle: p.puzzle) { valid += 1 }
            if o.selection == .verified { verified += 1 }
            for i in 0..<81 where p.puzzle[i] == 0 {
                blanks += 1
                if o.answer[i] == label[i] { blanksRight += 1 }
            }
            steps += Double(t.segments)
            evals += Double(o.functionEvaluations)
            maxEvals = max(maxEvals, o.functionEvaluations)
            residual += t.residual
            samples += o.samplesUsed
            if t.haltedEarly { halted += 1 }
            selection[o.selection.rawValue, default: 0] += 1
        }
        let n = Double(max(1, puzzles.count))
        let elapsed = clock.now - t0
        var e = SudokuEvaluation(
            model: name, puzzles: puzzles.count, exactAccuracy: Double(exact) / n, validAccuracy: Double(valid) / n,
            cellAccuracy: blanks > 0 ? Double(blanksRight) / Double(blanks) : 1, meanSteps: steps / n,
            meanFunctionEvaluations: evals / n, meanResidual: residual / n, haltedFraction: Double(halted) / n,
            seconds: Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) * 1e-18)
        e.verifiedAccuracy = Double(verified) / n
        e.maxFunctionEvaluations = Double(maxEvals)
        e.meanSamples = Double(samples) / n
        e.selection = selection
        e.grokkingSegments = grokking
        e.fixedPointFailures = stuck
        return e
    }
}

/// Scores of a model on mazes: exact (every cell equals the label) and valid (an optimal
/// path by `MazePathValidator`), plus path-cell accuracy.
public struct MazeEvaluation: Codable, Sendable {
    public var model: String
    public var mazes: Int
    /// The same count under the key the Sudoku evaluation uses.
    public var puzzles: Int { mazes }
    public var exactAccuracy: Double
    public var validAccuracy: Double
    /// Fraction of the label's path cells predicted as path, and of predicted path cells
    /// that are on the label's path.
    public var pathCellRecall: Double
    public var pathCellPrecision: Double
    /// Fraction of all cells equal to the label.
    public var cellAccuracy: Double
    public var meanSteps: Double
    /// Mean evaluations of `F` per maze, final relative residual, fraction halted before `N_sup`.
    public var meanFunctionEvaluations: Double = 0
    public var meanResidual: Double = 0
    public var haltedFraction: Double = 0
    public var seconds: Double

    enum CodingKeys: String, CodingKey {
        case model, mazes, seconds, puzzles
        case meanFunctionEvaluations = "mean_function_evaluations"
        case meanResidual = "mean_residual"
        case haltedFraction = "halted_fraction"
        case exactAccuracy = "exact_accuracy"
        case validAccuracy = "valid_accuracy"
        case pathCellRecall = "path_cell_recall"
        case pathCellPrecision = "path_cell_precision"
        case cellAccuracy = "cell_accuracy"
        case meanSteps = "mean_steps"
    }
}

extension MazeEvaluation {
    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        model = try c.decode(String.self, forKey: .model)
        mazes = try c.decode(Int.self, forKey: .mazes)
        exactAccuracy = try c.decode(Double.self, forKey: .exactAccuracy)
        validAccuracy = try c.decode(Double.self, forKey: .validAccuracy)
        pathCellRecall = try c.decode(Double.self, forKey: .pathCellRecall)
        pathCellPrecision = try c.decode(Double.self, forKey: .pathCellPrecision)
        cellAccuracy = try c.decode(Double.self, forKey: .cellAccuracy)
        meanSteps = try c.decode(Double.self, forKey: .meanSteps)
        meanFunctionEvaluations = try c.decodeIfPresent(Double.self, forKey: .meanFunctionEvaluations) ?? 0
        meanResidual = try c.decodeIfPresent(Double.self, forKey: .meanResidual) ?? 0
        haltedFraction = try c.decodeIfPresent(Double.self, forKey: .haltedFraction) ?? 0
        seconds = try c.decode(Double.self, forKey: .seconds)
    }

    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(model, forKey: .model)
        try c.encode(mazes, forKey: .mazes)
        try c.encode(puzzles, forKey: .puzzles)
        try c.encode(exactAccuracy, forKey: .exactAccuracy)
        try c.encode(validAccuracy, forKey: .validAccuracy)
        try c.encode(pathCellRecall, forKey: .pathCellRecall)
        try c.encode(pathCellPrecision, forKey: .pathCellPrecision)
        try c.encode(cellAccuracy, forKey: .cellAccuracy)
        try c.encode(meanSteps, forKey: .meanSteps)
        try c.encode(meanFunctionEvaluations, forKey: .meanFunctionEvaluations)
        try c.encode(meanResidual, forKey: .meanResidual)
        try c.encode(haltedFraction, forKey: .haltedFraction)
        try c.encode(seconds, forKey: .seconds)
    }
}

extension ReasoningInference {
    /// Scores `model` on labelled mazes. With `verifying`, a maze whose path
    /// `MazePathValidator` accepts (valid and optimal) halts there, under `options`.
    public static func evaluateMazes(_ model: ReasoningModel<Float>, name: String, mazes: [MazeInstance],
                                     threads: Int = 1, options: InferenceOptions = InferenceOptions(), verifying: Bool = false,
                                     progress: ((_ done: Int, _ total: Int) -> Void)? = nil)
        throws(ReasoningError) -> MazeEvaluation {
        guard model.configuration.task == .maze else {
            throw .mismatch("the model was trained on \(model.configuration.task.rawValue), not maze")
        }
        let clock = ContinuousClock(), t0 = clock.now
        let instances = mazes.map(\.maze)
        var verifier: Verifier? = nil
        if verifying {
            verifier = { (i: Int, answer: [Int32]) -> Bool in
                MazePathValidator.validate(prediction: answer.map { UInt8(clamping: $0) }, for: instances[i]) == .correct
            }
        }
        let outcomes = try run(model, inputs: mazes.map { $0.maze.tokens.map(Int32.init) }, threads: threads,
                               options: options, verify: verifier, progress: progress)
        var exact = 0, valid = 0, pathCells = 0, pathRight = 0, predictedPath = 0, cells = 0, cellsRight = 0, steps = 0.0
        var evaluations = 0.0, residual = 0.0, halted = 0
        let pathToken = Int32(MazeCell.path.rawValue)
        for (m, o) in zip(mazes, outcomes) {
            let label = m.label.tokens.map(Int32.init)
            if o.answer == label { exact += 1 }
            if MazePathValidator.validate(prediction: o.answer.map { UInt8(clamping: $0) }, for: m.maze) == .correct { valid += 1 }
            for i in label.indices {
                cells += 1
                if o.answer[i] == label[i] { cellsRight += 1 }
                if o.answer[i] == pathToken { predictedPath += 1 }
                if label[i] == pathToken {
                    pathCells += 1
                    if o.answer[i] == pathToken { pathRight += 1 }
                }
            }
            steps += Double(o.segments)
            evaluations += Double(o.functionEvaluations)
            residual += o.residual
            if o.haltedEarly { halted += 1 }
        }
        let n = Double(max(1, mazes.count))
        let elapsed = clock.now - t0
        return MazeEvaluation(model: name, mazes: mazes.count, exactAccuracy: Double(exact) / n, validAccuracy: Double(valid) / n,
                              pathCellRecall: pathCells > 0 ? Double(pathRight) / Double(pathCells) : 0,
                              pathCellPrecision: predictedPath > 0 ? Double(pathRight) / Double(predictedPath) : 0,
                              cellAccuracy: cells > 0 ? Double(cellsRight) / Double(cells) : 0, meanSteps: steps / n,
                              meanFunctionEvaluations: evaluations / n, meanResidual: residual / n,
                              haltedFraction: Double(halted) / n, seconds: Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) * 1e-18)
    }
}

/// Hands out batch indices to workers in order and counts finished examples for a
/// progress callback, one call at a time.
final class BatchQueue: @unchecked Sendable {
    private let lock = NSLock()
    private var issued = 0
    private var done = 0
    let batches: Int
    let total: Int
    let progress: ((Int, Int) -> Void)?

    init(batches: Int, total: Int, progress: ((Int, Int) -> Void)?) {
        self.batches = batches
        self.total = total
        self.progress = progress
    }

    /// The next batch to run, or nil when all are taken.
    func next() -> Int? {
        lock.lock()
        defer { lock.unlock() }
        guard issued < batches else { return nil }
        issued += 1
        return issued - 1
    }

    func finished(_ count: Int) {
        lock.lock()
        defer { lock.unlock() }
        done += count
        progress?(done, total)
    }
}
