import Testing
import AttractorTasks

/// Every puzzle in the shipped collections (`Data/sudoku`, copies of the shared sources)
/// is solved and the answer checked independently: complete, rows/columns/boxes valid,
/// givens kept. Uniqueness is decided too: the labelled sources must have exactly one
/// solution; `serg_benchmark` (a solver benchmark) is known to have several per puzzle.
@Suite struct ShippedCollectionsTests {
    static let labelled = ["17_clue", "forum_hardest_1106", "forum_hardest_1905_11plus", "magictour_top1465"]

    @Test(arguments: labelled + ["serg_benchmark"])
    func everyPuzzleIsSolvedAndChecked(collection name: String) throws {
        let puzzles = try TestData.collection(name).puzzles
        #expect(puzzles.count >= 100, "\(name): only \(puzzles.count) puzzles parsed")
        let solver = SudokuSolver()
        var unique = 0, multiple = 0, failures: [Int] = []
        for (i, puzzle) in puzzles.enumerated() {
            let result = solver.solve(puzzle, limit: 2)
            guard let solution = result.solution, solution.isValidSolution, solution.isSolution(of: puzzle) else {
                failures.append(i)
                continue
            }
            switch result.count {
            case .unique: unique += 1
            case .multiple: multiple += 1
            case .none: failures.append(i)
            }
        }
        #expect(failures.isEmpty, "\(name): puzzles \(failures.prefix(10)) not solved correctly")
        if Self.labelled.contains(name) {
            #expect(multiple == 0, "\(name): \(multiple) puzzles with several solutions")
        } else {
            #expect(unique == 0, "\(name): expected every puzzle to have several solutions")
        }
    }
}
