import AttractorNumerics
import Foundation

/// Builds a Maze-Hard-style dataset: seeded training and test mazes with unique shortest
/// paths longer than a threshold; test mazes share no maze (under the 8 symmetries) with
/// training; optional 8-fold dihedral augmentation of the training set.
public struct MazeDatasetBuilder {
    public struct Options: Sendable {
        public var trainCount = 1000
        public var testCount = 1000
        public var pathLongerThan = 110
        public var size = 30
        public var seed: UInt64 = 0
        public var augment = false
        public init() {}
    }

    public struct Result: Sendable {
        public var train: [MazeInstance]
        /// Original-maze index of every training example (augmented copies share it).
        public var trainGroups: [Int]
        public var test: [MazeInstance]
    }

    public init() {}

    public func build(_ options: Options, progress: (String) -> Void = { _ in }) throws -> Result {
        let root = RandomSource(seed: options.seed)
        let trainGenerator = MazeGenerator(random: root.fork(stream: 1), size: options.size)
        let testGenerator = MazeGenerator(random: root.fork(stream: 2), size: options.size)
        var seen = Set<[UInt8]>()
        var train: [MazeInstance] = []
        var groups: [Int] = []
        func generate(_ g: MazeGenerator, count: Int, label: String, keep: (MazeInstance) -> Bool) throws -> [MazeInstance] {
            var out: [MazeInstance] = []
            while out.count < count {
                let m: MazeInstance
                do { m = try g.instance(pathLongerThan: options.pathLongerThan) } catch { throw PuzzleDatasetError("\(error)") }
                if keep(m) { out.append(m) }
                if out.count % 500 == 0 && out.count > 0 && out.count < count { progress("  \(label): \(out.count)/\(count)") }
            }
            return out
        }
        let originals = try generate(trainGenerator, count: options.trainCount, label: "train") { m in
            seen.insert(m.maze.tokens).inserted       // also drops exact duplicates inside training
        }
        for m in originals { for s in 0..<8 { seen.insert(m.maze.transformed(s).tokens) } }
        for (g, m) in originals.enumerated() {
            for s in 0..<(options.augment ? 8 : 1) {
                train.append(MazeInstance(maze: m.maze.transformed(s), label: m.label.transformed(s), pathLength: m.pathLength))
                groups.append(g)
            }
        }
        progress("train: \(originals.count) mazes (\(train.count) examples)")
        let test = try generate(testGenerator, count: options.testCount, label: "test") { m in
            seen.insert(m.maze.tokens).inserted
        }
        progress("test: \(test.count) mazes")
        return Result(train: train, trainGroups: groups, test: test)
    }

    /// Writes `train.safetensors`, `test.safetensors` and `dataset.json` into `directory`.
    public static func write(_ result: Result, options: Options, to directory: String) throws {
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        let cells = options.size * options.size
        let meta = ["format": "attractor-maze-1", "seed": String(options.seed), "tokens": "pad 0, '#' 1, ' ' 2, 'S' 3, 'G' 4, 'o' 5"]
        func tensors(_ items: [MazeInstance]) -> [String: TokenTensor] {
            ["inputs": TokenTensor(u8: items.flatMap(\.maze.tokens), shape: [items.count, cells]),
             "labels": TokenTensor(u8: items.flatMap(\.label.tokens), shape: [items.count, cells]),
             "path_lengths": TokenTensor(i32: items.map { Int32($0.pathLength) }, shape: [items.count])]
        }
        var train = tensors(result.train)
        train["groups"] = TokenTensor(i32: result.trainGroups.map { Int32($0) }, shape: [result.trainGroups.count])
        try TokenTensorFile.write(train, metadata: meta.merging(["split": "train"]) { $1 }, to: directory + "/train.safetensors")
        try TokenTensorFile.write(tensors(result.test), metadata: meta.merging(["split": "test"]) { $1 }, to: directory + "/test.safetensors")
        let json = """
        {
          "format": "attractor-maze-1",
          "seed": \(options.seed),
          "size": \(options.size),
          "seq_len": \(cells),
          "vocab_size": \(MazeCell.vocabularySize),
          "pad_id": 0,
          "path_longer_than": \(options.pathLongerThan),
          "augmented": \(options.augment),
          "train": {"file": "train.safetensors", "examples": \(result.train.count), "mazes": \(Set(result.trainGroups).count)},
          "test": {"file": "test.safetensors", "mazes": \(result.test.count)}
        }

        """
        try Data(json.utf8).write(to: URL(fileURLWithPath: directory + "/dataset.json"), options: .atomic)
    }

    /// Reads a split written by ``write(_:options:to:)``.
    public static func read(path: String, size: Int = 30) throws -> [MazeInstance] {
        try instances(TokenTensorFile.read(path: path).tensors, size: size, path: path)
    }

    /// Parses the bytes of a split (as ``read(path:size:)`` does a file); `path` names it in errors.
    public static func decode(_ bytes: [UInt8], size: Int = 30, path: String = "<memory>") throws -> [MazeInstance] {
        try instances(TokenTensorFile.decode(bytes, path: path).tensors, size: size, path: path)
    }

    static func instances(_ t: [String: TokenTensor], size: Int, path: String) throws -> [MazeInstance] {
        guard (2...1024).contains(size) else { throw TokenTensorFileError(path: path, reason: "maze side \(size) outside 2…1024") }
        let inputs = try TokenTensorFile.tokens(t, "inputs", width: size * size, path: path)
        let labels = try TokenTensorFile.tokens(t, "labels", width: size * size, path: path)
        guard let lengths = t["path_lengths"]?.int32Values, lengths.count == inputs.shape[0], labels.shape[0] == inputs.shape[0] else {
            throw TokenTensorFileError(path: path, reason: "inputs, labels and path_lengths disagree in length")
        }
        let w = size * size
        return try (0..<inputs.shape[0]).map { i in
            do {
                return MazeInstance(maze: try Maze(tokens: Array(inputs.bytes[(w * i)..<(w * i + w)]), size: size),
                                    label: try Maze(tokens: Array(labels.bytes[(w * i)..<(w * i + w)]), size: size),
                                    pathLength: Int(lengths[i]))
            } catch {
                throw TokenTensorFileError(path: path, reason: "example \(i): \(error)")
            }
        }
    }
}
