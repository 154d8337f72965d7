import Attractor
import Foundation

/// `eval` over many puzzles in chunks of whole batches, with a progress line on stderr after
/// each chunk (a long evaluation is never silent). The chunks are multiples of the model's
/// batch, so every batch is the one an unchunked run would make; the scores are merged with
/// the weights `evaluateSudoku` uses (puzzles, and blank cells for cell accuracy).
enum ChunkedEvaluation {
    static func sudoku(_ model: ReasoningModel<Float>, name: String, puzzles: [SudokuExample]) throws -> SudokuEvaluation {
        let chunk = model.maxBatch * max(1, 256 / model.maxBatch)
        guard puzzles.count > chunk else { return try ReasoningInference.evaluateSudoku(model, name: name, puzzles: puzzles) }
        var merged = try ReasoningInference.evaluateSudoku(model, name: name, puzzles: [])  // the zero to add to
        merged.puzzles = 0
        merged.exactAccuracy = 0
        merged.validAccuracy = 0
        merged.meanSteps = 0
        merged.meanFunctionEvaluations = 0
        merged.meanResidual = 0
        merged.haltedFraction = 0
        merged.seconds = 0
        var blanks = 0, blanksRight = 0.0
        for start in stride(from: 0, to: puzzles.count, by: chunk) {
            let part = Array(puzzles[start..<min(start + chunk, puzzles.count)])
            let e = try ReasoningInference.evaluateSudoku(model, name: name, puzzles: part)
            let n = Double(e.puzzles)
            let partBlanks = part.reduce(0) { $0 + $1.puzzle.blankCount }
            blanks += partBlanks
            blanksRight += e.cellAccuracy * Double(partBlanks)
            merged.puzzles += e.puzzles
            merged.exactAccuracy += e.exactAccuracy * n
            merged.validAccuracy += e.validAccuracy * n
            merged.meanSteps += e.meanSteps * n
            merged.meanFunctionEvaluations += e.meanFunctionEvaluations * n
            merged.meanResidual += e.meanResidual * n
            merged.haltedFraction += e.haltedFraction * n
            merged.seconds += e.seconds
            standardError("eval: \(merged.puzzles)/\(puzzles.count) puzzles, exact so far \(String(format: "%.4f", merged.exactAccuracy / Double(merged.puzzles))), \(String(format: "%.1f", merged.seconds)) s")
        }
        let n = Double(merged.puzzles)
        merged.exactAccuracy /= n
        merged.validAccuracy /= n
        merged.meanSteps /= n
        merged.meanFunctionEvaluations /= n
        merged.meanResidual /= n
        merged.haltedFraction /= n
        merged.cellAccuracy = blanks > 0 ? blanksRight / Double(blanks) : 1
        return merged
    }
}
