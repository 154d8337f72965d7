import ArgumentParser
import Attractor
import Foundation

/// `attractor curves`: exact accuracy against CPU-minutes of training, from the snapshots a
/// run keeps (`train --snapshot-every N`), on held-out puzzles re-blanked to each rung.
struct CurvesCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "curves",
        abstract: "Learning curves: exact accuracy against training CPU-minutes from the snapshots of training runs (SVG + JSON lines).")

    @Option(name: .customLong("run"), help: ArgumentHelp("A training run, LABEL=DIR (repeatable): DIR holds the checkpoint and DIR/snapshots/step-N from `train --snapshot-every`.", valueName: "label=dir"))
    var runs: [String]
    @Option(help: "Held-out puzzles whose solutions are re-blanked (a puzzle file or a dataset .safetensors).") var puzzles: String
    @Option(help: "Rungs: blanks per puzzle, comma-separated.") var blanks = "10,20,30"
    @Option(parsing: .unconditional, help: "Puzzles per rung (N ≥ 1).") var limit = 100
    @Option(help: "Seed for the re-blanking: each rung's grids are `eval --blanks K --seed S --limit N`'s.") var seed: UInt64 = 0
    @Option(help: "Worker threads (default: all cores).") var threads: Int?
    @Flag(help: "Only the snapshots, not the run's latest checkpoint (while the run is still training).") var snapshotsOnly = false
    @Option(help: "Output directory: curves.jsonl (one line per run, snapshot, rung and seed; lines already there are kept and not evaluated again) and curves-blanks-K.svg.")
    var out: String

    func validate() throws {
        if runs.isEmpty { throw ValidationError("give at least one --run LABEL=DIR") }
        if limit < 1 { throw ValidationError("--limit must be at least 1, got \(limit)") }
        if let threads, threads < 1 { throw ValidationError("--threads must be at least 1, got \(threads)") }
        for run in runs where !run.contains("=") { throw ValidationError("--run \(run): expected LABEL=DIR") }
        if rungs == nil { throw ValidationError("--blanks \(blanks): expected comma-separated integers in 0…64") }
    }

    var rungs: [Int]? {
        let values = blanks.split(separator: ",").map { Int($0.trimmingCharacters(in: .whitespaces)) }
        guard !values.isEmpty, values.allSatisfy({ $0 != nil && (0...64).contains($0!) }) else { return nil }
        return values.map { $0! }
    }

    /// One evaluated point of a curve.
    struct Point: Codable {
        var run: String
        var checkpoint: String
        var step: Int
        var cpuMinutes: Double
        var blanks: Int
        var puzzles: Int
        var exactAccuracy: Double
        var cellAccuracy: Double
        var meanSegments: Double
        /// The re-blanking seed; absent in lines written before each rung had its own generator
        /// (their grids depended on the rung list), which are kept in the file but neither
        /// reused nor drawn.
        var seed: UInt64?

        enum CodingKeys: String, CodingKey {
            case run, checkpoint, step, blanks, puzzles, seed
            case cpuMinutes = "cpu_minutes", exactAccuracy = "exact_accuracy", cellAccuracy = "cell_accuracy"
            case meanSegments = "mean_segments"
        }
    }

    func run() throws {
        try OutputDirectory.requireWritable(out, option: "--out")
        let rungs = rungs!
        let base = try EvalCommand.loadPuzzles(puzzles, limit: limit, reblanking: true)
        var sets: [Int: [SudokuExample]] = [:]
        for k in rungs { sets[k] = try base.reblanked(blanks: k, seed: seed) }
        let jsonl = out + "/curves.jsonl"
        var points: [Point] = []
        if let text = try? String(contentsOfFile: jsonl, encoding: .utf8) {
            let all = text.split(separator: "\n").compactMap { try? JSONDecoder().decode(Point.self, from: Data($0.utf8)) }
            points = all.filter { $0.seed == seed }
            let unseeded = all.filter { $0.seed == nil }.count
            if unseeded > 0 {
                print("\(jsonl): \(unseeded) lines without a seed (written before each rung had its own re-blanking) are kept but not used")
            }
        }
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        let threads = threads ?? WorkerPool.availableCores
        for run in runs {
            let parts = run.split(separator: "=", maxSplits: 1).map(String.init)
            let (label, directory) = (parts[0], parts[1])
            for checkpoint in try Self.checkpoints(in: directory, latest: !snapshotsOnly) {
                let manifest = try ReasoningCheckpoint.manifest(at: checkpoint)
                let cpu = (manifest.cpuSeconds ?? .nan) / 60
                for k in rungs where !points.contains(where: { $0.run == label && $0.step == manifest.step && $0.blanks == k && $0.puzzles == base.count }) {
                    let items = sets[k]!
                    let (model, _) = try ReasoningCheckpoint.loadModel(checkpoint, maxBatch: min(64, (items.count + threads - 1) / threads),
                                                                       task: .sudoku)
                    let e = try ReasoningInference.evaluateSudoku(model, name: label, puzzles: items, threads: threads)
                    let point = Point(run: label, checkpoint: checkpoint, step: manifest.step, cpuMinutes: cpu, blanks: k,
                                      puzzles: items.count, exactAccuracy: e.exactAccuracy, cellAccuracy: e.cellAccuracy,
                                      meanSegments: e.meanSteps, seed: seed)
                    points.append(point)
                    let line = String(decoding: try encoder.encode(point), as: UTF8.self) + "\n"
                    try Self.append(line, to: jsonl)
                    print(String(format: "%@ step %d (%.1f CPU-min), %d blanks: exact %.3f  cell %.3f", label, manifest.step, cpu, k,
                                 e.exactAccuracy, e.cellAccuracy))
                }
            }
        }
        for k in rungs {
            let series = runs.map { run -> Figure.Series in
                let label = String(run.split(separator: "=", maxSplits: 1)[0])
                let mine = points.filter { $0.run == label && $0.blanks == k && $0.puzzles == base.count }
                    .sorted { $0.cpuMinutes < $1.cpuMinutes }
                return Figure.Series(label: label, x: mine.map(\.cpuMinutes), y: mine.map(\.exactAccuracy))
            }
            let figure = Figure(title: "Exact accuracy, \(k) blanks (\(base.count) held-out puzzles)", kind: .line,
                                xLabel: "training CPU-minutes", yLabel: "exact accuracy", series: series)
            let path = out + "/curves-blanks-\(k).svg"
            try figure.svg.write(toFile: path, atomically: true, encoding: .utf8)
            print("wrote \(path)")
        }
    }

    /// The snapshots of a run in step order, then the run's own checkpoint if it is later.
    static func checkpoints(in directory: String, latest: Bool = true) throws -> [String] {
        let fm = FileManager.default
        let snapshots = ((try? fm.contentsOfDirectory(atPath: directory + "/snapshots")) ?? [])
            .filter { $0.hasPrefix("step-") }.sorted().map { directory + "/snapshots/" + $0 }
        var list = snapshots
        if latest && fm.fileExists(atPath: directory + "/config.json") {
            let last = try ReasoningCheckpoint.manifest(at: directory).step
            let lastSnapshot = try snapshots.last.map { try ReasoningCheckpoint.manifest(at: $0).step } ?? -1
            if last > lastSnapshot { list.append(directory) }
        }
        guard !list.isEmpty else {
            throw CommandFailure("\(directory) holds no checkpoint and no snapshots; train with --snapshot-every N --out \(directory)",
                                 status: .noInput)
        }
        return list
    }

    static func append(_ line: String, to path: String) throws {
        if !FileManager.default.fileExists(atPath: path) { _ = FileManager.default.createFile(atPath: path, contents: nil) }
        guard let handle = FileHandle(forWritingAtPath: path) else {
            throw CommandFailure("cannot write \(path)", status: .cannotCreate)
        }
        defer { try? handle.close() }
        handle.seekToEndOfFile()
        handle.write(Data(line.utf8))
    }
}
