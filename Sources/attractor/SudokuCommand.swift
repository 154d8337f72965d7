import ArgumentParser
import Attractor
import Foundation

/// `attractor sudoku`: solve, rate and generate Sudoku puzzles with the exact solver.
struct SudokuCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "sudoku",
        abstract: "Solve, rate and generate Sudoku puzzles (exact bit-set solver).",
        subcommands: [SudokuSolveCommand.self, SudokuRateCommand.self, SudokuGenerateCommand.self])
}

func standardError(_ line: String) {
    FileHandle.standardError.write(Data((line + "\n").utf8))
}

/// Microseconds of a `Duration`.
func microseconds(_ d: Duration) -> Double {
    Double(d.components.seconds) * 1e6 + Double(d.components.attoseconds) / 1e12
}
