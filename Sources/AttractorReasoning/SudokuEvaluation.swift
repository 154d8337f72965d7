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

    enum CodingKeys: String, CodingKey {
        case model, puzzles, seconds
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

/// Inference: segments until the halting rule fires (no exploration) or `N_sup`.
public enum ReasoningInference {
    /// Per-example outcome.
    public struct Outcome: Sendable {
        public var answer: [Int32]
        public var segments: Int
        public var functionEvaluations: Int
        public var residual: Double
        public var haltedEarly: Bool
    }

    /// Runs `model` on `inputs` (each `sequence` tokens) in batches of `model.maxBatch`.
    /// `trace` receives, for the first example of each batch, every segment's snapshot.
    public static func run(_ model: ReasoningModel<Float>, inputs: [[Int32]],
                           trace: ((SegmentSnapshot) -> Void)? = nil) throws(ReasoningError) -> [Outcome] {
        let config = model.configuration
        let l = model.sequence
        var outcomes: [Outcome] = []
        let state = model.makeState()
        var residuals: [Double] = []
        var start = 0
        while start < inputs.count {
            let batch = min(model.maxBatch, inputs.count - start)
            var tokens = [Int32]()
            tokens.reserveCapacity(batch * l)
            for i in start..<(start + batch) {
                guard inputs[i].count == l else {
                    throw .invalidInput("example \(i) has \(inputs[i].count) tokens, the model expects \(l)")
                }
                tokens += inputs[i]
            }
            try model.embed(tokens, batch: batch)
            for b in 0..<batch { state.reset(row: b) }
            var done = [Bool](repeating: false, count: batch)
            var results = [Outcome](repeating: Outcome(answer: [], segments: 0, functionEvaluations: 0, residual: .nan,
                                                       haltedEarly: false), count: batch)
            for segment in 1...config.segments {
                model.functionEvaluations = 0
                model.runSegment(state, batch: batch, record: false)
                model.relativeResidual(state, batch: batch, into: &residuals)
                let perExample = model.functionEvaluations / batch
                model.computeHeads(state, batch: batch)
                for b in 0..<batch where !done[b] {
                    var halt = segment == config.segments
                    var early = false
                    if segment < config.segments {
                        switch config.halting {
                        case .haltLogit: early = model.haltLogits.pointer[b * config.haltOutputs] > 0
                        case .qLearning: early = model.haltLogits.pointer[b * 2] > model.haltLogits.pointer[b * 2 + 1]
                        case .equilibrium: early = residuals[b] < config.equilibriumTolerance
                        case .never: early = false
                        }
                        halt = halt || early
                    }
                    results[b].segments = segment
                    results[b].functionEvaluations += perExample
                    if halt || b == 0 {
                        results[b].answer = model.predictedTokens(example: b)
                        results[b].residual = residuals[b]
                    }
                    if halt { done[b] = true; results[b].haltedEarly = early }
                }
                if let trace {
                    trace(SegmentSnapshot(segment: segment, answer: model.predictedTokens(example: 0), residual: residuals[0],
                                          halted: done[0]))
                }
                if done.allSatisfy({ $0 }) { break }
            }
            outcomes += results
            start += batch
        }
        return outcomes
    }

    /// Scores `model` on Sudoku puzzles with known unique solutions.
    public static func evaluateSudoku(_ model: ReasoningModel<Float>, name: String,
                                      puzzles: [SudokuExample]) throws(ReasoningError) -> SudokuEvaluation {
        guard model.configuration.task == .sudoku else {
            throw .mismatch("the model was trained on \(model.configuration.task.rawValue), not sudoku")
        }
        let clock = ContinuousClock(), t0 = clock.now
        let outcomes = try run(model, inputs: puzzles.map { $0.puzzle.tokens.map(Int32.init) })
        return aggregateSudoku(name: name, puzzles: puzzles, outcomes: outcomes, since: t0)
    }

    /// The scores of `outcomes` (one per puzzle, in puzzle order); `seconds` is the time since `t0`.
    /// Sharded runs (`mpirun … attractor eval`) gather the outcomes and call this too.
    public static func aggregateSudoku(name: String, puzzles: [SudokuExample], outcomes: [Outcome],
                                       since t0: ContinuousClock.Instant) -> SudokuEvaluation {
        let clock = ContinuousClock()
        var exact = 0, valid = 0, blanks = 0, blanksRight = 0
        var steps = 0.0, evals = 0.0, residual = 0.0, halted = 0
        for (p, o) in zip(puzzles, outcomes) {
            let label = p.solution.tokens.map(Int32.init)
            if o.answer == label { exact += 1 }
            if let grid = SudokuGrid(tokens: o.answer.map { UInt8(clamping: $0) }), grid.isSolution(of: p.puzzle) { valid += 1 }
            for i in 0..<81 where p.puzzle[i] == 0 {
                blanks += 1
                if o.answer[i] == label[i] { blanksRight += 1 }
            }
            steps += Double(o.segments)
            evals += Double(o.functionEvaluations)
            residual += o.residual
            if o.haltedEarly { halted += 1 }
        }
        let n = Double(max(1, puzzles.count))
        let elapsed = clock.now - t0
        return SudokuEvaluation(
            model: name, puzzles: puzzles.count, exactAccuracy: Double(exact) / n, validAccuracy: Double(valid) / n,
            cellAccuracy: blanks > 0 ? Double(blanksRight) / Double(blanks) : 1, meanSteps: steps / n,
            meanFunctionEvaluations: evals / n, meanResidual: residual / n, haltedFraction: Double(halted) / n,
            seconds: Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) * 1e-18)
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
    /// Scores `model` on labelled mazes.
    public static func evaluateMazes(_ model: ReasoningModel<Float>, name: String,
                                     mazes: [MazeInstance]) throws(ReasoningError) -> MazeEvaluation {
        guard model.configuration.task == .maze else {
            throw .mismatch("the model was trained on \(model.configuration.task.rawValue), not maze")
        }
        let clock = ContinuousClock(), t0 = clock.now
        let outcomes = try run(model, inputs: mazes.map { $0.maze.tokens.map(Int32.init) })
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
