import ArgumentParser
import Foundation

/// `train`'s argument checks, all made before any data is built.
enum TrainArguments {
    static func validate(_ c: TrainCommand) throws {
        if let batch = c.batch, batch < 1 { throw ValidationError("--batch must be at least 1, got \(batch)") }
        if c.trainCount < 1 { throw ValidationError("--train-count must be at least 1, got \(c.trainCount)") }
        if c.logEvery < 1 { throw ValidationError("--log-every must be at least 1, got \(c.logEvery)") }
        if c.saveEvery < 1 { throw ValidationError("--save-every must be at least 1, got \(c.saveEvery)") }
        if c.evalEvery < 0 { throw ValidationError("--eval-every must be 0 (only at the end) or positive, got \(c.evalEvery)") }
        if let n = c.snapshotEvery, n < 1 { throw ValidationError("--snapshot-every must be at least 1, got \(n)") }
        if c.evalPuzzles < 0 { throw ValidationError("--eval-puzzles must be 0 or positive, got \(c.evalPuzzles)") }
        if let n = c.implicitIterations, n < 1 { throw ValidationError("--implicit-iterations must be at least 1, got \(n)") }
        if let n = c.scheduleSteps, n < 1 { throw ValidationError("--schedule-steps must be at least 1, got \(n)") }
        if let blanks = c.blanks, !(0...64).contains(blanks) { throw ValidationError("--blanks must be in 0…64, got \(blanks)") }
        if let minutes = c.minutes, !minutes.isFinite { throw ValidationError("--minutes must be a finite number") }
        if let m = c.cpuMinutes, !m.isFinite { throw ValidationError("--cpu-minutes must be a finite number") }
        if c.resume && c.overwrite { throw ValidationError("--resume continues the checkpoint in --out and --overwrite replaces it: give one of them") }
        if c.blanks != nil && c.data != nil { throw ValidationError("--blanks builds its own puzzles: drop --data, or drop --blanks") }
        if c.blanks != nil && c.task == .maze { throw ValidationError("--blanks applies to Sudoku, not to --task maze") }
    }

    /// `--data DIR` must be a directory holding `train.safetensors`.
    static func checkData(_ c: TrainCommand) throws {
        guard let data = c.data else {
            if c.task == .maze { throw CommandFailure("--task maze needs --data DIR from `attractor data maze`", status: .usage) }
            return
        }
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: data, isDirectory: &isDirectory), isDirectory.boolValue else {
            throw CommandFailure("--data \(data) is not a directory; give a folder written by `attractor data \(c.task == .maze ? "maze" : "sudoku")`",
                                 status: .noInput)
        }
        _ = try requireReadableFile(data + "/train.safetensors", what: "dataset file (train.safetensors)")
    }
}
