import ArgumentParser
import Attractor
import Foundation

/// `attractor scaling`: accuracy against test-time compute for each model and strategy
/// (samples × segments), with certified answers, the grokking-step histogram and the
/// fixed-point failures (`Docs/TestTimeScaling.md`).
struct ScalingCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "scaling",
        abstract: "Test-time scaling: exact and verified accuracy against F-evaluations per puzzle, per model and strategy (table, JSON lines, SVG).")

    @Option(help: "Checkpoints (directories or bundled names), comma-separated.") var checkpoints: String
    @Option(help: "Puzzle file or dataset .safetensors.") var puzzles: String
    @Option(parsing: .unconditional, help: "Re-blank each puzzle's solution to exactly K cells (unique), K in 0…64.") var blanks: Int?
    @Option(parsing: .unconditional, help: "Puzzles (N ≥ 1).") var limit = 50
    @Option(help: "Seed for --blanks.") var seed: UInt64 = 0
    @Option(help: "Strategies: SAMPLESxSEGMENTS, or SAMPLESxSEGMENTScCELLS with confident-cell commitment of CELLS per stage; comma-separated (e.g. 1x16,4x16,16x64,8x16c8).") var strategies = "1x16,4x16,16x16,16x64"
    @Option(help: "Test-time noise σ of the samples.") var sigma: Double = 0.05
    @Option(help: "Random-start scale of the samples.") var startScale: Double = 0.1
    @Option(help: "Seed of the transforms, starts and noise.") var sampleSeed: UInt64 = 0
    @Option(help: "Worker threads (default: all cores).") var threads: Int?
    @Option(help: "Output directory: scaling.jsonl (rows already there for the same model, strategy, puzzles and blanks are kept, not run again), scaling.svg, grokking-MODEL.svg.") var out: String

    struct Strategy: Equatable {
        var samples: Int
        var segments: Int
        var commit: Int? = nil
        var name: String { "\(samples)x\(segments)" + (commit.map { "c\($0)" } ?? "") }
    }

    var parsedStrategies: [Strategy]? {
        let items = strategies.split(separator: ",").map { part -> Strategy? in
            let text = part.trimmingCharacters(in: .whitespaces)
            let halves = text.split(separator: "c", omittingEmptySubsequences: false)
            guard halves.count <= 2 else { return nil }
            var commit: Int? = nil
            if halves.count == 2 {
                guard let c = Int(halves[1]), (1...80).contains(c) else { return nil }
                commit = c
            }
            let xs = halves[0].split(separator: "x", omittingEmptySubsequences: false).map { Int($0) }
            guard xs.count == 2, let k = xs[0], let s = xs[1], k >= 1, s >= 1 else { return nil }
            return Strategy(samples: k, segments: s, commit: commit)
        }
        guard !items.isEmpty, items.allSatisfy({ $0 != nil }) else { return nil }
        return items.map { $0! }
    }

    func validate() throws {
        if limit < 1 { throw ValidationError("--limit must be at least 1, got \(limit)") }
        if let blanks, !(0...64).contains(blanks) { throw ValidationError("--blanks must be in 0…64, got \(blanks)") }
        if parsedStrategies == nil { throw ValidationError("--strategies \(strategies): expected SAMPLESxSEGMENTS or SAMPLESxSEGMENTScCELLS items, e.g. 1x16,4x16,8x16c8") }
        if let threads, threads < 1 { throw ValidationError("--threads must be at least 1, got \(threads)") }
        if !(sigma >= 0 && sigma.isFinite) || !(startScale >= 0 && startScale.isFinite) {
            throw ValidationError("--sigma and --start-scale must be finite and ≥ 0")
        }
    }

    struct Row: Codable {
        var model: String
        var strategy: String
        var puzzles: Int
        var blanks: Int?
        var exactAccuracy: Double
        var verifiedAccuracy: Double
        var cellAccuracy: Double
        var meanFunctionEvaluations: Double
        var maxFunctionEvaluations: Double
        var meanSamples: Double
        var selection: [String: Int]
        var grokkingSegments: [Int]
        var fixedPointFailures: Int
        var seconds: Double
        enum CodingKeys: String, CodingKey {
            case model, strategy, puzzles, blanks, selection, seconds
            case exactAccuracy = "exact_accuracy", verifiedAccuracy = "verified_accuracy", cellAccuracy = "cell_accuracy"
            case meanFunctionEvaluations = "mean_function_evaluations", maxFunctionEvaluations = "max_function_evaluations"
            case meanSamples = "mean_samples", grokkingSegments = "grokking_segments", fixedPointFailures = "fixed_point_failures"
        }
    }

    func run() throws {
        try OutputDirectory.requireWritable(out, option: "--out")
        var items = try EvalCommand.loadPuzzles(puzzles, limit: limit, allowMultiple: false, reblanking: blanks != nil)
        if let blanks { items = try items.reblanked(blanks: blanks, seed: seed) }
        let threads = threads ?? WorkerPool.availableCores
        let paths = checkpoints.split(separator: ",").map { String($0).trimmingCharacters(in: .whitespaces) }
        // Shown by their directory's name (a bundled name is its own directory name).
        let names = paths.map { URL(fileURLWithPath: $0).lastPathComponent }
        var rows: [Row] = []
        if let text = try? String(contentsOfFile: out + "/scaling.jsonl", encoding: .utf8) {
            rows = text.split(separator: "\n").compactMap { try? JSONDecoder().decode(Row.self, from: Data($0.utf8)) }
        }
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        print("model        strategy   exact   verified  blank cells  F-evals/puzzle (max)   samples  chosen by")
        for (name, given) in zip(names, paths) {
            let path = try CheckpointLocator.resolve(given)
            let (model, manifest) = try ReasoningCheckpoint.loadModel(path, maxBatch: max(1, min(64, (items.count + threads - 1) / threads)),
                                                                      task: .sudoku)
            let label = "\(manifest.configuration.model.rawValue)-\(manifest.configuration.preset)"
            for strategy in parsedStrategies! {
                if let kept = rows.first(where: { $0.model == name && $0.strategy == strategy.name && $0.puzzles == items.count && $0.blanks == blanks }) {
                    print(name.padding(toLength: 12, withPad: " ", startingAt: 0) + " " + strategy.name.padding(toLength: 9, withPad: " ", startingAt: 0)
                          + String(format: "  %.3f   %.3f     %.3f        %8.0f (%6.0f)     %5.2f   (kept from scaling.jsonl)", kept.exactAccuracy,
                                   kept.verifiedAccuracy, kept.cellAccuracy, kept.meanFunctionEvaluations, kept.maxFunctionEvaluations, kept.meanSamples))
                    continue
                }
                var options = SudokuSampling.Options()
                options.samples = strategy.samples
                options.inference = InferenceOptions(segments: strategy.segments, halting: .model,
                                                     sigma: strategy.samples > 1 ? sigma : 0,
                                                     startScale: strategy.samples > 1 ? startScale : 0)
                options.seed = sampleSeed
                options.commit = strategy.commit
                let e = try ReasoningInference.evaluateSudoku(model, name: label, puzzles: items, threads: threads, sampling: options)
                let row = Row(model: name, strategy: strategy.name, puzzles: e.puzzles, blanks: blanks, exactAccuracy: e.exactAccuracy,
                              verifiedAccuracy: e.verifiedAccuracy, cellAccuracy: e.cellAccuracy,
                              meanFunctionEvaluations: e.meanFunctionEvaluations, maxFunctionEvaluations: e.maxFunctionEvaluations,
                              meanSamples: e.meanSamples, selection: e.selection, grokkingSegments: e.grokkingSegments,
                              fixedPointFailures: e.fixedPointFailures, seconds: e.seconds)
                rows.append(row)
                let chosen = e.selection.sorted { $0.key < $1.key }.map { "\($0.key) \($0.value)" }.joined(separator: ", ")
                print(name.padding(toLength: 12, withPad: " ", startingAt: 0) + " " + strategy.name.padding(toLength: 9, withPad: " ", startingAt: 0)
                      + String(format: "  %.3f   %.3f     %.3f        %8.0f (%6.0f)     %5.2f   ", e.exactAccuracy, e.verifiedAccuracy,
                               e.cellAccuracy, e.meanFunctionEvaluations, e.maxFunctionEvaluations, e.meanSamples) + chosen)
            }
        }
        try rows.map { String(decoding: try encoder.encode($0), as: UTF8.self) + "\n" }.joined()
            .write(toFile: out + "/scaling.jsonl", atomically: true, encoding: .utf8)
        // The figures show the rows of this puzzle set only.
        let current = rows.filter { $0.blanks == blanks && $0.puzzles == items.count }
        let shown = Array(Set(current.map(\.model))).sorted()
        let series = shown.map { name -> Figure.Series in
            let mine = current.filter { $0.model == name }.sorted { $0.meanFunctionEvaluations < $1.meanFunctionEvaluations }
            return Figure.Series(label: name, x: mine.map(\.meanFunctionEvaluations), y: mine.map(\.exactAccuracy))
        }
        let title = "Exact accuracy vs test-time compute" + (blanks.map { ", \($0) blanks" } ?? "")
        try Figure(title: title, kind: .line, xLabel: "F-evaluations per puzzle (mean)", yLabel: "exact accuracy", logX: true,
                   series: series).svg.write(toFile: out + "/scaling.svg", atomically: true, encoding: .utf8)
        for name in shown {
            // The grokking histogram of the strategy with the most segments (one trajectory each).
            guard let row = current.filter({ $0.model == name }).max(by: { $0.grokkingSegments.count < $1.grokkingSegments.count }) else { continue }
            let counts = row.grokkingSegments.map(Double.init)
            let safe = name.map { $0.isLetter || $0.isNumber || $0 == "-" ? $0 : "_" }
            try Figure(title: "\(name) (\(row.strategy)): segment where the answer became right and stayed right", kind: .bar,
                       xLabel: "segment", yLabel: "puzzles", series: [Figure.Series(label: "exact answers", x: counts.indices.map { Double($0 + 1) }, y: counts)],
                       labels: counts.indices.map { "\($0 + 1)" })
                .svg.write(toFile: out + "/grokking-\(String(safe)).svg", atomically: true, encoding: .utf8)
        }
        print("wrote \(out)/scaling.jsonl, \(out)/scaling.svg and one grokking-*.svg per model")
    }
}
