import ArgumentParser
import Attractor

/// `attractor data maze --out DIR [--count 1000] [--min-path 110] [--seed S]`.
struct DataMazeCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "maze",
        abstract: "Maze-Hard-style dataset: seeded 30×30 mazes with a unique shortest path.",
        discussion: "Writes train.safetensors, test.safetensors and dataset.json. See Docs/Tasks.md.")

    @Option(help: "Output folder (created if missing).") var out: String
    @Option(help: "Training mazes.") var count = 1000
    @Option(help: "Test mazes (default: same as --count).") var test: Int?
    @Option(help: "Keep only mazes whose shortest path is longer than this many cells (Maze-Hard: 110).") var minPath = 110
    @Option(help: "Random seed (same seed, same bytes).") var seed: UInt64 = 0
    @Option(help: "Grid side.") var size = 30
    @Flag(help: "Add the 8 dihedral symmetries of every training maze.") var augment = false

    func validate() throws {
        if count < 0 || (test ?? 0) < 0 { throw ValidationError("--count and --test must be non-negative") }
        if size < 5 || size > 64 { throw ValidationError("--size must be in 5…64") }
        if minPath < 0 || minPath >= size * size / 2 { throw ValidationError("--min-path must be in 0..<\(size * size / 2)") }
    }

    func run() throws {
        try RequestBudgets.requireMazeDataset(count: count, test: test ?? count, size: size, augment: augment)
        try OutputDirectory.requireWritable(out, option: "--out")
        var options = MazeDatasetBuilder.Options()
        options.trainCount = count
        options.testCount = test ?? count
        options.pathLongerThan = minPath
        options.seed = seed
        options.size = size
        options.augment = augment
        let clock = ContinuousClock(), t0 = clock.now
        let result: MazeDatasetBuilder.Result
        do { result = try MazeDatasetBuilder().build(options, progress: standardError) } catch let e as PuzzleDatasetError {
            throw CommandFailure(e.description, status: .dataError)
        }
        try MazeDatasetBuilder.write(result, options: options, to: out)
        print("wrote \(out): \(result.train.count) training examples, \(result.test.count) test mazes (\(clock.now - t0))")
    }
}
