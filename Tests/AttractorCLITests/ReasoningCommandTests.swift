import Foundation
import Testing

/// `attractor train`, `eval`, `solve` end to end on a few easy puzzles (tiny preset, 2 steps).
@Suite struct ReasoningCommandTests {
    @Test func trainEvalSolveAndErrors() throws {
        let dir = NSTemporaryDirectory() + "attractor-cli-reasoning-\(UUID().uuidString)"
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let ckpt = dir + "/hrm"
        let train = try AttractorBinary.run(["train", "--model", "hrm", "--preset", "tiny", "--steps", "2", "--blanks", "4",
                                             "--train-count", "4", "--eval-puzzles", "0", "--batch", "2", "--seed", "1",
                                             "--out", ckpt, "--log-every", "1"])
        #expect(train.status == 0, "\(train.stderr)")
        #expect(train.stdout.contains("step 2 "))
        #expect(FileManager.default.fileExists(atPath: ckpt + "/model.safetensors"))
        #expect(FileManager.default.fileExists(atPath: ckpt + "/config.json"))

        // Resume continues from step 2 to 3.
        let resumed = try AttractorBinary.run(["train", "--model", "hrm", "--steps", "3", "--blanks", "4", "--train-count", "4",
                                               "--eval-puzzles", "0", "--batch", "2", "--seed", "1", "--out", ckpt,
                                               "--resume", "--log-every", "1"])
        #expect(resumed.status == 0, "\(resumed.stderr)")
        #expect(resumed.stderr.contains("resumed \(ckpt) at step 2"))
        #expect(resumed.stdout.contains("step 3 "))
        #expect(!resumed.stdout.contains("step 1 "))

        // Resuming with another model is a clear error.
        let wrong = try AttractorBinary.run(["train", "--model", "trm", "--steps", "3", "--blanks", "4", "--train-count", "4",
                                             "--batch", "2", "--out", ckpt, "--resume"])
        #expect(wrong.status != 0)
        #expect(wrong.stderr.contains("holds a hrm model, not trm"))

        let puzzles = dir + "/p.txt"
        try "4.....8.5.3..........7......2.....6.....8.4......1.......6.3.7.5..2.....1.4......\n"
            .write(toFile: puzzles, atomically: true, encoding: .utf8)
        let eval = try AttractorBinary.run(["eval", "--checkpoint", ckpt, "--puzzles", puzzles, "--blanks", "10",
                                            "--format", "json"])
        #expect(eval.status == 0, "\(eval.stderr)")
        let json = try JSONSerialization.jsonObject(with: Data(eval.stdout.utf8)) as? [String: Any]
        for key in ["model", "puzzles", "exact_accuracy", "valid_accuracy", "cell_accuracy", "mean_steps",
                    "mean_function_evaluations", "mean_residual", "halted_fraction", "seconds"] {
            #expect(json?[key] != nil, "missing \(key)")
        }
        #expect(json?["model"] as? String == "hrm-tiny")

        let solve = try AttractorBinary.run(["solve", "--checkpoint", ckpt, "--quiet",
                                             "4.....8.5.3..........7......2.....6.....8.4......1.......6.3.7.5..2.....1.4......"])
        #expect(solve.status == 0, "\(solve.stderr)")
        #expect(solve.stdout.contains("residual trajectory:"))
        #expect(solve.stdout.contains("equilibrium reached:"))

        let short = try AttractorBinary.run(["solve", "--checkpoint", ckpt, "123"])
        #expect(short.status != 0)
        let missing = try AttractorBinary.run(["eval", "--checkpoint", "no-such-model", "--puzzles", puzzles])
        #expect(missing.stderr.contains("no checkpoint 'no-such-model'"))
    }
}

@Suite struct TrainOptionValidationTests {
    @Test func unknownPresetFailsBeforeAnyWork() throws {
        let r = try AttractorBinary.run(["train", "--model", "cmm", "--task", "sudoku", "--preset", "huge", "--steps", "1",
                                         "--out", "/tmp/attractor-never-written"])
        #expect(r.status != 0)
        #expect(r.stderr.contains("'huge'") && r.stderr.contains("tiny") && r.stderr.contains("paper"), "\(r.stderr)")
        #expect(!(r.stdout + r.stderr).contains("labelled"), "the dataset was built before the preset was checked")
    }
}
