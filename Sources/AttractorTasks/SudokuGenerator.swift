import AttractorNumerics

/// Seeded Sudoku generation: random complete grids, puzzles with a unique solution by removing
/// givens, and the "blanks ladder".
///
/// Every method takes its randomness from the `RandomSource` given at creation, so one seed
/// gives the same sequence of grids and puzzles on every run.
public final class SudokuGenerator {
    public let random: RandomSource
    private let solver = SudokuSolver()

    public init(random: RandomSource) { self.random = random }
    public convenience init(seed: UInt64) { self.init(random: RandomSource(seed: seed)) }

    /// A random complete valid grid: the three diagonal boxes are filled with independent
    /// random permutations (always consistent), the solver completes the grid, and a uniformly
    /// random element of the validity-preserving group is applied on top.
    public func solvedGrid() -> SudokuGrid {
        var cells = [UInt8](repeating: 0, count: 81)
        for box in [0, 4, 8] {
            let perm = shuffled(Array(1...9).map(UInt8.init))
            let r0 = 3 * (box / 3), c0 = 3 * (box % 3)
            for k in 0..<9 { cells[9 * (r0 + k / 3) + c0 + k % 3] = perm[k] }
        }
        let result = solver.solve(SudokuGrid(trusted: cells), limit: 1)
        // Three independent diagonal boxes always extend to a full grid.
        let grid = result.solution!
        return SudokuTransform.random(using: random).apply(grid)
    }

    /// A puzzle with a unique solution whose number of blanks is exactly `blanks`, made by
    /// removing givens from random grids in random order while the solution stays unique.
    /// Restarts on a fresh grid when a minimal puzzle is reached before `blanks`.
    public func puzzle(blanks: Int, maxAttempts: Int = 200) throws(SudokuGeneratorError) -> SudokuInstance {
        guard (0...64).contains(blanks) else { throw .blanksOutOfRange(blanks) }
        for _ in 0..<maxAttempts {
            let solution = solvedGrid()
            if let puzzle = removeGivens(from: solution, targetBlanks: blanks) {
                return SudokuInstance(puzzle: puzzle, solution: solution, rating: rating(puzzle))
            }
        }
        throw .gaveUp(what: "no unique puzzle with \(blanks) blanks", attempts: maxAttempts)
    }

    /// A minimal puzzle (no given can be removed without losing uniqueness) whose rating is at
    /// least `minRating`, drawing fresh grids until one qualifies.
    public func puzzle(minRating: Int, maxAttempts: Int = 10_000) throws(SudokuGeneratorError) -> SudokuInstance {
        for _ in 0..<maxAttempts {
            let solution = solvedGrid()
            let puzzle = removeGivens(from: solution, targetBlanks: 81)!
            let r = rating(puzzle)
            if r >= minRating { return SudokuInstance(puzzle: puzzle, solution: solution, rating: r) }
        }
        throw .gaveUp(what: "no minimal puzzle with rating ≥ \(minRating)", attempts: maxAttempts)
    }

    /// The "blanks ladder" rung `blanks` of a solved grid: exactly `blanks` cells removed, the
    /// solution still unique. First tries `uniformDraws` uniformly random sets of cells (redrawn
    /// until unique); if none is unique (rare below ~50 blanks), falls back to greedy removal in
    /// random order (restarted up to `greedyRestarts` times), which reaches higher counts.
    public func ladderPuzzle(from solution: SudokuGrid, blanks: Int,
                             uniformDraws: Int = 500, greedyRestarts: Int = 200) throws(SudokuGeneratorError) -> SudokuGrid {
        guard solution.isValidSolution else { throw .notASolvedGrid }
        guard (0...64).contains(blanks) else { throw .blanksOutOfRange(blanks) }
        for _ in 0..<uniformDraws {
            var cells = solution.cells
            let order = shuffled(Array(0..<81))
            for i in order.prefix(blanks) { cells[i] = 0 }
            let puzzle = SudokuGrid(trusted: cells)
            if solver.solutionCount(puzzle) == .unique { return puzzle }
        }
        for _ in 0..<greedyRestarts {
            if let puzzle = removeGivens(from: solution, targetBlanks: blanks) { return puzzle }
        }
        throw .gaveUp(what: "no unique puzzle with \(blanks) blanks from this grid",
                      attempts: uniformDraws + greedyRestarts)
    }

    /// The puzzle's rating: guesses of the full uniqueness search.
    public func rating(_ puzzle: SudokuGrid) -> Int { solver.solve(puzzle, limit: 2).guesses }

    /// Removes givens in random order, keeping each removal only if the solution stays unique,
    /// until `targetBlanks` blanks (returns nil if a minimal puzzle is reached first; with
    /// `targetBlanks == 81` returns that minimal puzzle).
    private func removeGivens(from solution: SudokuGrid, targetBlanks: Int) -> SudokuGrid? {
        var cells = solution.cells
        var blanks = 0
        if targetBlanks == 0 { return solution }
        for i in shuffled(Array(0..<81)) {
            let keep = cells[i]
            cells[i] = 0
            let unique = cells.withUnsafeBufferPointer { solver.solve(cells: $0.baseAddress!, limit: 2).0 == .unique }
            if unique {
                blanks += 1
                if blanks == targetBlanks { return SudokuGrid(trusted: cells) }
            } else {
                cells[i] = keep
            }
        }
        return targetBlanks >= 81 ? SudokuGrid(trusted: cells) : nil
    }

    private func shuffled<T>(_ a: [T]) -> [T] {
        var a = a
        for i in stride(from: a.count - 1, to: 0, by: -1) { a.swapAt(i, random.integer(below: i + 1)) }
        return a
    }
}
