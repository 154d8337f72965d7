import Testing
import AttractorNumerics
import AttractorTasks

@Suite struct SudokuTransformTests {
    @Test func randomTransformsPreserveValidityAndMapSolutions() throws {
        let random = RandomSource(seed: 7)
        let solver = SudokuSolver()
        let puzzles = try TestData.sample("magictour_top1465", count: 5)
        for puzzle in puzzles {
            let solution = try #require(solver.solve(puzzle).solution)
            for _ in 0..<6 {
                let t = SudokuTransform.random(using: random)
                let p2 = t.apply(puzzle), s2 = t.apply(solution)
                #expect(s2.isValidSolution)
                #expect(s2.isSolution(of: p2))
                #expect(p2.blankCount == puzzle.blankCount)
                let r = solver.solve(p2)
                #expect(r.count == .unique)
                #expect(r.solution == s2)                   // the solution maps consistently
                #expect(t.inverse.apply(p2) == puzzle)
                #expect(t.inverse.apply(s2) == solution)
            }
        }
    }

    @Test func inverseWithTransposeRoundTrips() throws {
        let g = try SudokuParser.parsePuzzle(TestData.hard)
        let t = SudokuTransform(digitMap: [2, 3, 1, 5, 6, 4, 9, 7, 8], transpose: true,
                                rowOrder: [3, 5, 4, 0, 2, 1, 6, 8, 7], columnOrder: [8, 7, 6, 1, 0, 2, 4, 3, 5])
        #expect(t.apply(g) != g)
        #expect(t.inverse.apply(t.apply(g)) == g)
        #expect(t.apply(t.inverse.apply(g)) == g)
        #expect(SudokuTransform.identity.apply(g) == g)
    }

    @Test func sameSeedSameTransforms() {
        let a = (0..<5).map { _ in SudokuTransform.random(using: RandomSource(seed: 11)) }
        let b = SudokuTransform.random(using: RandomSource(seed: 11))
        #expect(a.allSatisfy { $0 == b })
        let c = SudokuTransform.random(using: RandomSource(seed: 12))
        #expect(c != b)
    }

    @Test func equivalenceFindsTransformedPuzzlesAndRejectsOthers() throws {
        let random = RandomSource(seed: 3)
        let puzzles = try TestData.sample("forum_hardest_1905_11plus", count: 6)
        for p in puzzles {
            let q = SudokuTransform.random(using: random).apply(p)
            #expect(SudokuEquivalence.invariant(p) == SudokuEquivalence.invariant(q))
            #expect(SudokuEquivalence.areEquivalent(p, q))
            #expect(SudokuEquivalence.areEquivalent(q, p))
        }
        // Different puzzles of one collection: not equivalent (and usually different invariants).
        for i in 0..<(puzzles.count - 1) {
            #expect(!SudokuEquivalence.areEquivalent(puzzles[i], puzzles[i + 1]))
        }
        // Same given pattern, digits not consistently relabelled: not equivalent.
        var cells = puzzles[0].cells
        let firstGiven = cells.firstIndex { $0 != 0 }!
        let other = cells.indices.first { $0 != firstGiven && cells[$0] != 0 && cells[$0] == cells[firstGiven] }
        if let other {
            cells[other] = cells[other] % 9 + 1
            #expect(!SudokuEquivalence.areEquivalent(puzzles[0], SudokuGrid(cells: cells)!))
        }
    }
}
