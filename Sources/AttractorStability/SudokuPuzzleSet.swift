import AttractorNumerics
import AttractorTasks
import Foundation

/// Sudoku puzzles with their solutions as digit rows (0 = blank), from a puzzle file (one
/// per line or 9-line grids; solved here) or a dataset `.safetensors`; optionally replaced
/// by blanks-ladder puzzles with exactly `blanks` blanks.
public struct SudokuPuzzleSet: Sendable {
    public var puzzles: [[Int]]
    public var solutions: [[Int]]
    /// Lines (1-based) of puzzles with several solutions, scored against the first one found.
    public var multipleSolutionLines: [Int] = []

    /// With `allowMultipleSolutions` false, a puzzle with several solutions is an error (it
    /// would be scored against an arbitrary one); with true it is kept and listed in
    /// `multipleSolutionLines`.
    public static func load(path: String, limit: Int? = nil, blanks: Int? = nil, seed: UInt64 = 0,
                            allowMultipleSolutions: Bool = true) throws(StabilityError) -> SudokuPuzzleSet {
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory) else {
            throw .invalidArgument("no such puzzle file: \(path)")
        }
        if isDirectory.boolValue { throw .invalidArgument("no such puzzle file: \(path) is a directory; give a file inside it") }
        if let limit, limit < 1 { throw .invalidArgument("limit must be at least 1, got \(limit)") }
        var pairs: [(SudokuGrid, SudokuGrid)] = []
        var multiple: [Int] = []
        if path.hasSuffix(".safetensors") {
            do { pairs = try SudokuDatasetBuilder.read(path: path).prefix(limit ?? .max).map { ($0.puzzle, $0.solution) } } catch {
                throw .invalidArgument("\(path) is not a Sudoku dataset: \(error)")
            }
        } else {
            guard let data = FileManager.default.contents(atPath: path) else { throw .invalidArgument("no such puzzle file: cannot read \(path)") }
            guard let text = String(data: data, encoding: .utf8) else { throw .invalidArgument("\(path) is not UTF-8 text; give a puzzle file") }
            let collection: SudokuParser.Collection
            do { collection = try SudokuParser.parseCollection(text, skipInvalid: false) } catch {
                throw .invalidArgument("\(path): \(error)")
            }
            let solver = SudokuSolver()
            for (line, p) in zip(collection.lines, collection.puzzles).prefix(limit ?? .max) {
                let r = solver.solve(p, limit: 2)
                guard let s = r.solution else { throw .invalidArgument("\(path): the puzzle on line \(line) has no solution; remove it") }
                if r.count == .multiple { multiple.append(line) }
                pairs.append((p, s))
            }
        }
        guard !pairs.isEmpty else { throw .invalidArgument("\(path) holds no puzzles; give a file with one puzzle per line (81 characters) or 9-line grids") }
        if !multiple.isEmpty && blanks == nil && !allowMultipleSolutions {
            throw .invalidArgument(PuzzleSolutionsMessage.multiple(path: path, lines: multiple, total: pairs.count))
        }
        if let blanks {
            let generator = SudokuGenerator(random: RandomSource(seed: seed))
            do { pairs = try pairs.map { (try generator.ladderPuzzle(from: $0.1, blanks: blanks), $0.1) } } catch {
                throw .invalidArgument("--blanks \(blanks): \(error)")
            }
        }
        return SudokuPuzzleSet(puzzles: pairs.map { $0.0.cells.map(Int.init) }, solutions: pairs.map { $0.1.cells.map(Int.init) },
                               multipleSolutionLines: blanks == nil ? multiple : [])
    }

    /// Each solution with one seeded blank (the fixed-point test's inputs).
    public func oneBlank(count: Int, seed: UInt64) -> [[Int]] {
        let random = RandomSource(seed: seed)
        return solutions.prefix(count).map { s in
            var p = s
            p[random.integer(below: 81)] = 0
            return p
        }
    }
}

/// The shared wording for puzzle files with several-solution puzzles.
public enum PuzzleSolutionsMessage {
    /// Error text: which puzzles, why it matters, and the flag that accepts them.
    public static func multiple(path: String, lines: [Int], total: Int) -> String {
        "\(path): \(lines.count) of \(total) puzzles have several solutions (first on line \(lines[0])) and would be scored "
            + "against an arbitrary one; give puzzles with a unique solution, or pass --allow-multiple to score them by validity"
    }

    /// Warning text when they are accepted.
    public static func warning(path: String, lines: [Int], total: Int) -> String {
        "warning: \(path): \(lines.count) of \(total) puzzles have several solutions (first on line \(lines[0])); "
            + "exact and cell accuracy compare with one arbitrary solution, use valid accuracy for them"
    }
}
