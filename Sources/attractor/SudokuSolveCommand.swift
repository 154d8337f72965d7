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
        (81 digits, or null when there is no unique solution), solutions ("unique", \
        "multiple" or "none"), guesses and microseconds.
        """)

    @OptionGroup var input: SudokuInputOptions

    @Option(help: "Output: grid (readable 9×9), line (81 characters), json (one object per line); auto = grid on a terminal.")
    var format: SudokuOutputFormat = .auto

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
            let unique = result.count == .unique ? result.solution : nil
            switch format {
            case .json:
                let solution = unique.map { "\"\($0.cells.map(String.init).joined())\"" } ?? "null"
                print("{\"puzzle\":\"\(puzzle.line)\",\"solution\":\(solution),\"solutions\":\"\(result.count.rawValue)\",\"guesses\":\(result.guesses),\"microseconds\":\(String(format: "%.1f", us))}")
            case .line:
                print("\(unique?.cells.map(String.init).joined() ?? statusText(result.count))\t\(result.guesses)\t\(String(format: "%.1f", us))")
            case .grid, .auto:
                if puzzles.count > 1 { print(line.map { "line \($0):" } ?? "puzzle:") }
                if let unique { print(unique.rendered, terminator: "") } else { print(statusText(result.count)) }
                print("\(result.count.rawValue), \(result.guesses) guesses, \(String(format: "%.1f", us)) µs\n")
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
