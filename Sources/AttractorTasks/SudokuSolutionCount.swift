/// How many solutions a puzzle has, as far as the solver needed to look.
public enum SudokuSolutionCount: String, Sendable, Hashable, CaseIterable {
    case none, unique, multiple
}
