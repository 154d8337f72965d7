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

extension Array where Element == SudokuExample {
    /// The same solutions re-blanked to `blanks` empty cells with a unique solution each
    /// (``SudokuGenerator/ladderPuzzle(from:blanks:uniformDraws:greedyRestarts:)``), drawn in
    /// order by a generator seeded with `seed` that serves this call only. So a rung's grids
    /// depend on the seed, the items and the blank count alone: `eval --blanks B --seed S`,
    /// `scaling` and every rung of `curves` see the same grids for the same arguments.
    public func reblanked(blanks: Int, seed: UInt64) throws(SudokuGeneratorError) -> [SudokuExample] {
        let generator = SudokuGenerator(seed: seed)
        var out: [SudokuExample] = []
        out.reserveCapacity(count)
        for item in self {
            out.append(SudokuExample(puzzle: try generator.ladderPuzzle(from: item.solution, blanks: blanks), solution: item.solution))
        }
        return out
    }
}
