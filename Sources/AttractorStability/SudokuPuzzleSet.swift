import AttractorNumerics
import AttractorTasks
import Foundation

/// Sudoku puzzles with their solutions as digit rows (0 = blank), from a puzzle file (one
/// per line or 9-line grids; solved here) or a dataset `.safetensors`; optionally replaced
/// by blanks-ladder puzzles with exactly `blanks` blanks.
public struct SudokuPuzzleSet: Sendable {
    public var puzzles: [[Int]]
    public var solutions: [[Int]]

    public static func load(path: String, limit: Int? = nil, blanks: Int? = nil, seed: UInt64 = 0) throws(StabilityError) -> SudokuPuzzleSet {
        guard FileManager.default.fileExists(atPath: path) else { throw .invalidArgument("no such puzzle file: \(path)") }
        var pairs: [(SudokuGrid, SudokuGrid)] = []
        if path.hasSuffix(".safetensors") {
            do { pairs = try SudokuDatasetBuilder.read(path: path).prefix(limit ?? .max).map { ($0.puzzle, $0.solution) } } catch {
                throw .invalidArgument("\(path) is not a Sudoku dataset: \(error)")
            }
        } else {
            guard let text = try? String(contentsOfFile: path, encoding: .utf8) else { throw .invalidArgument("cannot read \(path)") }
            let collection: SudokuParser.Collection
            do { collection = try SudokuParser.parseCollection(text, skipInvalid: false) } catch {
                throw .invalidArgument("\(path): \(error)")
            }
            let solver = SudokuSolver()
            for p in collection.puzzles.prefix(limit ?? .max) {
                guard let s = solver.solve(p, limit: 2).solution else { throw .invalidArgument("\(path): a puzzle has no solution") }
                pairs.append((p, s))
            }
        }
        guard !pairs.isEmpty else { throw .invalidArgument("\(path): no puzzles") }
        if let blanks {
            let generator = SudokuGenerator(random: RandomSource(seed: seed))
            do { pairs = try pairs.map { (try generator.ladderPuzzle(from: $0.1, blanks: blanks), $0.1) } } catch {
                throw .invalidArgument("--blanks \(blanks): \(error)")
            }
        }
        return SudokuPuzzleSet(puzzles: pairs.map { $0.0.cells.map(Int.init) }, solutions: pairs.map { $0.1.cells.map(Int.init) })
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
