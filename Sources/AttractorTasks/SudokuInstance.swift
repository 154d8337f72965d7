/// A puzzle with its unique solution and rating.
public struct SudokuInstance: Hashable, Sendable {
    public var puzzle: SudokuGrid
    public var solution: SudokuGrid
    /// Guess count of the full uniqueness search (``SudokuSolver``).
    public var rating: Int
}
