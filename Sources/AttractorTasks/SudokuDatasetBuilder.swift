import AttractorNumerics
import Foundation

/// Builds a Sudoku-Extreme-style dataset from the shipped collections (see Docs/Tasks.md).
///
/// - Every puzzle of every labelled collection is solved exactly (labels = full solutions,
///   rating = guesses of the uniqueness search); puzzles without a unique solution are dropped.
/// - **Training**: `trainCount` puzzles drawn across all sources and ratings. Each source gets
///   a quota proportional to its size (largest remainders); inside a source the puzzles are
///   ordered by (rating, seeded random key) and the quota is taken at evenly spaced ranks, so
///   the whole rating range is covered. Optional `augmentations` extra copies per puzzle, each
///   a random ``SudokuTransform`` applied to puzzle and solution.
/// - **Test**: per source, every remaining puzzle that is not equivalent under the
///   augmentation group to any training puzzle (``SudokuEquivalence``: invariant buckets plus
///   exact check), optionally subsampled to `testPerSource`.
/// - **Ladder** (optional): complete grids from the multi-solution collection (first solution
///   of randomly chosen puzzles) turned into puzzles with exactly k blanks for each k of
///   `ladderBlanks` (``SudokuGenerator/ladderPuzzle(from:blanks:uniformDraws:greedyRestarts:)``).
public struct SudokuDatasetBuilder {
    public struct Options: Sendable {
        public var trainCount = 1000
        public var seed: UInt64 = 0
        public var augmentations = 0
        public var testPerSource: Int? = nil
        public var ladderGrids = 0
        public var ladderBlanks = [20, 30, 40, 50, 55]
        public init() {}
    }

    /// Collections with unique solutions, in output order (file names inside the data folder).
    public static let labelledSources = ["17_clue", "magictour_top1465", "forum_hardest_1106", "forum_hardest_1905_11plus"]
    /// The collection whose puzzles have several solutions: a source of complete grids only.
    public static let gridSource = "serg_benchmark"

    public struct Result: Sendable {
        public var sourceNames: [String]
        public var train: [LabelledSudoku]
        /// Original-puzzle index of every training example (augmented copies share it).
        public var trainGroups: [Int]
        public var tests: [[LabelledSudoku]]
        public var ladder: [LabelledSudoku]
        public var ladderBlanks: [Int]
        public var droppedNotUnique: [Int]
        public var droppedEquivalent: [Int]
    }

    public let dataDirectory: String
    public init(dataDirectory: String) { self.dataDirectory = dataDirectory }

    /// Loads, solves, splits. `progress` receives human-readable lines (for stderr).
    public func build(_ options: Options, progress: (String) -> Void = { _ in }) throws -> Result {
        var isDir: ObjCBool = false
        guard FileManager.default.fileExists(atPath: dataDirectory, isDirectory: &isDir), isDir.boolValue else {
            throw PuzzleDatasetError("puzzle folder not found: \(dataDirectory) (run from the repository root, or pass --data DIR pointing at Data/sudoku)")
        }
        let root = RandomSource(seed: options.seed)
        let solver = SudokuSolver()
        var pools: [[LabelledSudoku]] = []
        var droppedNotUnique: [Int] = []
        for (s, name) in Self.labelledSources.enumerated() {
            let puzzles = try load(name)
            var pool: [LabelledSudoku] = []
            pool.reserveCapacity(puzzles.count)
            var dropped = 0
            let clock = ContinuousClock(), t0 = clock.now
            for (k, p) in puzzles.enumerated() {
                let r = solver.solve(p, limit: 2)
                if r.count == .unique, let sol = r.solution {
                    pool.append(LabelledSudoku(puzzle: p, solution: sol, rating: r.guesses, source: s))
                } else { dropped += 1 }
                if (k + 1) % 20_000 == 0 { progress("  \(name): solved \(k + 1)/\(puzzles.count)") }
            }
            progress("\(name): \(pool.count) puzzles labelled (\(dropped) without a unique solution dropped) in \(clock.now - t0)")
            pools.append(pool)
            droppedNotUnique.append(dropped)
        }

        // Training quota per source, proportional to size (largest remainders).
        let total = pools.reduce(0) { $0 + $1.count }
        guard options.trainCount >= 0, options.trainCount <= total else {
            throw PuzzleDatasetError("--train \(options.trainCount) out of range 0…\(total)")
        }
        let exact = pools.map { Double($0.count) * Double(options.trainCount) / Double(max(total, 1)) }
        var quota = exact.map { Int($0.rounded(.down)) }
        let byRemainder = exact.indices.sorted { (exact[$0] - Double(quota[$0]), -$0) > (exact[$1] - Double(quota[$1]), -$1) }
        for i in byRemainder.prefix(options.trainCount - quota.reduce(0, +)) { quota[i] += 1 }

        var train: [LabelledSudoku] = []
        var inTrain: [Set<Int>] = []
        let selection = root.fork(stream: 1)
        for (s, pool) in pools.enumerated() {
            let keys = pool.map { _ in selection.next() }
            let ranked = pool.indices.sorted { (pool[$0].rating, keys[$0]) < (pool[$1].rating, keys[$1]) }
            var chosen = Set<Int>()
            let q = quota[s]
            for k in 0..<q { chosen.insert(ranked[Int((Double(k) + 0.5) * Double(pool.count) / Double(q))]) }
            inTrain.append(chosen)
            train += chosen.sorted().map { pool[$0] }
        }
        // Shuffle training order (seeded) so sources are mixed.
        let order = shuffled(Array(train.indices), root.fork(stream: 2))
        train = order.map { train[$0] }
        progress("training: \(train.count) puzzles (quotas \(zip(Self.labelledSources, quota).map { "\($0.0) \($0.1)" }.joined(separator: ", ")))")

        // Equivalence buckets of the training set.
        var buckets: [[UInt32]: [Int]] = [:]
        for (i, t) in train.enumerated() { buckets[SudokuEquivalence.invariant(t.puzzle), default: []].append(i) }
        func equivalentToTraining(_ p: SudokuGrid) -> Bool {
            guard let candidates = buckets[SudokuEquivalence.invariant(p)] else { return false }
            return candidates.contains { SudokuEquivalence.areEquivalent(train[$0].puzzle, p) }
        }

        var tests: [[LabelledSudoku]] = []
        var droppedEquivalent: [Int] = []
        for (s, pool) in pools.enumerated() {
            var test: [LabelledSudoku] = []
            var dropped = 0
            for (i, item) in pool.enumerated() where !inTrain[s].contains(i) {
                if equivalentToTraining(item.puzzle) { dropped += 1 } else { test.append(item) }
            }
            if let cap = options.testPerSource, cap < test.count {
                let picked = shuffled(Array(test.indices), root.fork(stream: 100 + UInt64(s))).prefix(cap).sorted()
                test = picked.map { test[$0] }
            }
            progress("test \(Self.labelledSources[s]): \(test.count) puzzles (\(dropped) equivalent to training puzzles removed)")
            tests.append(test)
            droppedEquivalent.append(dropped)
        }

        // Augmented training copies.
        var augmented: [LabelledSudoku] = []
        var groups: [Int] = []
        let augmentRandom = root.fork(stream: 3)
        for (g, item) in train.enumerated() {
            augmented.append(item); groups.append(g)
            for _ in 0..<options.augmentations {
                let t = SudokuTransform.random(using: augmentRandom)
                augmented.append(LabelledSudoku(puzzle: t.apply(item.puzzle), solution: t.apply(item.solution),
                                                rating: item.rating, source: item.source))
                groups.append(g)
            }
        }

        // Blanks ladder from the multi-solution collection's grids.
        var ladder: [LabelledSudoku] = []
        if options.ladderGrids > 0 {
            let gridPuzzles = try load(Self.gridSource)
            let ladderRandom = root.fork(stream: 4)
            let generator = SudokuGenerator(random: root.fork(stream: 5))
            let picks = shuffled(Array(gridPuzzles.indices), ladderRandom).prefix(options.ladderGrids)
            for (n, i) in picks.enumerated() {
                guard let grid = solver.solve(gridPuzzles[i], limit: 1).solution else { continue }
                for k in options.ladderBlanks {
                    let p = try generator.ladderPuzzle(from: grid, blanks: k)
                    if equivalentToTraining(p) { continue }
                    ladder.append(LabelledSudoku(puzzle: p, solution: grid, rating: generator.rating(p), source: n))
                }
            }
            progress("ladder: \(ladder.count) puzzles from \(picks.count) grids, blanks \(options.ladderBlanks)")
        }
        return Result(sourceNames: Self.labelledSources, train: augmented, trainGroups: groups, tests: tests,
                      ladder: ladder, ladderBlanks: options.ladderBlanks,
                      droppedNotUnique: droppedNotUnique, droppedEquivalent: droppedEquivalent)
    }

    /// Writes `train.safetensors`, `test_<source>.safetensors`, optional `ladder.safetensors`
    /// and `dataset.json` into `directory` (created if needed).
    public static func write(_ result: Result, options: Options, to directory: String) throws {
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        let meta = ["format": "attractor-sudoku-1", "seed": String(options.seed),
                    "tokens": "pad 0, blank 1, digit d -> d+1"]
        func tensors(_ items: [LabelledSudoku]) -> [String: TokenTensor] {
            let n = items.count
            return ["inputs": TokenTensor(u8: items.flatMap(\.puzzle.tokens), shape: [n, 81]),
                    "labels": TokenTensor(u8: items.flatMap(\.solution.tokens), shape: [n, 81]),
                    "ratings": TokenTensor(i32: items.map { Int32(clamping: $0.rating) }, shape: [n]),
                    "sources": TokenTensor(u8: items.map { UInt8(clamping: $0.source) }, shape: [n])]
        }
        var train = tensors(result.train)
        train["groups"] = TokenTensor(i32: result.trainGroups.map { Int32($0) }, shape: [result.trainGroups.count])
        try TokenTensorFile.write(train, metadata: meta.merging(["split": "train"]) { $1 }, to: directory + "/train.safetensors")
        for (s, test) in result.tests.enumerated() {
            try TokenTensorFile.write(tensors(test), metadata: meta.merging(["split": "test", "source": result.sourceNames[s]]) { $1 },
                                      to: directory + "/test_\(result.sourceNames[s]).safetensors")
        }
        if !result.ladder.isEmpty {
            try TokenTensorFile.write(tensors(result.ladder), metadata: meta.merging(["split": "ladder"]) { $1 },
                                      to: directory + "/ladder.safetensors")
        }
        var json = "{\n  \"format\": \"attractor-sudoku-1\",\n  \"seed\": \(options.seed),\n"
        json += "  \"seq_len\": 81,\n  \"vocab_size\": \(SudokuToken.vocabularySize),\n  \"pad_id\": 0,\n  \"blank_id\": 1,\n"
        json += "  \"augmentations_per_puzzle\": \(options.augmentations),\n"
        json += "  \"train\": {\"file\": \"train.safetensors\", \"examples\": \(result.train.count), \"puzzles\": \(Set(result.trainGroups).count)},\n"
        json += "  \"test\": [\n"
        json += result.tests.enumerated().map { s, t in
            "    {\"source\": \"\(result.sourceNames[s])\", \"file\": \"test_\(result.sourceNames[s]).safetensors\", \"puzzles\": \(t.count), \"removed_equivalent_to_train\": \(result.droppedEquivalent[s]), \"dropped_not_unique\": \(result.droppedNotUnique[s])}"
        }.joined(separator: ",\n")
        json += "\n  ],\n"
        json += "  \"ladder\": {\"file\": \(result.ladder.isEmpty ? "null" : "\"ladder.safetensors\""), \"puzzles\": \(result.ladder.count), \"blanks\": \(result.ladderBlanks)},\n"
        json += "  \"sources\": [\(result.sourceNames.map { "\"\($0)\"" }.joined(separator: ", "))]\n}\n"
        try Data(json.utf8).write(to: URL(fileURLWithPath: directory + "/dataset.json"), options: .atomic)
    }

    /// Reads a split written by ``write(_:options:to:)``: puzzles, solutions, ratings, sources.
    public static func read(path: String) throws -> [LabelledSudoku] {
        let (t, _) = try TokenTensorFile.read(path: path)
        let inputs = try TokenTensorFile.tokens(t, "inputs", width: 81, path: path)
        let labels = try TokenTensorFile.tokens(t, "labels", width: 81, path: path)
        let n = inputs.shape[0]
        guard labels.shape[0] == n, let ratings = t["ratings"]?.int32Values, ratings.count == n,
              let sources = t["sources"], sources.dtype == .u8, sources.elementCount == n else {
            throw TokenTensorFileError(path: path, reason: "inputs, labels, ratings and sources disagree in length")
        }
        var out: [LabelledSudoku] = []
        out.reserveCapacity(n)
        for i in 0..<n {
            guard let p = SudokuGrid(tokens: Array(inputs.bytes[(81 * i)..<(81 * i + 81)])),
                  let s = SudokuGrid(tokens: Array(labels.bytes[(81 * i)..<(81 * i + 81)])) else {
                throw TokenTensorFileError(path: path, reason: "example \(i): tokens outside 1…10")
            }
            out.append(LabelledSudoku(puzzle: p, solution: s, rating: Int(ratings[i]), source: Int(sources.bytes[i])))
        }
        return out
    }

    private func load(_ name: String) throws -> [SudokuGrid] {
        let path = dataDirectory + "/" + name + ".txt"
        guard let text = try? String(contentsOfFile: path, encoding: .utf8) else {
            throw PuzzleDatasetError("cannot read \(path): missing or unreadable puzzle collection")
        }
        do { return try SudokuParser.parseCollection(text, skipInvalid: false).puzzles } catch {
            throw PuzzleDatasetError("\(path): \(error)")
        }
    }

    private func shuffled<T>(_ a: [T], _ random: RandomSource) -> [T] {
        var a = a
        for i in stride(from: a.count - 1, to: 0, by: -1) { a.swapAt(i, random.integer(below: i + 1)) }
        return a
    }
}
