/// A 9×9 Sudoku board: 81 cells row by row, `0` for a blank, `1…9` for a digit.
///
/// A value type with no validity invariant beyond "81 cells in 0…9"; use
/// ``firstConflict()`` for contradictory givens and ``isSolution(of:)`` to check an answer.
public struct SudokuGrid: Hashable, Sendable, CustomStringConvertible {
    /// The 81 cells, row-major; `0` is a blank.
    public private(set) var cells: [UInt8]

    /// A board from 81 cell values in `0…9` (`0` blank). Returns `nil` for any other shape.
    public init?(cells: [UInt8]) {
        guard cells.count == 81, cells.allSatisfy({ $0 <= 9 }) else { return nil }
        self.cells = cells
    }

    /// A board from 81 values the caller guarantees are in `0…9`.
    init(trusted cells: [UInt8]) { self.cells = cells }

    /// The empty board (81 blanks).
    public static let empty = SudokuGrid(trusted: [UInt8](repeating: 0, count: 81))

    /// The value at row `r`, column `c` (both `0…8`).
    public subscript(r: Int, c: Int) -> UInt8 {
        get { cells[9 * r + c] }
        set {
            precondition(newValue <= 9, "Sudoku cell value out of range: \(newValue)")
            cells[9 * r + c] = newValue
        }
    }

    /// The value at cell index `i` (`0…80`, row-major).
    public subscript(i: Int) -> UInt8 {
        get { cells[i] }
        set {
            precondition(newValue <= 9, "Sudoku cell value out of range: \(newValue)")
            cells[i] = newValue
        }
    }

    /// Number of blank cells.
    public var blankCount: Int { cells.reduce(0) { $0 + ($1 == 0 ? 1 : 0) } }
    /// Number of givens (non-blank cells).
    public var givenCount: Int { 81 - blankCount }
    /// True when no cell is blank.
    public var isComplete: Bool { !cells.contains(0) }

    /// The common one-line form: 81 characters, digits and `.` for blanks.
    public var line: String {
        String(decoding: cells.map { $0 == 0 ? UInt8(ascii: ".") : UInt8(ascii: "0") + $0 }, as: UTF8.self)
    }

    public var description: String { line }

    /// A readable 9×9 grid with box separators, for terminals:
    /// ```
    /// 5 3 . | . 7 . | . . .
    /// ...
    /// ------+-------+------
    /// ```
    public var rendered: String {
        var out = ""
        for r in 0..<9 {
            if r == 3 || r == 6 { out += "------+-------+------\n" }
            for c in 0..<9 {
                if c == 3 || c == 6 { out += "| " }
                let v = self[r, c]
                out += v == 0 ? "." : String(v)
                if c < 8 { out += " " }
            }
            out += "\n"
        }
        return out
    }

    /// HRM/TRM tokens (``SudokuToken``): blank 1, digit d → d + 1.
    public var tokens: [UInt8] { cells.map { $0 == 0 ? SudokuToken.blank : $0 + 1 } }

    /// A board from 81 HRM/TRM tokens (blank 1, digits 2…10). Pad or out-of-range tokens give `nil`.
    public init?(tokens: [UInt8]) {
        guard tokens.count == 81 else { return nil }
        var cells = [UInt8](repeating: 0, count: 81)
        for i in 0..<81 {
            switch tokens[i] {
            case SudokuToken.blank: cells[i] = 0
            case 2...10: cells[i] = tokens[i] - 1
            default: return nil
            }
        }
        self.cells = cells
    }

    /// The first pair of equal givens sharing a row, column or box, if any. Cost: 27 × 9 reads.
    public func firstConflict() -> SudokuConflict? {
        for unit in 0..<27 {
            var seen: UInt16 = 0
            for k in 0..<9 {
                let v = cells[Int(SudokuGeometry.units[unit * 9 + k])]
                guard v != 0 else { continue }
                let bit: UInt16 = 1 << (v - 1)
                if seen & bit != 0 { return SudokuConflict(digit: Int(v), unit: SudokuUnit(index: unit)) }
                seen |= bit
            }
        }
        return nil
    }

    /// True when this board is complete and every row, column and box holds 1…9 once.
    public var isValidSolution: Bool { isComplete && firstConflict() == nil }

    /// True when this board is a valid complete grid that keeps every given of `puzzle`.
    public func isSolution(of puzzle: SudokuGrid) -> Bool {
        guard isValidSolution else { return false }
        for i in 0..<81 where puzzle.cells[i] != 0 && puzzle.cells[i] != cells[i] { return false }
        return true
    }
}
