import ArgumentParser
import Attractor

/// `attractor sudoku rate --file F`: the difficulty rating (guesses of the uniqueness search).
struct SudokuRateCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "rate",
        abstract: "Rate puzzles by the exact solver's guess count (as tdoku rates Sudoku-Extreme).",
        discussion: "Prints one line per puzzle: the puzzle (81 characters), a tab, the rating. Puzzles without a unique solution are rated as the guesses spent deciding that, with a note.")

    @OptionGroup var input: SudokuInputOptions

    @Option(help: "Output: line (puzzle, tab, rating) or json (one object per line: puzzle, rating, solutions); grid and auto print lines.")
    var format: SudokuOutputFormat = .line

    func run() throws {
        let solver = SudokuSolver()
        for (_, puzzle) in try input.load() {
            let r = solver.solve(puzzle, limit: 2)
            if format == .json {
                print("{\"puzzle\":\"\(puzzle.line)\",\"rating\":\(r.guesses),\"solutions\":\"\(r.count.rawValue)\"}")
            } else {
                print("\(puzzle.line)\t\(r.guesses)" + (r.count == .unique ? "" : "\t(\(r.count.rawValue) solutions)"))
            }
        }
    }
}
