/// Why a generator request could not be met.
public enum SudokuGeneratorError: Error, Hashable, Sendable, CustomStringConvertible {
    case blanksOutOfRange(Int)
    case gaveUp(what: String, attempts: Int)
    case notASolvedGrid

    public var description: String {
        switch self {
        case .blanksOutOfRange(let k): "blank count \(k) out of range 0…64 (no 9×9 puzzle with fewer than 17 givens has a unique solution)"
        case .gaveUp(let what, let attempts): "gave up after \(attempts) attempts: \(what)"
        case .notASolvedGrid: "the grid is not a complete valid Sudoku solution"
        }
    }
}
