// Sudoku as the unique equilibrium of a monotone operator, with no learned parameter.
//
//   swift run -c release MonotoneSudoku [TEST.safetensors] [limit] [m] [κ]
//   swift run -c release MonotoneSudoku train DS OUT [cpu-minutes] [hidden] [m] [seed]   (learned; Training.swift)
//   swift run -c release MonotoneSudoku eval MODEL DS
//
// z = clip₀¹(z − α(Gz − u)), G = the Sudoku constraints' Gram matrix + m·I (strongly
// monotone), u = 4 + κ·(one-hot givens): one fixed point per puzzle by construction, reached
// from every start (SudokuRelaxation, ForwardBackwardField). Given a dataset test file
// (`attractor data sudoku`), its solutions are re-blanked exactly as `attractor eval
// --blanks K --seed 0 --limit N` re-blanks them, so the table sits beside the models'
// ladder; without one, 50 seeded generated grids are used.
import AttractorDynamics
import AttractorNumerics
import AttractorReasoning
import AttractorTasks
import Foundation

lineBufferStandardOutput()
let arguments = Array(CommandLine.arguments.dropFirst())
if arguments.first == "train" || arguments.first == "eval" {
    do {
        if arguments.first == "train" { try train(arguments: Array(arguments.dropFirst())) }
        else { try evaluate(arguments: Array(arguments.dropFirst())) }
        exit(0)
    } catch {
        FileHandle.standardError.write("MonotoneSudoku: \(error)\n".data(using: .utf8)!)
        exit(1)
    }
}
let path = arguments.first.flatMap { $0.hasSuffix(".safetensors") ? $0 : nil }
let numbers = arguments.dropFirst(path == nil ? 0 : 1).compactMap(Double.init)
let limit = numbers.count > 0 ? Int(numbers[0]) : 50
let m = numbers.count > 1 ? numbers[1] : 0.05
let kappa = numbers.count > 2 ? numbers[2] : 2

var items: [SudokuExample]
do {
    if let path {
        items = Array(try SudokuDatasetBuilder.read(path: path).prefix(limit).map(SudokuExample.init))
    } else {
        let generator = SudokuGenerator(seed: 0)
        items = (0..<limit).map { _ in let g = generator.solvedGrid(); return SudokuExample(puzzle: g, solution: g) }
    }
} catch {
    FileHandle.standardError.write("MonotoneSudoku: cannot read \(path ?? "grids"): \(error)\n".data(using: .utf8)!)
    exit(1)
}
let q: Double
do {  // the certificate of the field SudokuRelaxation iterates (and m checked before any work)
    q = try ForwardBackwardField(SudokuConstraintOperator(strongMonotonicity: m), input: [Double](repeating: 4, count: 729),
                                 proximal: .box(lower: 0, upper: 1)).contractionFactor
} catch {
    FileHandle.standardError.write("MonotoneSudoku: \(error)\n".data(using: .utf8)!)
    exit(1)
}
print("monotone Sudoku relaxation, m = \(m), κ = \(kappa): certified contraction factor \(q), \(items.count) grids per rung"
      + (path.map { " from \($0)" } ?? " (generated, seed 0)"))
print("blanks  exact   blank-cell  median-iters  converged  spread-of-3-random-starts")
do {
    for blanks in [10, 20, 30, 40, 50] {
        let rung = try items.reblanked(blanks: blanks, seed: 0)
        var exact = 0, right = 0, total = 0, converged = 0, spread = 0.0
        var iterations: [Int] = []
        for (index, example) in rung.enumerated() {
            let result = try SudokuRelaxation.solve(example.puzzle, strongMonotonicity: m, clueWeight: kappa)
            if result.grid == example.solution { exact += 1 }
            for c in 0..<81 where example.puzzle[c] == 0 {
                total += 1
                if result.grid[c] == example.solution[c] { right += 1 }
            }
            if result.converged { converged += 1 }
            iterations.append(result.iterations)
            if index < 5 {  // one fixed point: three random starts end where the zero start did
                let random = RandomSource(seed: UInt64(index))
                for _ in 0..<3 {
                    var start = [Double](repeating: 0, count: 729)
                    for i in start.indices { start[i] = random.uniform() }
                    let other = try SudokuRelaxation.solve(example.puzzle, strongMonotonicity: m, clueWeight: kappa, start: start)
                    let d = zip(other.indicators, result.indicators).reduce(0) { $0 + ($1.0 - $1.1) * ($1.0 - $1.1) }
                    spread = max(spread, d.squareRoot())
                }
            }
        }
        iterations.sort()
        let cells = Double(right) / Double(max(total, 1))
        print(String(blanks).padding(toLength: 8, withPad: " ", startingAt: 0)
              + String(format: "%.3f   %.3f       %-12d  %d/%d      %.1e", Double(exact) / Double(rung.count), cells,
                       iterations[iterations.count / 2], converged, rung.count, spread))
    }
} catch {
    FileHandle.standardError.write("MonotoneSudoku: \(error)\n".data(using: .utf8)!)
    exit(1)
}
