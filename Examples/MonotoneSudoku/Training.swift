import AttractorNumerics
import AttractorReasoning
import AttractorTasks
import Foundation

/// `MonotoneSudoku train DS [cpu-minutes] [hidden] [m] [seed]`: trains `MonotoneSudokuModel` on
/// DS/train.safetensors (each draw an augmented solution with 5–45 random blanks; batch 64;
/// AdamW 1e-3, 100 warm-up steps, cosine to 10% over the CPU budget; 100 forward iterations
/// and 20 adjoint terms per step), then scores it at the equilibrium on the first 200
/// solutions of DS/test_forum_hardest_1905_11plus.safetensors re-blanked exactly as
/// `attractor eval --blanks K --seed 0 --limit 200` does.
func train(arguments: [String]) throws {
    guard let ds = arguments.first else {
        throw ExampleFailure("usage: MonotoneSudoku train DS [cpu-minutes] [hidden] [m] [seed]")
    }
    let numbers = arguments.dropFirst().map { Double($0) }
    guard numbers.allSatisfy({ $0 != nil }) else { throw ExampleFailure("train: numbers expected after DS") }
    let minutes = numbers.count > 0 ? numbers[0]! : 25
    let hidden = numbers.count > 1 ? Int(numbers[1]!) : 64
    let m = numbers.count > 2 ? numbers[2]! : 0.05
    let seed = numbers.count > 3 ? UInt64(numbers[3]!) : 0
    let solutions = try SudokuDatasetBuilder.read(path: "\(ds)/train.safetensors").map(\.solution)
    let tests = Array(try SudokuDatasetBuilder.read(path: "\(ds)/test_forum_hardest_1905_11plus.safetensors")
        .prefix(200).map(SudokuExample.init))
    let model = MonotoneSudokuModel(hidden: hidden, strongMonotonicity: m, maxBatch: 64, seed: seed)
    let random = RandomSource(seed: seed &+ 1)
    print("monotone Sudoku model: hidden \(hidden), m \(m), \(model.store.count) parameters, "
          + "\(solutions.count) training solutions, \(minutes) CPU-minutes, seed \(seed)")
    let budget = minutes * 60, start = cpuSeconds()
    var step = 0, recent = 0.0
    while cpuSeconds() - start < budget {
        let fraction = (cpuSeconds() - start) / budget
        let rate = 1e-3 * min(1, Double(step + 1) / 100) * (0.1 + 0.9 * 0.5 * (1 + cos(Double.pi * fraction)))
        var batch: [SudokuExample] = []
        for _ in 0..<64 {
            let solution = SudokuTransform.random(using: random).apply(solutions[random.integer(below: solutions.count)])
            var cells = solution.cells
            var order = Array(0..<81)
            for i in 0..<80 { order.swapAt(i, i + random.integer(below: 81 - i)) }
            for c in order.prefix(5 + random.integer(below: 41)) { cells[c] = 0 }
            batch.append(SudokuExample(puzzle: SudokuGrid(cells: cells)!, solution: solution))
        }
        recent += try model.trainStep(batch[...], learningRate: rate)
        step += 1
        if step % 100 == 0 {
            print(String(format: "step %d  cpu %.0fs  loss %.4f  lr %.2e  last step %.1e after %d iterations", step,
                         cpuSeconds() - start, recent / 100, rate, model.lastRelativeStep, model.lastIterations))
            recent = 0
        }
    }
    print(String(format: "trained %d steps in %.0f CPU-seconds; scoring at the equilibrium (relative step 1e-5)", step,
                 cpuSeconds() - start))
    for blanks in [10, 20, 30, 40, 50] {
        let rung = try tests.reblanked(blanks: blanks, seed: 0)
        let s = try model.score(rung)
        print(String(format: "%d blanks: exact %.3f  blank-cell %.3f  iterations ≤ %d  converged %@", blanks, s.exact,
                     s.blankCells, s.iterations, s.converged ? "yes" : "no"))
    }
}

struct ExampleFailure: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}

func cpuSeconds() -> Double {
    var t = timespec()
    clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &t)
    return Double(t.tv_sec) + Double(t.tv_nsec) * 1e-9
}
