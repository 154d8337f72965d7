/// Reads Sudoku puzzles from text.
///
/// Accepted forms (both may be mixed in one file):
/// - one line of 81 cells, row by row: `1`–`9` givens, `.` or `0` blanks;
/// - a 9-line grid: 9 consecutive lines of 9 cells each; spaces, tabs and `|` between cells
///   and separator lines made only of `-`, `+`, `=`, `|` are ignored.
///
/// Empty lines and lines starting with `#` are skipped. Every puzzle is also checked for
/// contradictory givens (two equal digits in one row, column or box).
///
/// - Complexity: O(length of the text); no regular expressions, byte-level scanning.
public enum SudokuParser {
    /// Puzzles read from a file, with the 1-based line each starts on, and the problems found
    /// (only non-empty when reading with `skipInvalid`).
    public struct Collection: Sendable {
        public var puzzles: [SudokuGrid] = []
        public var lines: [Int] = []
        public var invalid: [SudokuInputError] = []
        public init() {}
    }

    /// Exactly one puzzle from `text` (81-character or 9-line form). Errors carry no line
    /// number when the text is a single line, else the line where the problem is.
    public static func parsePuzzle(_ text: String) throws(SudokuInputError) -> SudokuGrid {
        let singleLine = !text.trimmingWhitespace.contains("\n")
        let collection: Collection
        do { collection = try parseCollection(text, skipInvalid: false) } catch {
            throw SudokuInputError(line: singleLine ? nil : error.line, reason: error.reason)
        }
        guard let first = collection.puzzles.first else {
            throw SudokuInputError(line: singleLine ? nil : 1, reason: .empty)
        }
        guard collection.puzzles.count == 1 else {
            throw SudokuInputError(line: collection.lines[1], reason: .wrongLength(count: 81 * collection.puzzles.count, expected: 81))
        }
        return first
    }

    /// Every puzzle in `text`. Without `skipInvalid` the first malformed puzzle throws; with it,
    /// malformed puzzles are collected in ``Collection/invalid`` and reading goes on.
    public static func parseCollection(_ text: String, skipInvalid: Bool) throws(SudokuInputError) -> Collection {
        var result = Collection()
        var bytes = Array(text.utf8)
        bytes.append(UInt8(ascii: "\n"))
        var gridRows: [UInt8] = []        // cells of an open 9-line grid
        var gridStart = 0
        var lineNumber = 0
        var start = 0
        var cells = [UInt8]()
        cells.reserveCapacity(81)

        func report(_ error: SudokuInputError) throws(SudokuInputError) {
            if skipInvalid { result.invalid.append(error) } else { throw error }
        }
        func finish(_ cells: [UInt8], line: Int) throws(SudokuInputError) {
            let grid = SudokuGrid(trusted: cells)
            if let conflict = grid.firstConflict() {
                try report(SudokuInputError(line: line, reason: .contradictoryGivens(conflict)))
            } else {
                result.puzzles.append(grid)
                result.lines.append(line)
            }
        }

        for end in 0..<bytes.count where bytes[end] == UInt8(ascii: "\n") {
            lineNumber += 1
            defer { start = end + 1 }
            var lo = start, hi = end
            while lo < hi, isSpace(bytes[lo]) { lo += 1 }
            while hi > lo, isSpace(bytes[hi - 1]) { hi -= 1 }

            if lo == hi {                                       // empty line
                if !gridRows.isEmpty {
                    try report(SudokuInputError(line: gridStart, reason: .incompleteGrid(rows: gridRows.count / 9)))
                    gridRows.removeAll()
                }
                continue
            }
            if bytes[lo] == UInt8(ascii: "#") { continue }      // comment
            if (lo..<hi).allSatisfy({ isSeparator(bytes[$0]) || isSpace(bytes[$0]) }) { continue }

            cells.removeAll(keepingCapacity: true)
            var bad: Int?                                       // byte offset of a bad character
            for k in lo..<hi {
                let b = bytes[k]
                switch b {
                case UInt8(ascii: "1")...UInt8(ascii: "9"): cells.append(b - UInt8(ascii: "0"))
                case UInt8(ascii: "."), UInt8(ascii: "0"): cells.append(0)
                case UInt8(ascii: "|"), UInt8(ascii: " "), UInt8(ascii: "\t"): continue
                default: bad = k
                }
                if bad != nil { break }
            }
            if let offset = bad {
                let (ch, column) = character(in: bytes, lineStart: start, lineEnd: end, byteOffset: offset)
                try report(SudokuInputError(line: lineNumber, reason: .badCharacter(ch, column: column)))
                gridRows.removeAll()                            // a bad row abandons an open grid
                continue
            }

            if !gridRows.isEmpty {
                guard cells.count == 9 else {
                    try report(SudokuInputError(line: lineNumber, reason: .wrongLength(count: cells.count, expected: 9)))
                    gridRows.removeAll()
                    continue
                }
                gridRows += cells
                if gridRows.count == 81 {
                    try finish(gridRows, line: gridStart)
                    gridRows.removeAll()
                }
            } else if cells.count == 81 {
                try finish(cells, line: lineNumber)
            } else if cells.count == 9 {
                gridRows = cells
                gridStart = lineNumber
            } else {
                try report(SudokuInputError(line: lineNumber, reason: .wrongLength(count: cells.count, expected: 81)))
            }
        }
        if !gridRows.isEmpty {
            try report(SudokuInputError(line: gridStart, reason: .incompleteGrid(rows: gridRows.count / 9)))
        }
        return result
    }

    @inline(__always) private static func isSpace(_ b: UInt8) -> Bool {
        b == UInt8(ascii: " ") || b == UInt8(ascii: "\t") || b == UInt8(ascii: "\r")
    }

    @inline(__always) private static func isSeparator(_ b: UInt8) -> Bool {
        b == UInt8(ascii: "-") || b == UInt8(ascii: "+") || b == UInt8(ascii: "=") || b == UInt8(ascii: "|")
    }

    /// The character starting at `byteOffset` and its 1-based column (in characters) on its line.
    private static func character(in bytes: [UInt8], lineStart: Int, lineEnd: Int, byteOffset: Int) -> (Character, Int) {
        let prefix = String(decoding: bytes[lineStart..<byteOffset], as: UTF8.self)
        let rest = String(decoding: bytes[byteOffset..<lineEnd], as: UTF8.self)
        return (rest.first ?? "?", prefix.count + 1)
    }
}

extension String {
    /// The string without leading and trailing spaces, tabs and newlines.
    var trimmingWhitespace: Substring {
        let isWS: (Character) -> Bool = { $0 == " " || $0 == "\t" || $0 == "\n" || $0 == "\r" || $0 == "\r\n" }
        guard let first = firstIndex(where: { !isWS($0) }), let last = lastIndex(where: { !isWS($0) }) else { return "" }
        return self[first...last]
    }
}
