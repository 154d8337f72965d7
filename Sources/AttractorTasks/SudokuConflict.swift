/// Two equal givens in one unit.
public struct SudokuConflict: Hashable, Sendable, CustomStringConvertible {
    public var digit: Int
    public var unit: SudokuUnit
    public init(digit: Int, unit: SudokuUnit) { self.digit = digit; self.unit = unit }
    public var description: String { "digit \(digit) appears twice in \(unit)" }
}
