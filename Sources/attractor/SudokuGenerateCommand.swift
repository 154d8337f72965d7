import ArgumentParser
import Attractor

/// `attractor sudoku generate --count N --blanks K|--min-rating R --seed S`.
struct SudokuGenerateCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "generate",
        abstract: "Generate seeded puzzles with a unique solution: exactly K blanks, or minimal puzzles of rating ≥ R.")

    @Option(help: "Number of puzzles.") var count = 1
    @Option(help: "Exact number of blanks (0…64).") var blanks: Int?
    @Option(help: "Minimum rating (guesses); produces minimal puzzles.") var minRating: Int?
    @Option(help: "Random seed (same seed, same puzzles).") var seed: UInt64 = 0
    @Option(help: "Output: grid, line (puzzle, solution, rating), json; auto = grid on a terminal.")
    var format: SudokuOutputFormat = .auto

    func validate() throws {
        if (blanks == nil) == (minRating == nil) { throw ValidationError("give exactly one of --blanks or --min-rating") }
        if count < 1 { throw ValidationError("--count must be at least 1") }
        if let blanks, !(0...64).contains(blanks) { throw ValidationError("--blanks must be in 0…64") }
    }

    func run() throws {
        let generator = SudokuGenerator(seed: seed)
        let format = format.resolved
        for _ in 0..<count {
            let instance: SudokuInstance
            do {
                instance = try blanks.map { try generator.puzzle(blanks: $0) } ?? generator.puzzle(minRating: minRating!)
            } catch {
                throw CommandFailure("\(error); try other --blanks, --min-rating or --seed values")
            }
            switch format {
            case .json:
                print("{\"puzzle\":\"\(instance.puzzle.line)\",\"solution\":\"\(instance.solution.cells.map(String.init).joined())\",\"blanks\":\(instance.puzzle.blankCount),\"rating\":\(instance.rating)}")
            case .line:
                print("\(instance.puzzle.line)\t\(instance.solution.cells.map(String.init).joined())\t\(instance.rating)")
            case .grid, .auto:
                print(instance.puzzle.rendered, terminator: "")
                print("\(instance.puzzle.blankCount) blanks, rating \(instance.rating)\n")
            }
        }
    }
}
