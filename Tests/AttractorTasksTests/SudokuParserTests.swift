import Testing
import AttractorTasks

@Suite struct SudokuParserTests {
    @Test func parsesDotsAndZerosAsBlanks() throws {
        let a = try SudokuParser.parsePuzzle(TestData.hard)
        let b = try SudokuParser.parsePuzzle(TestData.hard.replacingOccurrences(of: ".", with: "0"))
        #expect(a == b)
        #expect(a.blankCount == TestData.hard.filter { $0 == "." }.count)
        #expect(a[0, 8] == 8 && a[0, 0] == 0)
        #expect(a.line == TestData.hard)
    }

    @Test func parsesNineLineGridWithSeparators() throws {
        let g = try SudokuParser.parsePuzzle(TestData.hard)
        let text = "# a comment\n\n" + g.rendered + "\n"
        let parsed = try SudokuParser.parsePuzzle(text)
        #expect(parsed == g)
    }

    @Test func fileWithCommentsGridsAndLinesKeepsLineNumbers() throws {
        let g = try SudokuParser.parsePuzzle(TestData.hard)
        let text = "# header\n  \(TestData.hard)  \r\n\n# grid next\n" + g.rendered + TestData.hardSolution + "\n"
        let c = try SudokuParser.parseCollection(text, skipInvalid: false)
        #expect(c.puzzles.count == 3)
        #expect(c.lines == [2, 5, 16])
        #expect(c.puzzles[2].isComplete)
    }

    @Test func wrongLengthNamesLineAndCount() {
        let text = "# c\n\(TestData.hard)\n\(TestData.hard.dropLast())\n"
        #expect(throws: SudokuInputError(line: 3, reason: .wrongLength(count: 80, expected: 81))) {
            try SudokuParser.parseCollection(text, skipInvalid: false)
        }
        let e = SudokuInputError(line: 3, reason: .wrongLength(count: 80, expected: 81))
        #expect(e.description == "line 3: wrong length: 80 cells, expected 81")
    }

    @Test func badCharacterNamesColumn() {
        let bad = "..x" + String(TestData.hard.dropFirst(3))
        #expect(throws: SudokuInputError(line: nil, reason: .badCharacter("x", column: 3))) {
            try SudokuParser.parsePuzzle(bad)
        }
        let nonASCII = "é" + String(TestData.hard.dropFirst())
        #expect(throws: SudokuInputError(line: 1, reason: .badCharacter("é", column: 1))) {
            try SudokuParser.parseCollection(nonASCII, skipInvalid: false)
        }
    }

    @Test func contradictoryGivensAreRejectedWithUnit() {
        let row = "11" + String(repeating: ".", count: 79)
        #expect(throws: SudokuInputError(line: nil, reason: .contradictoryGivens(SudokuConflict(digit: 1, unit: .row(0))))) {
            try SudokuParser.parsePuzzle(row)
        }
        var cells = [Character](repeating: ".", count: 81)
        cells[4] = "7"; cells[9 * 8 + 4] = "7"
        let column = String(cells)
        #expect(throws: SudokuInputError(line: nil, reason: .contradictoryGivens(SudokuConflict(digit: 7, unit: .column(4))))) {
            try SudokuParser.parsePuzzle(column)
        }
        var box = [Character](repeating: ".", count: 81)
        box[0] = "5"; box[10] = "5"
        #expect(throws: SudokuInputError(line: nil, reason: .contradictoryGivens(SudokuConflict(digit: 5, unit: .box(0))))) {
            try SudokuParser.parsePuzzle(String(box))
        }
        #expect(SudokuInputError(line: 4, reason: .contradictoryGivens(SudokuConflict(digit: 5, unit: .box(0)))).description
                == "line 4: contradictory givens: digit 5 appears twice in box 1")
    }

    @Test func incompleteGridAndBadGridRow() {
        let rows = try! SudokuParser.parsePuzzle(TestData.hard).rendered.split(separator: "\n")
        let short = rows.prefix(5).joined(separator: "\n") + "\n"
        #expect(throws: SudokuInputError(line: 1, reason: .incompleteGrid(rows: 4))) {
            try SudokuParser.parseCollection(short, skipInvalid: false)
        }
        var broken = rows.map(String.init)
        broken[2] = "1 2 3 | 4 5"
        #expect(throws: SudokuInputError(line: 3, reason: .wrongLength(count: 5, expected: 9))) {
            try SudokuParser.parseCollection(broken.joined(separator: "\n"), skipInvalid: false)
        }
    }

    @Test func emptyInputIsAnError() {
        #expect(throws: SudokuInputError(line: nil, reason: .empty)) { try SudokuParser.parsePuzzle("   ") }
        #expect(throws: SudokuInputError(line: 1, reason: .empty)) { try SudokuParser.parsePuzzle("# only\n# comments\n") }
    }

    @Test func skipInvalidReportsEveryBadLineAndKeepsTheRest() throws {
        let text = """
        \(TestData.hard)
        12345
        \(TestData.hard.replacingOccurrences(of: "8", with: "?"))
        22\(String(repeating: ".", count: 79))
        \(TestData.hardSolution)
        """
        #expect(throws: SudokuInputError.self) { try SudokuParser.parseCollection(text, skipInvalid: false) }
        let c = try SudokuParser.parseCollection(text, skipInvalid: true)
        #expect(c.puzzles.count == 2)
        #expect(c.lines == [1, 5])
        #expect(c.invalid.map(\.line) == [2, 3, 4])
        #expect(c.invalid[0].reason == .wrongLength(count: 5, expected: 81))
        #expect(c.invalid[1].reason == .badCharacter("?", column: 9))
        #expect(c.invalid[2].reason == .contradictoryGivens(SudokuConflict(digit: 2, unit: .row(0))))
    }

    @Test func shippedCollectionsParseCompletely() throws {
        let expected = ["17_clue": 48158, "forum_hardest_1106": 300, "forum_hardest_1905_11plus": 46766,
                        "magictour_top1465": 1200, "serg_benchmark": 9000]
        for (name, count) in expected {
            #expect(try TestData.collection(name).puzzles.count == count, "\(name)")
        }
    }

    @Test func tokensFollowHRMConvention() throws {
        let g = try SudokuParser.parsePuzzle(TestData.hard)
        let t = g.tokens
        #expect(t[0] == SudokuToken.blank && t[8] == SudokuToken.digit(8))
        #expect(SudokuGrid(tokens: t) == g)
        var bad = t; bad[3] = 0
        #expect(SudokuGrid(tokens: bad) == nil)
    }
}
