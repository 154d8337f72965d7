import Testing
import AttractorTasks

@Suite struct SudokuSolverTests {
    @Test func solvesKnownHardPuzzle() throws {
        let r = SudokuSolver().solve(try SudokuParser.parsePuzzle(TestData.hard))
        #expect(r.count == .unique)
        #expect(r.solution?.cells.map(String.init).joined() == TestData.hardSolution)
        #expect(r.guesses > 0)
    }

    /// A sample of every labelled collection (the full pass runs in the release benchmark):
    /// each solution is a valid grid that keeps the givens, and is unique.
    @Test(arguments: ["17_clue", "magictour_top1465", "forum_hardest_1106", "forum_hardest_1905_11plus"])
    func solvesSampleOfCollection(_ name: String) throws {
        let solver = SudokuSolver()
        for puzzle in try TestData.sample(name, count: 25) {
            let r = solver.solve(puzzle)
            #expect(r.count == .unique, "\(puzzle)")
            let solution = try #require(r.solution)
            #expect(solution.isSolution(of: puzzle), "\(puzzle)")
            // Independent check of rows, columns and boxes.
            for k in 0..<9 {
                #expect(Set((0..<9).map { solution[k, $0] }).count == 9)
                #expect(Set((0..<9).map { solution[$0, k] }).count == 9)
                #expect(Set((0..<9).map { solution[3 * (k / 3) + $0 / 3, 3 * (k % 3) + $0 % 3] }).count == 9)
            }
        }
    }

    @Test func sergPuzzlesHaveSeveralSolutions() throws {
        let solver = SudokuSolver()
        for puzzle in try TestData.sample("serg_benchmark", count: 20) {
            let r = solver.solve(puzzle)
            #expect(r.count == .multiple)
            #expect(try #require(r.solution).isSolution(of: puzzle))
        }
    }

    @Test func detectsTwoSolutions() throws {
        // Remove two cells forming a deadly pattern: swapping digits a/b in a rectangle spanning
        // two boxes leaves two solutions.
        var s = try #require(SudokuGrid(cells: TestData.hardSolution.map { UInt8(String($0))! }))
        // Find a rectangle (r1,c1),(r1,c2),(r2,c1),(r2,c2) inside one band with s[r1,c1]==s[r2,c2], s[r1,c2]==s[r2,c1].
        var found = false
        search: for r1 in 0..<9 { for r2 in (r1 + 1)..<9 where r1 / 3 == r2 / 3 {
            for c1 in 0..<9 { for c2 in (c1 + 1)..<9 where c1 / 3 != c2 / 3 {
                if s[r1, c1] == s[r2, c2] && s[r1, c2] == s[r2, c1] {
                    s[r1, c1] = 0; s[r1, c2] = 0; s[r2, c1] = 0; s[r2, c2] = 0
                    found = true
                    break search
                }
            } }
        } }
        try #require(found)
        let r = SudokuSolver().solve(s)
        #expect(r.count == .multiple)
        #expect(SudokuSolver().solve(s, limit: 1).count == .unique)   // limit 1 does not check
    }

    @Test func detectsNoSolution() throws {
        // Valid-looking givens (no duplicate in any unit) that admit no solution: row 0 needs a
        // 9 at column 8, but column 8 already has one lower down.
        let p = try SudokuParser.parsePuzzle("12345678." + "........9" + String(repeating: ".", count: 63))
        let r = SudokuSolver().solve(p)
        #expect(r.count == .none)
        #expect(r.solution == nil)
        #expect(p.firstConflict() == nil)
    }

    @Test func emptyGridHasManySolutionsAndCompleteGridOne() throws {
        let solver = SudokuSolver()
        let empty = solver.solve(.empty)
        #expect(empty.count == .multiple)
        #expect(try #require(empty.solution).isValidSolution)
        let full = try #require(SudokuGrid(cells: TestData.hardSolution.map { UInt8(String($0))! }))
        let r = solver.solve(full)
        #expect(r.count == .unique && r.guesses == 0 && r.solution == full)
    }

    @Test func ratingIsIndependentOfTheSolverInstance() throws {
        let p = try SudokuParser.parsePuzzle(TestData.hard)
        let a = SudokuSolver().solve(p).guesses
        let solver = SudokuSolver()
        _ = solver.solve(.empty)
        #expect(solver.solve(p).guesses == a)
    }
}
