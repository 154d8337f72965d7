/// Equivalence of puzzles under the augmentation group of ``SudokuTransform`` (digit
/// relabelling, transposition, band/stack and row/column-in-band permutations).
///
/// Used to keep test sets disjoint from training *including* augmented copies: a cheap
/// invariant sorts puzzles into buckets, and an exact backtracking check decides equivalence
/// inside a bucket.
public enum SudokuEquivalence {
    /// A key equal for equivalent puzzles (different keys ⇒ not equivalent).
    ///
    /// For every given: (givens in its row, givens in its column, givens in its box, how often
    /// its digit is given), sorted; the lexicographically smaller of that list and the one with
    /// rows and columns swapped (transposition). Row/column/band/stack permutations keep each
    /// cell's row, column and box (as sets), relabelling keeps digit frequencies.
    /// - Complexity: O(81 log 81).
    public static func invariant(_ g: SudokuGrid) -> [UInt32] {
        var row = [UInt32](repeating: 0, count: 9), col = row, box = row
        var freq = [UInt32](repeating: 0, count: 10)
        for i in 0..<81 where g.cells[i] != 0 {
            let r = i / 9, c = i % 9
            row[r] += 1; col[c] += 1; box[3 * (r / 3) + c / 3] += 1; freq[Int(g.cells[i])] += 1
        }
        var a = [UInt32](), b = [UInt32]()
        for i in 0..<81 where g.cells[i] != 0 {
            let r = i / 9, c = i % 9
            let bx = box[3 * (r / 3) + c / 3], f = freq[Int(g.cells[i])]
            a.append(row[r] << 12 | col[c] << 8 | bx << 4 | f)
            b.append(col[c] << 12 | row[r] << 8 | bx << 4 | f)
        }
        a.sort(); b.sort()
        return a.lexicographicallyPrecedes(b) ? a : b
    }

    /// True when some element of the group maps `a` onto `b` exactly (givens, blanks, digits).
    ///
    /// Backtracking: for each transposition and each of the 1296 stack-preserving column
    /// orders, match B's rows one by one to unused rows of A (band structure enforced) while
    /// growing a consistent digit bijection. Blank patterns prune almost every branch at once.
    /// - Complexity: at most 2 · 1296 · 1296 row tests; typically well under a millisecond.
    public static func areEquivalent(_ a: SudokuGrid, _ b: SudokuGrid) -> Bool {
        guard a.givenCount == b.givenCount else { return false }
        let columnOrders = stackPreservingOrders
        for t in [false, true] {
            var src = [UInt8](repeating: 0, count: 81)
            for r in 0..<9 { for c in 0..<9 { src[9 * r + c] = t ? a[c, r] : a[r, c] } }
            var matcher = RowMatcher(source: src, target: b.cells)
            for order in columnOrders {
                matcher.columns = order
                if matcher.matchRows() { return true }
            }
        }
        return false
    }

    /// All 1296 orders that permute stacks and columns inside stacks.
    static let stackPreservingOrders: [[Int]] = {
        let perms3 = [[0, 1, 2], [0, 2, 1], [1, 0, 2], [1, 2, 0], [2, 0, 1], [2, 1, 0]]
        var out = [[Int]]()
        for p in perms3 { for q0 in perms3 { for q1 in perms3 { for q2 in perms3 {
            let inner = [q0, q1, q2]
            out.append((0..<3).flatMap { k in inner[k].map { 3 * p[k] + $0 } })
        } } } }
        return out
    }()

    private struct RowMatcher {
        let source: [UInt8], target: [UInt8]
        var columns = Array(0..<9)
        var map = [UInt8](repeating: 0, count: 10), inverse = [UInt8](repeating: 0, count: 10)
        var usedRows = [Bool](repeating: false, count: 9)
        var bandOfTarget = [Int](repeating: -1, count: 3)
        var usedBands = [Bool](repeating: false, count: 3)

        init(source: [UInt8], target: [UInt8]) { self.source = source; self.target = target }

        mutating func matchRows() -> Bool {
            for i in 0..<10 { map[i] = 0; inverse[i] = 0 }
            for i in 0..<9 { usedRows[i] = false }
            for i in 0..<3 { usedBands[i] = false; bandOfTarget[i] = -1 }
            return match(row: 0)
        }

        mutating func match(row r: Int) -> Bool {
            if r == 9 { return true }
            let band = r / 3
            if r % 3 == 0 {
                for sb in 0..<3 where !usedBands[sb] {
                    usedBands[sb] = true; bandOfTarget[band] = sb
                    if tryRows(r, sourceBand: sb) { return true }
                    usedBands[sb] = false
                }
                return false
            }
            return tryRows(r, sourceBand: bandOfTarget[band])
        }

        mutating func tryRows(_ r: Int, sourceBand sb: Int) -> Bool {
            for sr in (3 * sb)..<(3 * sb + 3) where !usedRows[sr] {
                var assigned: [UInt8] = []
                var ok = true
                for c in 0..<9 {
                    let x = source[9 * sr + columns[c]], y = target[9 * r + c]
                    if (x == 0) != (y == 0) { ok = false; break }
                    if x == 0 { continue }
                    if map[Int(x)] == 0 && inverse[Int(y)] == 0 {
                        map[Int(x)] = y; inverse[Int(y)] = x; assigned.append(x)
                    } else if map[Int(x)] != y { ok = false; break }
                }
                if ok {
                    usedRows[sr] = true
                    if match(row: r + 1) { return true }
                    usedRows[sr] = false
                }
                for x in assigned { inverse[Int(map[Int(x)])] = 0; map[Int(x)] = 0 }
            }
            return false
        }
    }
}
