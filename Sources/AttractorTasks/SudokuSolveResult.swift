/// The outcome of one solve.
public struct SudokuSolveResult: Sendable, Hashable {
    /// The first solution found (nil when there is none).
    public var solution: SudokuGrid?
    /// `.unique` and `.multiple` are exact when solved with `limit ≥ 2`; with `limit == 1` a
    /// solved puzzle reports `.unique` without having checked it.
    public var count: SudokuSolutionCount
    /// Number of trial assignments the depth-first search made (see ``SudokuSolver``).
    public var guesses: Int
}
