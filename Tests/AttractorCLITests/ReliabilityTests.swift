import Foundation
import Testing

/// Issue #14: whatever the input or signal, no crash, no silent wrong answer, no lost work.
/// Every refusal must exit with a status in 1…127 (not a signal), print `error: …` on stderr
/// and name the problem. Files are made in the test; nothing depends on timing.
@Suite struct ReliabilityTests {
    static let repository = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent()
    static let puzzles = repository.appendingPathComponent("Data/sudoku/magictour_top1465.txt").path
    static let hard = "4.....8.5.3..........7......2.....6.....8.4......1.......6.3.7.5..2.....1.4......"
    /// A fixed small memory limit, so the memory refusals do not depend on the machine.
    static let budget = ["ATTRACTOR_MEMORY_LIMIT": "4G"]

    static func temporaryDirectory() throws -> String {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("attractor-rel-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        return dir
    }

    /// Runs `arguments` and checks the refusal: `status` (1…127), `error:` on stderr and every
    /// fragment of `names` in the message.
    @discardableResult
    static func refuse(_ arguments: [String], status: Int32, names: [String], environment: [String: String] = [:],
                       sourceLocation: SourceLocation = #_sourceLocation) throws -> AttractorBinary.Result {
        let r = try AttractorBinary.run(arguments, environment: environment)
        #expect(r.status == status, "\(arguments): status \(r.status), stderr \(r.stderr)", sourceLocation: sourceLocation)
        #expect(r.status > 0 && r.status < 128, sourceLocation: sourceLocation)
        #expect(r.stderr.hasPrefix("error: ") || r.stderr.contains("\nerror: "), "\(r.stderr)", sourceLocation: sourceLocation)
        for name in names {
            #expect(r.stderr.contains(name), "\(arguments): '\(name)' not in \(r.stderr)", sourceLocation: sourceLocation)
        }
        #expect(!r.stderr.contains("NSCocoaErrorDomain") && !r.stderr.contains("DecodingError"), sourceLocation: sourceLocation)
        return r
    }

    /// A copy of the bundled cmm-tiny checkpoint to corrupt.
    static func checkpointCopy(in dir: String) throws -> String {
        let copy = dir + "/ck"
        try FileManager.default.copyItem(atPath: repository.appendingPathComponent("Checkpoints/cmm-tiny").path, toPath: copy)
        return copy
    }

    // MARK: - Crashes

    @Test func negativeLimitIsAUsageError() throws {
        try Self.refuse(["eval", "--checkpoint", "cmm-tiny", "--puzzles", Self.puzzles, "--limit=-1"], status: 64, names: ["--limit", "-1"])
        try Self.refuse(["eval", "--checkpoint", "cmm-tiny", "--puzzles", Self.puzzles, "--limit", "-1"], status: 64, names: ["--limit", "-1"])
        try Self.refuse(["eval", "--checkpoint", "cmm-tiny", "--puzzles", Self.puzzles, "--limit", "0"], status: 64, names: ["--limit"])
    }

    @Test func hugeSizesAreRefusedWithTheFigure() throws {
        for dim in ["100000", "1000000000", "9223372036854775807"] {
            try Self.refuse(["integrate", "contraction", "--dim", dim], status: 69,
                            names: ["--dim \(dim)", "memory", "ATTRACTOR_MEMORY_LIMIT"], environment: Self.budget)
        }
        try Self.refuse(["integrate", "gbm", "--paths", "1000000000000"], status: 69,
                        names: ["--paths 1000000000000", "TiB", "4.0 GiB"], environment: Self.budget)
        // Sizes of training, datasets and benchmarks are checked before any data is built.
        let dir = try Self.temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        try Self.refuse(["train", "--model", "cmm", "--steps", "1", "--batch", "1000000000", "--out", dir + "/ck"], status: 69,
                        names: ["batch 1000000000", "memory"], environment: Self.budget)
        try Self.refuse(["data", "sudoku", "--out", dir + "/d", "--train", "100000000000"], status: 69,
                        names: ["--train 100000000000"], environment: Self.budget)
        try Self.refuse(["bench", "block", "--hidden", "1000000000"], status: 69, names: ["hidden 1000000000"], environment: Self.budget)
        // Within the budget it still runs.
        let small = try AttractorBinary.run(["integrate", "contraction", "--dim", "8"], environment: Self.budget)
        #expect(small.status == 0, "\(small.stderr)")
    }

    @Test func suiteWithHugePathsIsRefused() throws {
        let dir = try Self.temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let suite = dir + "/huge.json"
        try #"{"suite": "huge", "checks": [{"check": "sde-strong-order", "methods": ["euler-maruyama"], "paths": 1000000000000}]}"#
            .write(toFile: suite, atomically: true, encoding: .utf8)
        try Self.refuse(["validate", suite], status: 69, names: ["paths 1000000000000", "memory"], environment: Self.budget)
        try #"{"suite": "big", "checks": [{"check": "sde-strong-order", "methods": ["euler-maruyama"], "paths": 1e300}]}"#
            .write(toFile: suite, atomically: true, encoding: .utf8)
        try Self.refuse(["validate", suite], status: 65, names: ["paths"])
    }

    @Test func checkpointWithHugeHiddenIsRefused() throws {
        let dir = try Self.temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let ck = try Self.checkpointCopy(in: dir)
        let config = try String(contentsOfFile: ck + "/config.json", encoding: .utf8)
        try config.replacingOccurrences(of: "\"hidden\" : 128", with: "\"hidden\" : 1e12")
            .write(toFile: ck + "/config.json", atomically: true, encoding: .utf8)
        try Self.refuse(["eval", "--checkpoint", ck, "--puzzles", Self.puzzles, "--limit", "1"], status: 69,
                        names: ["hidden 1000000000000", "memory"], environment: Self.budget)
        try Self.refuse(["solve", "--checkpoint", ck, Self.hard], status: 69, names: ["memory"], environment: Self.budget)
        try "{\"format\": 3}".write(toFile: ck + "/config.json", atomically: true, encoding: .utf8)
        try Self.refuse(["eval", "--checkpoint", ck, "--puzzles", Self.puzzles], status: 65, names: ["config.json", "format"])
    }

    // MARK: - Silent wrong results

    @Test func emptyInputsAreErrors() throws {
        let dir = try Self.temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let empty = dir + "/empty.txt"
        try "# nothing here\n\n".write(toFile: empty, atomically: true, encoding: .utf8)
        try Self.refuse(["eval", "--checkpoint", "cmm-tiny", "--puzzles", empty], status: 65, names: [empty, "no puzzles"])
        try Self.refuse(["sudoku", "solve", "--file", empty], status: 65, names: [empty, "no puzzles"])
        try Self.refuse(["compare", "--checkpoints", "cmm-tiny", "--puzzles", empty], status: 65, names: ["no puzzles"])
    }

    @Test func nonFiniteWeightsAreRejectedNamingTheTensor() throws {
        let dir = try Self.temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let ck = try Self.checkpointCopy(in: dir)
        // Put a NaN into the first scalar of the first tensor (by offset) of model.safetensors.
        var bytes = [UInt8](try Data(contentsOf: URL(fileURLWithPath: ck + "/model.safetensors")))
        let headerLength = bytes[0..<8].enumerated().reduce(0) { $0 | Int($1.element) << (8 * $1.offset) }
        let header = try JSONSerialization.jsonObject(with: Data(bytes[8..<(8 + headerLength)])) as! [String: Any]
        let (name, _) = header.filter { $0.key != "__metadata__" }
            .map { ($0.key, (($0.value as! [String: Any])["data_offsets"] as! [Int])[0]) }
            .min { $0.1 < $1.1 }!
        let nan = Float.nan.bitPattern
        for k in 0..<4 { bytes[8 + headerLength + k] = UInt8(truncatingIfNeeded: nan >> (8 * k)) }
        try Data(bytes).write(to: URL(fileURLWithPath: ck + "/model.safetensors"))
        try Self.refuse(["eval", "--checkpoint", ck, "--puzzles", Self.puzzles, "--limit", "1"], status: 65, names: [name, "non-finite"])
        try Self.refuse(["eval", "--checkpoint", ck, "--puzzles", Self.puzzles, "--limit", "1", "--format", "json"], status: 65,
                        names: [name, "non-finite"])
        let solve = try Self.refuse(["solve", "--checkpoint", ck, Self.hard], status: 65, names: [name])
        #expect(solve.stdout.isEmpty)
    }

    @Test func puzzlesWithSeveralSolutionsNeedAFlag() throws {
        let dir = try Self.temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let file = dir + "/many.txt"
        // The hard puzzle without its first given has several solutions.
        let many = "." + Self.hard.dropFirst()
        try "\(Self.hard)\n\(many)\n".write(toFile: file, atomically: true, encoding: .utf8)
        try Self.refuse(["eval", "--checkpoint", "cmm-tiny", "--puzzles", file], status: 65, names: ["several solutions", "line 2", "--allow-multiple"])
        try Self.refuse(["compare", "--checkpoints", "cmm-tiny", "--puzzles", file, "--steps", "1"], status: 65,
                        names: ["several solutions", "--allow-multiple"])
        let allowed = try AttractorBinary.run(["eval", "--checkpoint", "cmm-tiny", "--puzzles", file, "--allow-multiple", "--format", "json"])
        #expect(allowed.status == 0, "\(allowed.stderr)")
        #expect(allowed.stderr.contains("warning") && allowed.stderr.contains("several solutions"))
        // Re-blanked (`--blanks`), the file only supplies solution grids: no flag, no warning.
        let reblanked = try AttractorBinary.run(["eval", "--checkpoint", "cmm-tiny", "--puzzles", file, "--blanks", "5", "--format", "json"])
        #expect(reblanked.status == 0 && !reblanked.stderr.contains("several solutions"), "\(reblanked.stderr)")
    }

    @Test func badBatchAndFormatAreUsageErrors() throws {
        for batch in ["0", "-5"] {
            try Self.refuse(["eval", "--checkpoint", "cmm-tiny", "--puzzles", Self.puzzles, "--batch", batch], status: 64, names: ["--batch"])
        }
        try Self.refuse(["eval", "--checkpoint", "cmm-tiny", "--puzzles", Self.puzzles, "--format", "xml"], status: 64, names: ["xml", "--format"])
    }

    @Test func directoryAsPuzzleFileIsNamed() throws {
        let dir = try Self.temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        try Self.refuse(["eval", "--checkpoint", "cmm-tiny", "--puzzles", dir], status: 66, names: [dir, "is a directory"])
        try Self.refuse(["sudoku", "solve", "--file", dir], status: 66, names: [dir, "is a directory"])
        try Self.refuse(["compare", "--checkpoints", "cmm-tiny", "--puzzles", dir], status: 66, names: ["is a directory"])
        try Self.refuse(["eval", "--checkpoint", "cmm-tiny", "--puzzles", dir + "/missing.txt"], status: 66, names: ["no such", "missing.txt"])
    }

    // MARK: - Lost work

    static func trainArguments(_ out: String) -> [String] {
        ["train", "--model", "cmm", "--blanks", "10", "--train-count", "4", "--eval-puzzles", "0", "--batch", "2", "--seed", "1", "--out", out]
    }

    @Test func trainingRefusesToOverwriteACheckpoint() throws {
        let dir = try Self.temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let out = dir + "/ck"
        let first = try AttractorBinary.run(Self.trainArguments(out) + ["--steps", "1"])
        #expect(first.status == 0, "\(first.stderr)")
        let before = try Data(contentsOf: URL(fileURLWithPath: out + "/model.safetensors"))
        let second = try Self.refuse(Self.trainArguments(out) + ["--steps", "1", "--seed", "2"], status: 73,
                                     names: [out, "already holds a checkpoint", "--overwrite", "--resume"])
        #expect(!second.stdout.contains("training"))  // refused before any work
        #expect(try Data(contentsOf: URL(fileURLWithPath: out + "/model.safetensors")) == before)
        let replaced = try AttractorBinary.run(Self.trainArguments(out) + ["--steps", "1", "--seed", "2", "--overwrite"])
        #expect(replaced.status == 0, "\(replaced.stderr)")
        try Self.refuse(Self.trainArguments(dir + "/none") + ["--steps", "1", "--resume"], status: 66, names: ["--resume", "no checkpoint"])
    }

    @Test func unwritableOutputAndBadArgumentsFailBeforeTraining() throws {
        let dir = try Self.temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let file = dir + "/a-file"
        try "x".write(toFile: file, atomically: true, encoding: .utf8)
        // A directory below a regular file can never be created (also as root).
        let r = try Self.refuse(Self.trainArguments(file + "/ck") + ["--steps", "1"], status: 73, names: [file + "/ck", "--out"])
        #expect(!r.stdout.contains("training"))
        try Self.refuse(Self.trainArguments(file) + ["--steps", "1"], status: 73, names: ["is a file"])
        try Self.refuse(Self.trainArguments(dir + "/ck") + ["--steps", "1", "--log-every", "0"], status: 64, names: ["--log-every"])
        try Self.refuse(Self.trainArguments(dir + "/ck") + ["--steps", "1", "--batch", "0"], status: 64, names: ["--batch"])
        try Self.refuse(["train", "--model", "cmm", "--steps", "1", "--data", dir + "/nothing", "--out", dir + "/ck"], status: 66, names: ["--data"])
        try Self.refuse(["data", "maze", "--out", file + "/d", "--count", "1"], status: 73, names: ["--out"])
    }

    /// Starts training, waits (by content, not by time) for the first progress line in the
    /// stdout *file* — which also shows progress is not held back in a buffer — then signals.
    func interruptedTraining(signal: Int32, expected: Int32) throws {
        let dir = try Self.temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let out = dir + "/ck", log = dir + "/stdout.txt"
        FileManager.default.createFile(atPath: log, contents: nil)
        let p = Process()
        p.executableURL = AttractorBinary.url
        p.arguments = Self.trainArguments(out) + ["--steps", "1000000", "--log-every", "1", "--save-every", "1000000"]
        p.standardOutput = try FileHandle(forWritingTo: URL(fileURLWithPath: log))
        p.standardError = FileHandle.nullDevice
        try p.run()
        var sawProgress = false
        for _ in 0..<1200 where p.isRunning {  // at most ~10 minutes on a very slow machine
            if let text = try? String(contentsOfFile: log, encoding: .utf8), text.contains("step 1 ") { sawProgress = true; break }
            usleep(100_000)
        }
        #expect(sawProgress, "no progress line appeared in the stdout file")
        kill(p.processIdentifier, signal)
        p.waitUntilExit()
        #expect(p.terminationReason == .exit)
        #expect(p.terminationStatus == expected)
        #expect(FileManager.default.fileExists(atPath: out + "/config.json"), "nothing saved")
        let text = try String(contentsOfFile: log, encoding: .utf8)
        #expect(text.contains("interrupted: saved"))
    }

    @Test func sigtermSavesAndExits143() throws { try interruptedTraining(signal: SIGTERM, expected: 143) }

    @Test func sigintSavesAndExits130() throws { try interruptedTraining(signal: SIGINT, expected: 130) }

    @Test func compareKeepsResultsWhenTheReportCannotBeWritten() throws {
        let dir = try Self.temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let file = dir + "/a-file"
        try "x".write(toFile: file, atomically: true, encoding: .utf8)
        let r = try Self.refuse(["compare", "--checkpoints", "cmm-tiny", "--puzzles", Self.puzzles, "--limit", "1", "--steps", "2",
                                 "--report", file + "/report"], status: 73, names: [file + "/report", "stdout"])
        let json = try JSONSerialization.jsonObject(with: Data(r.stdout.utf8)) as? [String: Any]
        #expect(json?["models"] != nil, "\(r.stdout)")
        // Non-finite numbers are JSON null, never the strings "nan"/"inf".
        #expect(!r.stdout.contains("\"nan\"") && !r.stdout.contains("\"inf\""))
    }

    // MARK: - Consistency

    @Test func oneErrorStyleAcrossCommands() throws {
        // Parser errors, runtime errors and integrate's errors share the prefix and the scheme.
        try Self.refuse(["integrate", "nosuch"], status: 64, names: ["unknown problem 'nosuch'"])
        try Self.refuse(["sudoku", "solve"], status: 64, names: ["PUZZLE"])
        try Self.refuse(["eval", "--checkpoint", "no-such-model", "--puzzles", Self.puzzles], status: 66, names: ["no-such-model"])
        try Self.refuse(["sudoku", "solve", "12345"], status: 65, names: ["81"])
        let help = try AttractorBinary.run(["--help"])
        #expect(help.status == 0 && help.stdout.contains("Exit status") && help.stdout.contains("ATTRACTOR_MEMORY_LIMIT"))
        #expect(help.stdout.contains("--generate-completion-script"))
    }

    @Test func validateWritesProgressOnStderr() throws {
        let dir = try Self.temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let suite = dir + "/small.json"
        try #"{"suite": "small", "checks": [{"check": "stiff-conservation", "name": "robertson", "tolerance": 1e-6, "rtol": 1e-8}]}"#
            .write(toFile: suite, atomically: true, encoding: .utf8)
        let r = try AttractorBinary.run(["validate", suite, "--format", "json"])
        #expect(r.status == 0, "\(r.stderr)")
        #expect(r.stderr.contains("[small] robertson"), "\(r.stderr)")
        #expect((try? JSONSerialization.jsonObject(with: Data(r.stdout.utf8))) != nil)
    }

    @Test func formatTextAndJSONWhereResultsArePrinted() throws {
        let solve = try AttractorBinary.run(["solve", "--checkpoint", "cmm-tiny", Self.hard, "--format", "json"])
        #expect(solve.status == 0, "\(solve.stderr)")
        let object = try JSONSerialization.jsonObject(with: Data(solve.stdout.utf8)) as? [String: Any]
        #expect((object?["answer"] as? String)?.count == 81)
        let integrate = try AttractorBinary.run(["integrate", "contraction", "--dim", "4", "--format", "text"])
        #expect(integrate.status == 0, "\(integrate.stderr)")
    }
}
