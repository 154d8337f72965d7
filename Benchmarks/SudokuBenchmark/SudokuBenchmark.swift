import AttractorTasks
import Foundation

/// Sudoku solver benchmark and full-collection check.
///
/// `swift run -c release SudokuBenchmark [--data DIR] [--file NAME]... [--limit 1|2] [--repeat N] [--locked]`
///
/// For every puzzle of every collection (default: all of `Data/sudoku/*.txt`) it solves,
/// checks the solution (valid grid, givens kept, unique where the collection promises it)
/// and times each solve single-threaded. Prints puzzles/s, mean, median and p99 µs per
/// puzzle and guess statistics per file; exits non-zero if any puzzle fails the check.
@main
enum SudokuBenchmark {
    static func main() throws {
        var args = Array(CommandLine.arguments.dropFirst())
        var dataDir = "Data/sudoku"
        var files: [String] = []
        var limit = 2
        var repeats = 1
        var locked = false
        while !args.isEmpty {
            let a = args.removeFirst()
            func value() -> String {
                guard !args.isEmpty else { fail("missing value after \(a)") }
                return args.removeFirst()
            }
            switch a {
            case "--data": dataDir = value()
            case "--file": files.append(value())
            case "--limit": limit = Int(value()) ?? 2
            case "--repeat": repeats = max(1, Int(value()) ?? 1)
            case "--locked": locked = true
            case "-h", "--help":
                print("usage: SudokuBenchmark [--data DIR] [--file NAME]... [--limit 1|2] [--repeat N] [--locked]")
                return
            default: fail("unknown argument \(a)")
            }
        }
        if files.isEmpty {
            guard let names = try? FileManager.default.contentsOfDirectory(atPath: dataDir) else {
                fail("no puzzle folder at \(dataDir) (run from the repository root or pass --data DIR)")
            }
            files = names.filter { $0.hasSuffix(".txt") }.sorted()
        }
        let solver = SudokuSolver(lockedCandidates: locked)
        var failures = 0
        print("limit \(limit) (\(limit >= 2 ? "uniqueness checked" : "first solution")), locked candidates \(locked ? "on" : "off"), repeat \(repeats), single thread")
        print("file                              puzzles  puzzles/s   mean µs  median µs   p99 µs  mean guesses  max guesses")
        for name in files {
            let path = name.contains("/") ? name : dataDir + "/" + name
            guard let text = try? String(contentsOfFile: path, encoding: .utf8) else { fail("cannot read \(path)") }
            let collection = try SudokuParser.parseCollection(text, skipInvalid: false)
            let expectUnique = !name.contains("serg")
            var times = [Double]()
            times.reserveCapacity(collection.puzzles.count)
            var totalGuesses = 0, maxGuesses = 0
            var solution = [UInt8](repeating: 0, count: 81)
            let clock = ContinuousClock()
            let wall = clock.now
            for (index, puzzle) in collection.puzzles.enumerated() {
                var best = Double.infinity
                var outcome: (SudokuSolutionCount, guesses: Int) = (.none, 0)
                for _ in 0..<repeats {
                    let t0 = clock.now
                    outcome = puzzle.cells.withUnsafeBufferPointer { solver.solve(cells: $0.baseAddress!, limit: limit) }
                    let dt = clock.now - t0
                    best = min(best, Double(dt.components.attoseconds) / 1e12 + Double(dt.components.seconds) * 1e6)
                }
                times.append(best)
                totalGuesses += outcome.guesses
                maxGuesses = max(maxGuesses, outcome.guesses)
                solution.withUnsafeMutableBufferPointer { solver.copyFirstSolution(to: $0.baseAddress!) }
                let ok = outcome.0 != .none
                    && SudokuGrid(cells: solution)!.isSolution(of: puzzle)
                    && (!expectUnique || limit < 2 || outcome.0 == .unique)
                if !ok {
                    failures += 1
                    print("FAIL \(name) line \(collection.lines[index]): \(outcome.0)")
                }
            }
            let elapsed = clock.now - wall
            let seconds = Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18
            let sorted = times.sorted()
            let n = sorted.count
            let mean = sorted.reduce(0, +) / Double(n)
            let median = sorted[n / 2]
            let p99 = sorted[min(n - 1, n * 99 / 100)]
            let label = name.count < 32 ? name + String(repeating: " ", count: 32 - name.count) : name
            print(label + String(format: " %8d %10.0f %9.1f %10.1f %8.1f %13.1f %12d",
                                 n, 1e6 / mean, mean, median, p99, Double(totalGuesses) / Double(n), maxGuesses)
                  + String(format: "   (%.2f s)", seconds))
        }
        if failures > 0 { fail("\(failures) puzzle(s) failed the check") }
        print("all puzzles solved and checked")
    }

    static func fail(_ message: String) -> Never {
        FileHandle.standardError.write(("SudokuBenchmark: " + message + "\n").data(using: .utf8)!)
        exit(1)
    }
}
