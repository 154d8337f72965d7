import Foundation
import Testing

/// `train --set/--cpu-minutes/--snapshot-every`, `curves`, `scaling`, `eval --samples`.
@Suite struct BudgetCurvesScalingTests {
    static let small = ["--set", "block.hidden=16", "--set", "block.tokenInner=16", "--set", "block.channelInner=16",
                        "--set", "block.layers=1", "--set", "lowSteps=1", "--set", "cycles=1", "--set", "segments=2"]

    @Test func setChangesTheConfigurationAndRejectsUnknownFields() throws {
        let dir = NSTemporaryDirectory() + "attractor-cli-set-\(UUID().uuidString)"
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let bad = try AttractorBinary.run(["train", "--model", "trm", "--steps", "1", "--out", dir + "/x", "--set", "training.lr=1"])
        #expect(bad.status == 65 || bad.status == 64 || bad.status == 1)
        #expect(bad.stderr.contains("no field 'lr'") && bad.stderr.contains("learningRate"), "\(bad.stderr)")
        #expect(!bad.stdout.contains("training puzzles"), "the data was built before --set was checked")
        let out = dir + "/cmm"
        let r = try AttractorBinary.run(["train", "--model", "cmm", "--steps", "3", "--blanks", "4", "--train-count", "8",
                                         "--batch", "4", "--eval-puzzles", "0", "--out", out, "--snapshot-every", "2",
                                         "--set", "sigma=0.02", "--set", "training.learningRate=0.002"] + Self.small)
        #expect(r.status == 0, "\(r.stderr)")
        // The log names the run's settings against the preset, in the form --set takes.
        let settings = r.stdout.split(separator: "\n").first { $0.hasPrefix("settings: seed 0, schedule cosine over 3 steps") }
        #expect(settings?.contains("--set sigma=0.02 ") == true && settings?.contains("--set training.learningRate=0.002") == true
                && settings?.contains("--set block.hidden=16 ") == true && settings?.contains("training.batch=4") == true,
                "\(r.stdout)")
        let config = try String(contentsOfFile: out + "/config.json", encoding: .utf8)
        #expect(config.contains("\"sigma\" : 0.02") && config.contains("\"learningRate\" : 0.002"), "\(config)")
        #expect(config.contains("\"hidden\" : 16"))
        #expect(FileManager.default.fileExists(atPath: out + "/snapshots/step-000002/model.safetensors"))
        #expect(!FileManager.default.fileExists(atPath: out + "/snapshots/step-000002/state.safetensors"))
        // A resumed run keeps its configuration: --set is refused.
        let again = try AttractorBinary.run(["train", "--model", "cmm", "--steps", "4", "--blanks", "4", "--train-count", "8",
                                             "--eval-puzzles", "0", "--out", out, "--resume", "--set", "sigma=0.5"])
        #expect(again.status != 0 && again.stderr.contains("--resume keeps the configuration"), "\(again.stderr)")

        // curves: one point per snapshot and rung, then the run's checkpoint; a second call adds nothing.
        let puzzles = dir + "/p.txt"
        try "4.....8.5.3..........7......2.....6.....8.4......1.......6.3.7.5..2.....1.4......\n"
            .write(toFile: puzzles, atomically: true, encoding: .utf8)
        let curves = try AttractorBinary.run(["curves", "--run", "small=" + out, "--puzzles", puzzles, "--blanks", "5,10",
                                              "--limit", "1", "--out", dir + "/curves"])
        #expect(curves.status == 0, "\(curves.stderr)")
        let lines = try String(contentsOfFile: dir + "/curves/curves.jsonl", encoding: .utf8).split(separator: "\n")
        #expect(lines.count == 4, "2 checkpoints (step 2 snapshot, step 3) × 2 rungs: \(lines)")
        #expect(FileManager.default.fileExists(atPath: dir + "/curves/curves-blanks-10.svg"))
        _ = try AttractorBinary.run(["curves", "--run", "small=" + out, "--puzzles", puzzles, "--blanks", "5,10",
                                     "--limit", "1", "--out", dir + "/curves"])
        #expect(try String(contentsOfFile: dir + "/curves/curves.jsonl", encoding: .utf8).split(separator: "\n").count == 4)

        // Each rung has its own re-blanking: the 10-blank points do not depend on the rung list
        // and are eval's for `--blanks 10 --seed 0`; another seed is not served from the cache.
        let four = dir + "/p4.txt"
        try ["4.....8.5.3..........7......2.....6.....8.4......1.......6.3.7.5..2.....1.4......",
             ".................1....23.4.....453....1....6...7..8......9......3....8..4..1....7",
             ".................1..2..3..4.....1....2.....5.65.....7.....6......4...2.3..875....",
             ".................1..2..3.4..............5...6.43..78......6.2..6..51....9......3."]
            .joined(separator: "\n").write(toFile: four, atomically: true, encoding: .utf8)
        func tenBlankCells(_ blanks: String, seed: String = "0", into name: String) throws -> [String] {
            let r = try AttractorBinary.run(["curves", "--run", "small=" + out, "--puzzles", four, "--blanks", blanks,
                                             "--limit", "4", "--seed", seed, "--out", dir + "/" + name])
            #expect(r.status == 0, "\(r.stderr)")
            return try String(contentsOfFile: dir + "/" + name + "/curves.jsonl", encoding: .utf8).split(separator: "\n")
                .compactMap { try JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: Any] }
                .filter { $0["blanks"] as? Int == 10 && $0["seed"] as? Int == Int(seed) }
                .map { "\($0["step"]!) \($0["cell_accuracy"]!) \($0["exact_accuracy"]!)" }
        }
        let alone = try tenBlankCells("10", into: "alone"), after = try tenBlankCells("30,5,10", into: "after")
        #expect(alone.count == 2 && alone == after, "\(alone) vs \(after)")
        let ten = try AttractorBinary.run(["eval", "--checkpoint", out, "--puzzles", four, "--blanks", "10", "--limit", "4",
                                           "--seed", "0", "--format", "json"])
        let tenJSON = try JSONSerialization.jsonObject(with: Data(ten.stdout.utf8)) as? [String: Any]
        #expect(alone.last == "3 \(tenJSON?["cell_accuracy"] ?? "–") \(tenJSON?["exact_accuracy"] ?? "–")", "\(ten.stdout)")
        #expect(try tenBlankCells("10", seed: "1", into: "alone").count == 2, "seed 1 evaluated, not taken from seed 0's lines")

        // eval with sampling reports the test-time keys; scaling writes its table and figures.
        let eval = try AttractorBinary.run(["eval", "--checkpoint", out, "--puzzles", puzzles, "--blanks", "3", "--samples", "2",
                                            "--segments", "3", "--sigma", "0.1", "--format", "json"])
        #expect(eval.status == 0, "\(eval.stderr)")
        let json = try JSONSerialization.jsonObject(with: Data(eval.stdout.utf8)) as? [String: Any]
        for key in ["verified_accuracy", "selection", "max_function_evaluations", "mean_samples", "grokking_segments",
                    "fixed_point_failures"] {
            #expect(json?[key] != nil, "missing \(key)")
        }
        let scaling = try AttractorBinary.run(["scaling", "--checkpoints", out, "--puzzles", puzzles, "--blanks", "3", "--limit", "1",
                                               "--strategies", "1x2,2x2", "--out", dir + "/scaling"])
        #expect(scaling.status == 0, "\(scaling.stderr)")
        #expect(try String(contentsOfFile: dir + "/scaling/scaling.jsonl", encoding: .utf8).split(separator: "\n").count == 2)
        #expect(FileManager.default.fileExists(atPath: dir + "/scaling/scaling.svg"))
        let badStrategy = try AttractorBinary.run(["scaling", "--checkpoints", out, "--puzzles", puzzles, "--strategies", "2y3",
                                                   "--out", dir + "/scaling"])
        #expect(badStrategy.status != 0 && badStrategy.stderr.contains("SAMPLESxSEGMENTS"))
    }

    @Test func aCPUBudgetFitsTheScheduleAndIsATotalAcrossResume() throws {
        let dir = NSTemporaryDirectory() + "attractor-cli-budget-\(UUID().uuidString)"
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let out = dir + "/trm"
        let args = ["train", "--model", "trm", "--cpu-minutes", "0.01", "--blanks", "4", "--train-count", "8", "--batch", "2",
                    "--threads", "1", "--eval-puzzles", "0", "--out", out, "--log-every", "100"] + Self.small
        let r = try AttractorBinary.run(args)
        #expect(r.status == 0, "\(r.stderr)")
        #expect(r.stdout.contains("schedule: cosine over"), "\(r.stdout)")
        let steps = try Self.step(out)
        // The whole budget is spent: resuming with the same total trains at most one more step.
        let resumed = try AttractorBinary.run(args + ["--resume"])
        #expect(resumed.status == 0, "\(resumed.stderr)")
        #expect(try Self.step(out) <= steps + 1, "a resumed run with its budget spent kept training")
        let config = try String(contentsOfFile: out + "/config.json", encoding: .utf8)
        #expect(!config.contains("\"scheduleSteps\" : 2000"), "the fitted schedule was not saved")
    }

    static func step(_ dir: String) throws -> Int {
        let data = try Data(contentsOf: URL(fileURLWithPath: dir + "/config.json"))
        return (try JSONSerialization.jsonObject(with: data) as? [String: Any])?["step"] as? Int ?? -1
    }
}
