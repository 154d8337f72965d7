/// Token conventions shared with HRM/TRM datasets.
public enum SudokuToken {
    /// Padding token.
    public static let pad: UInt8 = 0
    /// A blank cell.
    public static let blank: UInt8 = 1
    /// Digit `d` (1…9) is token `d + 1` (2…10).
    @inlinable public static func digit(_ d: Int) -> UInt8 {
        precondition((1...9).contains(d), "Sudoku digit out of range: \(d)")
        return UInt8(d + 1)
    }
    /// Vocabulary size (pad, blank, nine digits).
    public static let vocabularySize = 11
}
