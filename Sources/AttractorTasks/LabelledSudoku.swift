/// One labelled puzzle of a dataset.
public struct LabelledSudoku: Hashable, Sendable {
    public var puzzle: SudokuGrid
    public var solution: SudokuGrid
    public var rating: Int
    /// Index of the source collection.
    public var source: Int
}
