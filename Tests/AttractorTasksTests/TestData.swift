import Foundation
import AttractorTasks

/// Access to the shipped puzzle collections (`Data/sudoku`) from tests.
enum TestData {
    static let sudokuDirectory: String = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("Data/sudoku").path

    static func collection(_ name: String) throws -> SudokuParser.Collection {
        let text = try String(contentsOfFile: sudokuDirectory + "/" + name + ".txt", encoding: .utf8)
        return try SudokuParser.parseCollection(text, skipInvalid: false)
    }

    /// `count` puzzles at evenly spaced positions of a collection (a deterministic sample).
    static func sample(_ name: String, count: Int) throws -> [SudokuGrid] {
        let all = try collection(name).puzzles
        return (0..<count).map { all[$0 * all.count / count] }
    }

    /// A temporary directory removed by the caller.
    static func temporaryDirectory() throws -> String {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("attractor-tasks-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        return dir
    }

    /// A classic hard puzzle (forum_hardest_1106, first line) and its solution.
    static let hard = "........8..3...4...9..2..6.....79.......612...6.5.2.7...8...5...1.....2.4.5.....3"
    static let hardSolution = "621943758783615492594728361142879635357461289869532174238197546916354827475286913"
}
