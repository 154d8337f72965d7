import Testing
import AttractorTasks

@Suite struct SudokuGeneratorTests {
    @Test func solvedGridsAreValidAndSeeded() {
        let a = SudokuGenerator(seed: 5), b = SudokuGenerator(seed: 5), c = SudokuGenerator(seed: 6)
        let ga = (0..<3).map { _ in a.solvedGrid() }
        let gb = (0..<3).map { _ in b.solvedGrid() }
        #expect(ga == gb)
        #expect(ga.allSatisfy { $0.isValidSolution })
        #expect(Set(ga).count == 3)
        #expect(c.solvedGrid() != ga[0])
    }

    @Test(arguments: [0, 30, 50])
    func puzzleWithExactBlanksIsUnique(_ blanks: Int) throws {
        let g = SudokuGenerator(seed: UInt64(100 + blanks))
        let inst = try g.puzzle(blanks: blanks)
        #expect(inst.puzzle.blankCount == blanks)
        #expect(inst.solution.isSolution(of: inst.puzzle))
        let r = SudokuSolver().solve(inst.puzzle)
        #expect(r.count == .unique && r.solution == inst.solution)
        #expect(r.guesses == inst.rating)
    }

    @Test func minRatingPuzzlesAreMinimalAndHardEnough() throws {
        let g = SudokuGenerator(seed: 9)
        let inst = try g.puzzle(minRating: 4)
        #expect(inst.rating >= 4)
        let solver = SudokuSolver()
        #expect(solver.solve(inst.puzzle).count == .unique)
        // Minimal: removing any given breaks uniqueness.
        for i in 0..<81 where inst.puzzle[i] != 0 {
            var p = inst.puzzle
            p[i] = 0
            #expect(solver.solutionCount(p) == .multiple)
        }
    }

    @Test func rejectsImpossibleRequests() {
        let g = SudokuGenerator(seed: 1)
        #expect(throws: SudokuGeneratorError.blanksOutOfRange(70)) { try g.puzzle(blanks: 70) }
        #expect(throws: SudokuGeneratorError.self) { try g.puzzle(minRating: 1_000_000, maxAttempts: 3) }
        #expect(throws: SudokuGeneratorError.notASolvedGrid) { try g.ladderPuzzle(from: .empty, blanks: 10) }
    }

    @Test func blanksLadderHasExactlyKBlanksAndUniqueSolution() throws {
        let g = SudokuGenerator(seed: 21)
        let grid = g.solvedGrid()
        let solver = SudokuSolver()
        var previous: SudokuGrid?
        for k in [10, 25, 40, 50, 56] {
            let p = try g.ladderPuzzle(from: grid, blanks: k)
            #expect(p.blankCount == k)
            let r = solver.solve(p)
            #expect(r.count == .unique && r.solution == grid)
            #expect(p != previous)
            previous = p
        }
        // Seeded: the same seed gives the same ladder.
        let h = SudokuGenerator(seed: 21)
        let grid2 = h.solvedGrid()
        #expect(grid2 == grid)
        #expect(try h.ladderPuzzle(from: grid2, blanks: 10) == SudokuGenerator(seed: 21).ladderPuzzleAfterGrid(blanks: 10))
    }
}

extension SudokuGenerator {
    /// Draws a grid, then the ladder rung: the same sequence of draws as the test above.
    func ladderPuzzleAfterGrid(blanks: Int) throws -> SudokuGrid {
        try ladderPuzzle(from: solvedGrid(), blanks: blanks)
    }
}
