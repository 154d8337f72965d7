import AttractorDynamics
import AttractorNumerics
import AttractorReasoning
import AttractorTasks
import Testing

@Suite struct SudokuRelaxationTests {
    /// `⟨z, Gz⟩` is the sum, over every unit and digit and over every cell, of the squared
    /// candidate count, plus `m‖z‖²` — computed here from the grid's geometry, not from `G`.
    @Test func operatorIsTheConstraintGramMatrix() {
        let m = 0.3
        let g = SudokuConstraintOperator(strongMonotonicity: m)
        var z = [Double](repeating: 0, count: 729)
        RandomSource(seed: 1).fillGaussian(&z)
        var gz = [Double](repeating: 0, count: 729)
        z.withUnsafeBufferPointer { zp in gz.withUnsafeMutableBufferPointer { g.apply(zp.baseAddress!, into: $0.baseAddress!) } }
        let quadratic = zip(z, gz).reduce(0) { $0 + $1.0 * $1.1 }
        var expected = m * z.reduce(0) { $0 + $1 * $1 }
        for i in 0..<9 {
            for d in 0..<9 {
                var row = 0.0, column = 0.0, box = 0.0
                for j in 0..<9 {
                    row += z[(i * 9 + j) * 9 + d]
                    column += z[(j * 9 + i) * 9 + d]
                    box += z[((3 * (i / 3) + j / 3) * 9 + 3 * (i % 3) + j % 3) * 9 + d]
                }
                expected += row * row + column * column + box * box
            }
        }
        for c in 0..<81 {
            let s = (0..<9).reduce(0.0) { $0 + z[c * 9 + $1] }
            expected += s * s
        }
        #expect(abs(quadratic - expected) < 1e-9 * expected)
        // The all-ones vector attains λ_max = 36 + m, the operator's Lipschitz bound.
        let ones = [Double](repeating: 1, count: 729)
        ones.withUnsafeBufferPointer { zp in gz.withUnsafeMutableBufferPointer { g.apply(zp.baseAddress!, into: $0.baseAddress!) } }
        #expect(gz.allSatisfy { abs($0 - g.lipschitzBound) < 1e-12 })
    }

    /// The equilibrium with no learned parameter solves singles-solvable grids, and a random
    /// start ends at the same equilibrium (one fixed point per puzzle).
    @Test func solvesTenBlankGridsFromEveryStart() throws {
        let generator = SudokuGenerator(seed: 4)
        for k in 0..<6 {
            let instance = try generator.puzzle(blanks: 10)
            let result = try SudokuRelaxation.solve(instance.puzzle)
            #expect(result.converged)
            #expect(result.grid == instance.solution)
            #expect(abs(result.contractionFactor - 36.0 / 36.1) < 1e-12)
            var start = [Double](repeating: 0, count: 729)
            let random = RandomSource(seed: UInt64(k))
            for i in start.indices { start[i] = 3 * random.uniform() }
            let other = try SudokuRelaxation.solve(instance.puzzle, start: start)
            #expect(other.grid == instance.solution)
            let d = zip(other.indicators, result.indicators).reduce(0) { $0 + ($1.0 - $1.1) * ($1.0 - $1.1) }.squareRoot()
            #expect(d <= result.errorBound + other.errorBound)
        }
    }

    @Test func badSettingsAreRefused() throws {
        let puzzle = try SudokuGenerator(seed: 5).puzzle(blanks: 10).puzzle
        #expect(throws: SolverError.self) { try SudokuRelaxation.solve(puzzle, strongMonotonicity: 0) }
        #expect(throws: SolverError.self) { try SudokuRelaxation.solve(puzzle, clueWeight: -1) }
        #expect(throws: SolverError.self) { try SudokuRelaxation.solve(puzzle, start: [0, 0]) }
    }
}
