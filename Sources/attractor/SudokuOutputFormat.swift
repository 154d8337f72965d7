import ArgumentParser
import Foundation

/// Output format of the Sudoku commands; `auto` is `grid` on a terminal and `line` otherwise.
enum SudokuOutputFormat: String, ExpressibleByArgument, CaseIterable {
    case auto, grid, line, json

    var resolved: SudokuOutputFormat {
        guard self == .auto else { return self }
        return isatty(STDOUT_FILENO) != 0 ? .grid : .line
    }
}
