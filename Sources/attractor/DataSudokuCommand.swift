import ArgumentParser
import Attractor
import Foundation

/// `attractor data sudoku --out DIR [--train 1000] [--seed S]`.
struct DataSudokuCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "sudoku",
        abstract: "Sudoku-Extreme-style dataset from the shipped collections (Data/sudoku).",
        discussion: "Writes train.safetensors, test_<source>.safetensors (and ladder.safetensors with --ladder) plus dataset.json. See Docs/Tasks.md.")

    @Option(help: "Output folder (created if missing).") var out: String
    @Option(help: "Training puzzles drawn across sources and ratings.") var train = 1000
    @Option(help: "Random seed (same seed, same bytes).") var seed: UInt64 = 0
    @Option(help: "Augmented copies per training puzzle.") var augment = 0
    @Option(help: "Cap on test puzzles per source (default: all remaining).") var testPerSource: Int?
    @Option(help: "Blanks-ladder grids from serg_benchmark (0 = none).") var ladder = 0
    @Option(help: "Blank counts of the ladder, comma-separated.") var ladderBlanks = "20,30,40,50,55"
    @Option(help: "Folder of the puzzle collections (default: Data/sudoku of the current directory, else of the repository the binary was built in).")
    var data: String?

    func validate() throws {
        if train < 0 { throw ValidationError("--train must be non-negative") }
        if augment < 0 { throw ValidationError("--augment must be non-negative") }
        if let testPerSource, testPerSource < 0 { throw ValidationError("--test-per-source must be non-negative") }
        if ladderBlankCounts == nil { throw ValidationError("--ladder-blanks must be comma-separated integers in 0…64") }
    }

    var ladderBlankCounts: [Int]? {
        let parts = ladderBlanks.split(separator: ",").map { Int($0.trimmingCharacters(in: .whitespaces)) }
        guard !parts.isEmpty, parts.allSatisfy({ $0 != nil && (0...64).contains($0!) }) else { return nil }
        return parts.map { $0! }
    }

    func run() throws {
        try RequestBudgets.requireSudokuDataset(train: train, augment: augment)
        try OutputDirectory.requireWritable(out, option: "--out")
        var options = SudokuDatasetBuilder.Options()
        options.trainCount = train
        options.seed = seed
        options.augmentations = augment
        options.testPerSource = testPerSource
        options.ladderGrids = ladder
        options.ladderBlanks = ladderBlankCounts!
        let clock = ContinuousClock(), t0 = clock.now
        let builder = SudokuDatasetBuilder(dataDirectory: data ?? Self.defaultDataDirectory())
        let result: SudokuDatasetBuilder.Result
        do { result = try builder.build(options, progress: standardError) } catch let e as PuzzleDatasetError {
            throw CommandFailure(e.description, status: .dataError)
        }
        try SudokuDatasetBuilder.write(result, options: options, to: out)
        let tests = result.tests.map(\.count).reduce(0, +)
        print("wrote \(out): \(result.train.count) training examples, \(tests) test puzzles in \(result.tests.count) sets, \(result.ladder.count) ladder puzzles (\(clock.now - t0))")
    }

    /// `Data/sudoku` under the current directory if present, else under the first ancestor of
    /// the executable that has one (`.build/<config>/attractor` lives three levels below the
    /// repository root).
    static func defaultDataDirectory() -> String {
        let relative = "Data/sudoku"
        if FileManager.default.fileExists(atPath: relative) { return relative }
        var dir = URL(fileURLWithPath: CommandLine.arguments[0]).resolvingSymlinksInPath().deletingLastPathComponent()
        for _ in 0..<5 {
            let candidate = dir.appendingPathComponent(relative).path
            if FileManager.default.fileExists(atPath: candidate) { return candidate }
            dir = dir.deletingLastPathComponent()
        }
        return relative
    }
}
