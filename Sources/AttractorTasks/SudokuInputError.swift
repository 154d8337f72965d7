/// Why a Sudoku puzzle could not be read, and where (1-based line number in its file or text).
public struct SudokuInputError: Error, Hashable, Sendable, CustomStringConvertible {
    public enum Reason: Hashable, Sendable {
        /// The puzzle has `count` cells instead of 81 (one-line form) or a grid row has `count` instead of 9.
        case wrongLength(count: Int, expected: Int)
        /// A character other than `1`–`9`, `.` or `0` at 1-based `column` of the line.
        case badCharacter(Character, column: Int)
        /// Two equal givens in one row, column or box.
        case contradictoryGivens(SudokuConflict)
        /// A 9-line grid that stopped after `rows` rows.
        case incompleteGrid(rows: Int)
        /// No puzzle at all in the input.
        case empty
    }

    /// 1-based line where the puzzle starts (nil for a puzzle given on the command line).
    public var line: Int?
    public var reason: Reason

    public init(line: Int?, reason: Reason) {
        self.line = line
        self.reason = reason
    }

    public var description: String {
        let place = line.map { "line \($0)" } ?? "puzzle"
        switch reason {
        case .wrongLength(let n, let expected):
            return "\(place): wrong length: \(n) cells, expected \(expected)"
        case .badCharacter(let ch, let column):
            let shown = ch.unicodeScalars.allSatisfy { $0.value >= 32 && $0.value < 127 }
                ? "'\(ch)'" : "U+" + String(ch.unicodeScalars.first!.value, radix: 16, uppercase: true)
            return "\(place): bad character \(shown) at column \(column) (expected 1-9, '.' or '0')"
        case .contradictoryGivens(let conflict):
            return "\(place): contradictory givens: \(conflict)"
        case .incompleteGrid(let rows):
            return "\(place): incomplete 9-line grid: \(rows) rows, expected 9"
        case .empty:
            return "\(place): no puzzle found"
        }
    }
}
