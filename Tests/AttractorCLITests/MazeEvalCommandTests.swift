import Foundation
import Testing

/// `attractor eval` on a maze checkpoint (a tiny generated maze dataset, 1 training step),
/// and `train --gradient adjoint` for CMM writing its choice into the checkpoint.
@Suite struct MazeEvalCommandTests {
    @Test func evalMazeCheckpointAndAdjointTraining() throws {
        let dir = NSTemporaryDirectory() + "attractor-cli-maze-eval-\(UUID().uuidString)"
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let data = try AttractorBinary.run(["data", "maze", "--out", dir + "/data", "--count", "4", "--test", "3",
                                            "--min-path", "4", "--size", "6", "--seed", "1"])
        #expect(data.status == 0, "\(data.stderr)")
        let ckpt = dir + "/hrm"
        let train = try AttractorBinary.run(["train", "--model", "hrm", "--task", "maze", "--steps", "1", "--data", dir + "/data",
                                             "--batch", "2", "--eval-puzzles", "0", "--out", ckpt, "--log-every", "1"])
        #expect(train.status == 0, "\(train.stderr)")
        let eval = try AttractorBinary.run(["eval", "--checkpoint", ckpt, "--puzzles", dir + "/data/test.safetensors",
                                            "--limit", "2", "--format", "json"])
        #expect(eval.status == 0, "\(eval.stderr)")
        let json = try JSONSerialization.jsonObject(with: Data(eval.stdout.utf8)) as? [String: Any]
        for key in ["model", "puzzles", "exact_accuracy", "valid_accuracy", "cell_accuracy", "path_cell_precision",
                    "path_cell_recall", "mean_steps", "mean_function_evaluations", "mean_residual", "halted_fraction", "seconds"] {
            #expect(json?[key] != nil, "missing \(key)")
        }
        #expect(json?["puzzles"] as? Int == 2)
        #expect(json?["model"] as? String == "hrm-tiny")
        let cell = json?["cell_accuracy"] as? Double ?? -1
        #expect(cell >= 0 && cell <= 1)

        // A Sudoku file for a maze checkpoint, and --blanks, are clear errors.
        let puzzles = dir + "/p.txt"
        try "4.....8.5.3..........7......2.....6.....8.4......1.......6.3.7.5..2.....1.4......\n"
            .write(toFile: puzzles, atomically: true, encoding: .utf8)
        let wrong = try AttractorBinary.run(["eval", "--checkpoint", ckpt, "--puzzles", puzzles])
        #expect(wrong.status != 0)
        #expect(wrong.stderr.contains("maze dataset"))
        let blanks = try AttractorBinary.run(["eval", "--checkpoint", ckpt, "--puzzles", dir + "/data/test.safetensors", "--blanks", "3"])
        #expect(blanks.status != 0)

        // CMM with the continuous adjoint: one step, the choice saved in config.json. The
        // adjoint differentiates the joint system, a forward model chosen on its own.
        let cmm = dir + "/cmm"
        let alone = try AttractorBinary.run(["train", "--model", "cmm", "--task", "maze", "--gradient", "adjoint", "--steps", "1",
                                             "--data", dir + "/data", "--batch", "1", "--eval-puzzles", "0", "--out", cmm])
        #expect(alone.status != 0 && alone.stderr.contains("discretisation=joint"), "\(alone.stderr)")
        let adjoint = try AttractorBinary.run(["train", "--model", "cmm", "--task", "maze", "--gradient", "adjoint", "--set", "discretisation=joint",
                                               "--steps", "1", "--data", dir + "/data", "--batch", "1", "--eval-puzzles", "0", "--out", cmm])
        #expect(adjoint.status == 0, "\(adjoint.stderr)")
        let config = try String(contentsOfFile: cmm + "/config.json", encoding: .utf8)
        #expect(config.contains("\"adjoint\"") && config.contains("\"joint\""))
    }
}
