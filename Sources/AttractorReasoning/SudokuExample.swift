import AttractorTasks

/// A Sudoku puzzle with the solution a model is scored against (unique, or the first one).
public struct SudokuExample: Hashable, Sendable {
    public var puzzle: SudokuGrid
    public var solution: SudokuGrid

    public init(puzzle: SudokuGrid, solution: SudokuGrid) {
        self.puzzle = puzzle
        self.solution = solution
    }

    public init(_ labelled: LabelledSudoku) {
        self.init(puzzle: labelled.puzzle, solution: labelled.solution)
    }
}
