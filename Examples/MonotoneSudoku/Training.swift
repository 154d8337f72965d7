import AttractorNumerics
import AttractorReasoning
import AttractorTasks
import Foundation

/// `MonotoneSudoku train DS OUT [cpu-minutes] [hidden] [m] [seed]`: trains `MonotoneSudokuModel` on
/// DS/train.safetensors (each draw an augmented solution with 5–45 random blanks; batch 64;
/// AdamW 1e-3, 100 warm-up steps, cosine to 10% over the CPU budget; 100 forward iterations
/// and 20 adjoint terms per step), saves it to OUT (a safetensors file; refused if it
/// exists), then scores it (`evaluate`).
func train(arguments: [String]) throws {
    guard arguments.count >= 2 else {
        throw ExampleFailure("usage: MonotoneSudoku train DS OUT [cpu-minutes] [hidden] [m] [seed]")
    }
    let ds = arguments[0], out = arguments[1]
    guard !FileManager.default.fileExists(atPath: out) else { throw ExampleFailure("\(out) exists; not overwriting it") }
    let numbers = arguments.dropFirst(2).map { Double($0) }
    guard numbers.allSatisfy({ $0 != nil }) else { throw ExampleFailure("train: numbers expected after DS") }
    let minutes = numbers.count > 0 ? numbers[0]! : 25
    let hidden = numbers.count > 1 ? Int(numbers[1]!) : 64
    let m = numbers.count > 2 ? numbers[2]! : 0.05
    let seed = numbers.count > 3 ? UInt64(numbers[3]!) : 0
    let solutions = try SudokuDatasetBuilder.read(path: "\(ds)/train.safetensors").map(\.solution)
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
    print(String(format: "trained %d steps in %.0f CPU-seconds; saved to %@", step, cpuSeconds() - start, out))
    try model.save(to: out)
    try evaluate(model, ds: ds)
}

/// `MonotoneSudoku eval MODEL DS`: scores a saved model (`evaluate`).
func evaluate(arguments: [String]) throws {
    guard arguments.count == 2 else { throw ExampleFailure("usage: MonotoneSudoku eval MODEL DS") }
    try evaluate(try MonotoneSudokuModel(contentsOf: arguments[0], maxBatch: 64), ds: arguments[1])
}

/// At the equilibrium (relative step 1e-5): the first 200 solutions of
/// DS/test_forum_hardest_1905_11plus.safetensors re-blanked exactly as `attractor eval
/// --blanks K --seed 0 --limit 200` does, and the first 100 original puzzles of each source.
func evaluate(_ model: MonotoneSudokuModel, ds: String) throws {
    let tests = Array(try SudokuDatasetBuilder.read(path: "\(ds)/test_forum_hardest_1905_11plus.safetensors")
        .prefix(200).map(SudokuExample.init))
    print("scoring at the equilibrium (relative step 1e-5)")
    for source in SudokuDatasetBuilder.labelledSources {
        let originals = Array(try SudokuDatasetBuilder.read(path: "\(ds)/test_\(source).safetensors").prefix(100)
            .map(SudokuExample.init))
        let s = try model.score(originals)
        print(String(format: "original %@ (%d): exact %.3f  blank-cell %.3f  iterations ≤ %d  converged %@", source,
                     originals.count, s.exact, s.blankCells, s.iterations, s.converged ? "yes" : "no"))
    }
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
