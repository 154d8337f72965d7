import AttractorNumerics

/// A validity-preserving Sudoku symmetry, as in HRM's dataset builder: relabel the digits,
/// optionally transpose, then permute bands (row triples) and the rows inside each band,
/// and stacks (column triples) and the columns inside each stack.
///
/// Applied to a puzzle and to its solution it gives a new puzzle whose solution is the
/// transformed solution; validity and uniqueness are preserved. The group has
/// 9! · 2 · 6⁴ · 6⁴ ≈ 1.2 · 10¹² elements.
public struct SudokuTransform: Hashable, Sendable {
    /// `digitMap[d - 1]` is the new digit for digit `d` (a permutation of 1…9).
    public var digitMap: [UInt8]
    /// Transpose before permuting rows and columns.
    public var transpose: Bool
    /// New row `i` takes old row `rowOrder[i]` (band-preserving permutation of 0…8).
    public var rowOrder: [Int]
    /// New column `j` takes old column `columnOrder[j]` (stack-preserving permutation of 0…8).
    public var columnOrder: [Int]

    /// The identity transform.
    public static let identity = SudokuTransform(
        digitMap: (1...9).map(UInt8.init), transpose: false, rowOrder: Array(0..<9), columnOrder: Array(0..<9))

    public init(digitMap: [UInt8], transpose: Bool, rowOrder: [Int], columnOrder: [Int]) {
        precondition(digitMap.sorted() == (1...9).map(UInt8.init), "digitMap must permute 1…9")
        precondition(Self.isBandPreserving(rowOrder) && Self.isBandPreserving(columnOrder),
                     "row/column orders must permute bands and rows inside bands")
        self.digitMap = digitMap
        self.transpose = transpose
        self.rowOrder = rowOrder
        self.columnOrder = columnOrder
    }

    /// A uniformly random element of the group, drawn from `random`.
    public static func random(using random: RandomSource) -> SudokuTransform {
        func shuffled(_ n: Int) -> [Int] {
            var a = Array(0..<n)
            for i in stride(from: n - 1, to: 0, by: -1) { a.swapAt(i, random.integer(below: i + 1)) }
            return a
        }
        let digits = shuffled(9).map { UInt8($0 + 1) }
        let transpose = random.integer(below: 2) == 1
        func order() -> [Int] {
            let bands = shuffled(3)
            return bands.flatMap { b in shuffled(3).map { 3 * b + $0 } }
        }
        let rows = order()
        let columns = order()
        return SudokuTransform(digitMap: digits, transpose: transpose, rowOrder: rows, columnOrder: columns)
    }

    /// The transformed board (blanks stay blank).
    public func apply(_ grid: SudokuGrid) -> SudokuGrid {
        var out = [UInt8](repeating: 0, count: 81)
        for r in 0..<9 {
            for c in 0..<9 {
                let sr = rowOrder[r], sc = columnOrder[c]
                let v = transpose ? grid[sc, sr] : grid[sr, sc]
                out[9 * r + c] = v == 0 ? 0 : digitMap[Int(v) - 1]
            }
        }
        return SudokuGrid(trusted: out)
    }

    /// The transform that undoes this one: `inverse.apply(apply(g)) == g`.
    public var inverse: SudokuTransform {
        var digits = [UInt8](repeating: 0, count: 9)
        for d in 0..<9 { digits[Int(digitMap[d]) - 1] = UInt8(d + 1) }
        var rows = [Int](repeating: 0, count: 9), cols = [Int](repeating: 0, count: 9)
        for i in 0..<9 { rows[rowOrder[i]] = i; cols[columnOrder[i]] = i }
        // Forward: out[r][c] = in'[rowOrder[r]][colOrder[c]] with in' = transpose ? inᵀ : in.
        // Inverse without transpose: in[a][b] = out[rows[a]][cols[b]].
        // Inverse with transpose: in[a][b] = in'[b][a] = out[rows[b]][cols[a]], i.e. transpose
        // first, then rows take the inverse *column* order and columns the inverse row order.
        if transpose {
            return SudokuTransform(digitMap: digits, transpose: true, rowOrder: cols, columnOrder: rows)
        }
        return SudokuTransform(digitMap: digits, transpose: false, rowOrder: rows, columnOrder: cols)
    }

    private static func isBandPreserving(_ order: [Int]) -> Bool {
        guard order.count == 9, order.sorted() == Array(0..<9) else { return false }
        for band in 0..<3 {
            let b = order[3 * band] / 3
            for k in 1..<3 where order[3 * band + k] / 3 != b { return false }
        }
        return true
    }
}
