/// One of the 27 units: a row, a column or a box, numbered from 1 in messages.
public enum SudokuUnit: Hashable, Sendable, CustomStringConvertible {
    case row(Int), column(Int), box(Int)

    /// Unit `0…26` in ``SudokuGeometry/units`` order: rows, then columns, then boxes (0-based inside).
    init(index: Int) {
        switch index {
        case 0..<9: self = .row(index)
        case 9..<18: self = .column(index - 9)
        default: self = .box(index - 18)
        }
    }

    public var description: String {
        switch self {
        case .row(let r): "row \(r + 1)"
        case .column(let c): "column \(c + 1)"
        case .box(let b): "box \(b + 1)"
        }
    }
}
