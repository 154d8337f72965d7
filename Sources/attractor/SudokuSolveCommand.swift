import ArgumentParser
import Attractor
import Foundation

/// `attractor sudoku solve PUZZLE|--file F [--format json|grid|line]`.
struct SudokuSolveCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "solve",
        abstract: "Solve puzzles exactly; report the solution (or none / multiple), guesses and time.",
        discussion: """
        With --format json: one object per line, in input order, with keys puzzle, solution \
        (81 digits, or null when there is none), solutions ("unique", "multiple" or "none"), \
        guesses and microseconds. A puzzle with several solutions prints one of them and says \
        it is not unique (as the fastest exact solvers do); --unique prints none for it instead.
        """)

    @OptionGroup var input: SudokuInputOptions

    @Option(help: "Output: grid (readable 9×9), line (81 characters), json (one object per line); auto = grid on a terminal.")
    var format: SudokuOutputFormat = .auto

    @Flag(help: "Print a solution only when it is unique (null / 'multiple solutions' otherwise).")
    var unique = false

    func run() throws {
        let puzzles = try input.load()
        let solver = SudokuSolver()
        let format = format.resolved
        let clock = ContinuousClock()
        var tally: [SudokuSolutionCount: Int] = [:]
        var totalMicroseconds = 0.0
        for (line, puzzle) in puzzles {
            let t0 = clock.now
            let result = solver.solve(puzzle, limit: 2)
            let us = microseconds(clock.now - t0)
            totalMicroseconds += us
            tally[result.count, default: 0] += 1
            let shown = result.count == .unique || !unique ? result.solution : nil
            switch format {
            case .json:
                let solution = shown.map { "\"\($0.cells.map(String.init).joined())\"" } ?? "null"
                print("{\"puzzle\":\"\(puzzle.line)\",\"solution\":\(solution),\"solutions\":\"\(result.count.rawValue)\",\"guesses\":\(result.guesses),\"microseconds\":\(String(format: "%.1f", us))}")
            case .line:
                let note = shown != nil && result.count == .multiple ? "\tnot unique" : ""
                print("\(shown?.cells.map(String.init).joined() ?? statusText(result.count))\t\(result.guesses)\t\(String(format: "%.1f", us))\(note)")
            case .grid, .auto:
                if puzzles.count > 1 { print(line.map { "line \($0):" } ?? "puzzle:") }
                if let shown { print(shown.rendered, terminator: "") } else { print(statusText(result.count)) }
                let what = shown != nil && result.count == .multiple ? "multiple (one of several solutions shown; not unique)" : result.count.rawValue
                print("\(what), \(result.guesses) guesses, \(String(format: "%.1f", us)) µs\n")
            }
        }
        if puzzles.count > 1 && format != .json {
            let summary = SudokuSolutionCount.allCases.map { "\(tally[$0, default: 0]) \($0.rawValue)" }.joined(separator: ", ")
            standardError("\(puzzles.count) puzzles: \(summary); \(String(format: "%.1f", totalMicroseconds / Double(puzzles.count))) µs mean")
        }
    }

    private func statusText(_ count: SudokuSolutionCount) -> String {
        switch count {
        case .none: "no solution"
        case .multiple: "multiple solutions"
        case .unique: "unique"
        }
    }
}
