import AttractorNumerics
import AttractorTasks
import Foundation

/// Test-time scaling on Sudoku: several trajectories per puzzle, each answer checked
/// against the rules, and a named choice among them (`Docs/TestTimeScaling.md`).
///
/// Sample `j` of puzzle `p` runs the puzzle under a validity-preserving transform (sample 0:
/// the puzzle itself; then a seeded digit permutation with a transpose and band, stack,
/// row and column shuffles), from its own random start and test-time noise (seeds derived
/// from `seed`, `p` and `j`), and its answer is mapped back. Samples run in rounds: round
/// `j` runs sample `j` of every puzzle that has no verified answer yet and whose budget
/// allows a whole trajectory, so a puzzle stops as soon as one of its answers is certified.
/// With `Options.commit`, a sample is a chain of trajectories on ever fuller puzzles (each
/// trajectory of the chain is one entry of `Outcome.trajectories`).
public enum SudokuSampling {
    public struct Options: Sendable, Equatable {
        /// Trajectories per puzzle at most.
        public var samples = 1
        /// Sample `j > 0` runs a transformed puzzle (false: every sample sees the puzzle itself).
        public var transforms = true
        /// Network evaluations per puzzle at most (nil: no cap). A sample starts only if its
        /// whole trajectory fits in what is left.
        public var budget: Int?
        /// Check each answer against the rules (a verified answer halts its trajectory and
        /// ends the puzzle's sampling). Without it every sample runs and none is certified.
        public var verify = true
        public var inference = InferenceOptions()
        public var seed: UInt64 = 0
        /// Confident-cell commitment (nil: off). A sample becomes a chain: when its
        /// trajectory's answer is not verified, the `commit` blank cells the answer head is
        /// most sure of (and whose digit no given or committed peer already holds) become
        /// givens, and the sample runs again on the fuller puzzle, until an answer is
        /// verified, no cell can be committed, or the budget is spent. A wrong commitment
        /// only costs that chain (it can never be certified); the next sample starts afresh.
        public var commit: Int?
        public init() {}
    }

    /// How a puzzle's answer was chosen.
    public enum Selection: String, Sendable, CaseIterable, Codable {
        /// An answer the rules accept (complete, no conflict, every given kept): for a puzzle
        /// with a unique solution, the solution.
        case verified
        /// No verified answer: the sample whose halting head was most confident (`q_halt`).
        case confidence
        /// No verified answer and no halting head: the most frequent digit of each cell.
        case vote
        /// One trajectory, not verified: its answer.
        case single
    }

    public struct Outcome: Sendable {
        /// The chosen answer (tokens of the original puzzle's frame).
        public var answer: [Int32]
        public var selection: Selection
        /// The samples run and the index of the chosen one (nil for a vote).
        public var samplesUsed: Int
        public var chosenSample: Int?
        /// Network evaluations over all samples.
        public var functionEvaluations: Int
        /// The chosen sample's trajectory.
        public var trajectory: ReasoningInference.Outcome
        /// Every sample's trajectory, in sample order (answers mapped back).
        public var trajectories: [ReasoningInference.Outcome] = []
    }

    /// Whether `answer` (tokens) is a solution of `puzzle` by the rules alone.
    public static func verifies(_ answer: [Int32], puzzle: SudokuGrid) -> Bool {
        guard answer.count == 81, let grid = SudokuGrid(tokens: answer.map { UInt8(clamping: $0) }) else { return false }
        return grid.isSolution(of: puzzle)
    }

    /// The transform of sample `j` of puzzle `p` (identity for sample 0 or without transforms).
    public static func transform(sample j: Int, puzzle p: Int, options: Options) -> SudokuTransform {
        guard j > 0, options.transforms else { return .identity }
        return SudokuTransform.random(using: RandomSource(seed: RandomSource.mix(RandomSource.mix(options.seed, UInt64(p)), UInt64(j))))
    }

    /// Maps answer tokens through `transform` (digits permuted, cells moved); a cell whose
    /// token is not a digit becomes a blank.
    static func map(_ answer: [Int32], _ transform: SudokuTransform) -> [Int32] {
        guard answer.count == 81 else { return answer }
        let cells = answer.map { t -> UInt8 in (2...10).contains(t) ? UInt8(t - 1) : 0 }
        return transform.apply(SudokuGrid(cells: cells)!).tokens.map(Int32.init)
    }

    /// Runs up to `options.samples` trajectories per puzzle and chooses an answer for each.
    /// `progress(done, total)` counts trajectories of the current round; `trace` receives
    /// every segment of every sample of puzzle 0 (answers in the transformed frame).
    public static func solve(_ model: ReasoningModel<Float>, puzzles: [SudokuGrid], options: Options, threads: Int = 1,
                             progress: ((_ round: Int, _ done: Int, _ total: Int) -> Void)? = nil,
                             trace: ((_ sample: Int, SegmentSnapshot) -> Void)? = nil)
        throws(ReasoningError) -> [Outcome] {
        guard model.configuration.task == .sudoku else {
            throw .mismatch("the model was trained on \(model.configuration.task.rawValue), not sudoku")
        }
        guard options.samples >= 1 else { throw .invalidConfiguration("samples must be at least 1, got \(options.samples)") }
        if let b = options.budget, b < 1 { throw .invalidConfiguration("budget must be positive, got \(b)") }
        var samples = [[ReasoningInference.Outcome]](repeating: [], count: puzzles.count)
        var spent = [Int](repeating: 0, count: puzzles.count)
        var done = [Bool](repeating: false, count: puzzles.count)
        var trajectoryCost: Int? = nil  // evaluations of a whole trajectory (all segments)
        if let k = options.commit, k < 1 { throw .invalidConfiguration("commit must be at least 1 cell, got \(k)") }
        var inference = options.inference
        if options.commit != nil { inference.cellConfidence = true }
        func affordable(_ p: Int) -> Bool {
            guard let budget = options.budget, let cost = trajectoryCost else { return true }
            return spent[p] + cost <= budget
        }
        for j in 0..<options.samples {
            let pending = puzzles.indices.filter { !done[$0] && affordable($0) }
            if pending.isEmpty { break }
            let transforms = pending.map { transform(sample: j, puzzle: $0, options: options) }
            var shown = zip(pending, transforms).map { p, t in t.apply(puzzles[p]) }
            // Stage 0 runs every pending puzzle; a later stage only the chains that committed cells.
            var live = Array(pending.indices)
            var stage = 0
            while !live.isEmpty {
                let inputs = live.map { shown[$0] }
                let seeds = live.map { k -> UInt64 in
                    let base = RandomSource.mix(RandomSource.mix(options.seed ^ 0x5A3D_1E5, UInt64(pending[k])), UInt64(j))
                    return stage == 0 ? base : RandomSource.mix(base, 0xC0_0000 &+ UInt64(stage))
                }
                var verifier: ReasoningInference.Verifier? = nil
                if options.verify {
                    verifier = { (k: Int, answer: [Int32]) -> Bool in verifies(answer, puzzle: inputs[k]) }
                }
                let outcomes = try ReasoningInference.run(
                    model, inputs: inputs.map { $0.tokens.map(Int32.init) }, threads: threads, options: inference,
                    seeds: seeds, verify: verifier,
                    progress: stage == 0 ? progress.map { f in { f(j, $0, $1) } } : nil,
                    trace: pending[live[0]] == 0 ? trace.map { f in { f(j, $0) } } : nil)
                if trajectoryCost == nil, let o = outcomes.first, o.segments > 0 {
                    trajectoryCost = o.functionEvaluations / o.segments * (options.inference.segments ?? model.configuration.segments)
                    if let budget = options.budget, j == 0, trajectoryCost! > budget {
                        throw .invalidConfiguration("budget \(budget) is below one trajectory (\(trajectoryCost!) network evaluations)")
                    }
                }
                var next: [Int] = []
                for (r, k) in live.enumerated() {
                    let p = pending[k]
                    var o = outcomes[r]
                    if let count = options.commit, !o.verified,
                       let fuller = committing(count, of: o.answer, confidence: o.cellConfidence, into: shown[k]) {
                        shown[k] = fuller
                        next.append(k)
                    }
                    o.answer = map(o.answer, transforms[k].inverse)
                    o.cellConfidence = []
                    samples[p].append(o)
                    spent[p] += o.functionEvaluations
                    if o.verified { done[p] = true }
                }
                live = next.filter { affordable(pending[$0]) }
                stage += 1
            }
        }
        return puzzles.indices.map { p in
            var o = choose(samples[p], spent: spent[p])
            o.trajectories = samples[p]
            return o
        }
    }

    /// `puzzle` with up to `count` more givens: the blank cells whose predicted digit
    /// (`answer`, tokens) the answer head is most sure of (`confidence`, per cell), taken in
    /// that order (ties: lower cell first), skipping a digit that a given or an already
    /// committed peer holds. Nil when no cell qualifies.
    static func committing(_ count: Int, of answer: [Int32], confidence: [Float], into puzzle: SudokuGrid) -> SudokuGrid? {
        guard answer.count == 81, confidence.count == 81 else { return nil }
        let order = (0..<81).filter { puzzle[$0] == 0 && (2...10).contains(answer[$0]) }
            .sorted { confidence[$0] != confidence[$1] ? confidence[$0] > confidence[$1] : $0 < $1 }
        var cells = puzzle.cells
        var added = 0
        for i in order where added < count {
            let digit = UInt8(answer[i] - 1)
            let peers = SudokuGeometry.peers[(i * 20)..<(i * 20 + 20)]
            if peers.contains(where: { cells[Int($0)] == digit }) { continue }
            cells[i] = digit
            added += 1
        }
        return added > 0 ? SudokuGrid(cells: cells) : nil
    }

    /// The first verified sample; else the most confident; else a per-cell vote.
    static func choose(_ samples: [ReasoningInference.Outcome], spent: Int) -> Outcome {
        if let j = samples.firstIndex(where: { $0.verified }) {
            return Outcome(answer: samples[j].answer, selection: .verified, samplesUsed: samples.count, chosenSample: j,
                           functionEvaluations: spent, trajectory: samples[j])
        }
        if samples.count == 1 {
            return Outcome(answer: samples[0].answer, selection: .single, samplesUsed: 1, chosenSample: 0,
                           functionEvaluations: spent, trajectory: samples[0])
        }
        if samples.allSatisfy({ $0.confidence != nil }) {
            var best = 0
            for j in samples.indices.dropFirst() where samples[j].confidence! > samples[best].confidence! { best = j }
            return Outcome(answer: samples[best].answer, selection: .confidence, samplesUsed: samples.count, chosenSample: best,
                           functionEvaluations: spent, trajectory: samples[best])
        }
        let n = samples[0].answer.count
        var answer = [Int32](repeating: 0, count: n)
        for i in 0..<n {
            var counts: [Int32: Int] = [:]
            for s in samples { counts[s.answer[i], default: 0] += 1 }
            // Most votes; ties to the smaller token, so the vote is deterministic.
            answer[i] = counts.max { $0.value != $1.value ? $0.value < $1.value : $0.key > $1.key }!.key
        }
        return Outcome(answer: answer, selection: .vote, samplesUsed: samples.count, chosenSample: nil,
                       functionEvaluations: spent, trajectory: samples[0])
    }
}
