import ArgumentParser
import Attractor
import Foundation

/// Puzzle input shared by `solve` and `rate`: a puzzle argument or `--file` (`-` = stdin).
struct SudokuInputOptions: ParsableArguments {
    @Argument(help: "A puzzle: 81 characters (digits, '.' or '0' for blanks).")
    var puzzle: String?

    @Option(name: .long, help: "Read puzzles from a file ('-' for stdin): one per line (81 characters) or 9-line grids; '#' comments.")
    var file: String?

    @Flag(name: .long, help: "Report malformed puzzles on stderr and go on with the rest.")
    var skipInvalid = false

    func validate() throws {
        if (puzzle == nil) == (file == nil) { throw ValidationError("give exactly one of PUZZLE or --file") }
    }

    /// The puzzles with the line they start on (nil for a command-line puzzle).
    func load() throws -> [(line: Int?, puzzle: SudokuGrid)] {
        if let puzzle {
            do { return [(nil, try SudokuParser.parsePuzzle(puzzle))] } catch {
                throw CommandFailure("\(error); give 81 characters: digits 1–9, and '.' or '0' for blanks", status: .dataError)
            }
        }
        let path = file!
        let text: String
        if path == "-" {
            text = String(decoding: FileHandle.standardInput.readDataToEndOfFile(), as: UTF8.self)
        } else {
            text = try readTextFile(path, what: "puzzle file")
        }
        let collection: SudokuParser.Collection
        do { collection = try SudokuParser.parseCollection(text, skipInvalid: skipInvalid) } catch {
            throw CommandFailure("\(path): \(error) (use --skip-invalid to skip malformed puzzles)", status: .dataError)
        }
        guard !collection.puzzles.isEmpty else {
            let skipped = collection.invalid.isEmpty ? "" : " valid"
            throw CommandFailure("\(path == "-" ? "standard input" : path) holds no\(skipped) puzzles; give one puzzle per line (81 characters) or 9-line grids",
                                 status: .dataError)
        }
        for bad in collection.invalid { standardError("\(path): skipped \(bad)") }
        if !collection.invalid.isEmpty { standardError("\(path): skipped \(collection.invalid.count) invalid puzzle(s)") }
        return zip(collection.lines, collection.puzzles).map { (Optional($0), $1) }
    }
}
