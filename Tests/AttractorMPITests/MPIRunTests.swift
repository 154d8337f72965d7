import Foundation
import Testing

/// `mpirun` on localhost: 2-rank runs against single-process runs, and the fault paths.
/// Skipped (with the reason printed) when Open MPI's `mpirun` is not installed.
enum MPIRun {
    struct Result { var status: Int32; var stdout: String; var stderr: String }

    static let mpirun: String? = {
        let path = ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin:/bin"
        for dir in path.split(separator: ":") where FileManager.default.isExecutableFile(atPath: "\(dir)/mpirun") {
            return "\(dir)/mpirun"
        }
        return nil
    }()

    static var available: Bool {
        if mpirun == nil { print("AttractorMPITests: mpirun not found on PATH; skipping the multi-rank tests (make deps installs openmpi-bin)") }
        return mpirun != nil
    }

    /// The `attractor` executable SwiftPM built beside the test runner (or `$ATTRACTOR_BINARY`).
    static var binary: String {
        if let path = ProcessInfo.processInfo.environment["ATTRACTOR_BINARY"] { return path }
        var dir = URL(fileURLWithPath: CommandLine.arguments[0]).resolvingSymlinksInPath().deletingLastPathComponent()
        for _ in 0..<5 {
            let candidate = dir.appendingPathComponent("attractor")
            if FileManager.default.isExecutableFile(atPath: candidate.path), !candidate.hasDirectoryPath { return candidate.path }
            dir = dir.deletingLastPathComponent()
        }
        return ".build/release/attractor"
    }

    /// Runs `executable arguments` under `timeout` (so a hang fails the test instead of hanging it).
    static func run(_ executable: String, _ arguments: [String], environment extra: [String: String] = [:],
                    seconds: Int = 120) throws -> Result {
        let p = Process()
        p.executableURL = URL(fileURLWithPath: "/usr/bin/timeout")
        p.arguments = ["-k", "5", "\(seconds)", executable] + arguments
        var environment = ProcessInfo.processInfo.environment
        environment["OMPI_ALLOW_RUN_AS_ROOT"] = "1"
        environment["OMPI_ALLOW_RUN_AS_ROOT_CONFIRM"] = "1"
        for (k, v) in extra { environment[k] = v }
        p.environment = environment
        // stderr goes to a file so that neither pipe can fill up while the other is read.
        let errPath = NSTemporaryDirectory() + "attractor-mpi-stderr-\(UUID().uuidString)"
        FileManager.default.createFile(atPath: errPath, contents: nil)
        defer { try? FileManager.default.removeItem(atPath: errPath) }
        let out = Pipe()
        let err = try FileHandle(forWritingTo: URL(fileURLWithPath: errPath))
        p.standardOutput = out
        p.standardError = err
        try p.run()
        let o = out.fileHandleForReading.readDataToEndOfFile()
        p.waitUntilExit()
        try? err.close()
        let e = FileManager.default.contents(atPath: errPath) ?? Data()
        return Result(status: p.terminationStatus, stdout: String(decoding: o, as: UTF8.self), stderr: String(decoding: e, as: UTF8.self))
    }

    /// `mpirun --allow-run-as-root --oversubscribe -np N [-x VAR …] attractor arguments`.
    static func attractor(ranks: Int, _ arguments: [String], export: [String: String] = [:], seconds: Int = 120) throws -> Result {
        var a = ["--allow-run-as-root", "--oversubscribe", "--mca", "mpi_yield_when_idle", "1", "-np", "\(ranks)"]
        for (k, v) in export { a += ["-x", "\(k)=\(v)"] }
        return try run(mpirun!, a + [binary] + arguments, seconds: seconds)
    }

    static func single(_ arguments: [String], environment: [String: String] = [:]) throws -> Result {
        try run(binary, arguments, environment: environment)
    }

    /// JSON without the wall-time keys (`seconds`), for comparing reports.
    static func withoutTimings(_ text: String) throws -> NSDictionary {
        func strip(_ o: Any) -> Any {
            if let d = o as? [String: Any] { return d.filter { $0.key != "seconds" }.mapValues(strip) }
            if let a = o as? [Any] { return a.map(strip) }
            return o
        }
        let object = try JSONSerialization.jsonObject(with: Data(text.utf8))
        return (strip(object) as? [String: Any] ?? [:]) as NSDictionary
    }

    static var repository: String {
        // Tests/AttractorMPITests/MPIRunTests.swift → the package root.
        URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent().path
    }
}

@Suite(.serialized, .enabled(if: MPIRun.available, "mpirun not installed"))
struct MPIRunTests {
    /// Communicator unit test over real ranks: the ordered sum equals the global-order sum bit for bit, on every rank.
    @Test func orderedSumOverRanks() throws {
        for (ranks, buffers) in [(2, 1), (2, 3)] {
            let r = try MPIRun.attractor(ranks: ranks, ["bench", "allreduce", "--floats", "10007", "--buffers-per-rank", "\(buffers)",
                                                        "--repeat", "2", "--format", "json"])
            #expect(r.status == 0, "\(r.stderr)")
            let json = try JSONSerialization.jsonObject(with: Data(r.stdout.utf8)) as? [String: Any]
            #expect(json?["ranks"] as? Int == ranks)
            #expect(json?["bit_identical_to_ordered_sum"] as? Bool == true)
            #expect(json?["identical_on_every_rank"] as? Bool == true)
        }
    }

    /// A 2-rank sharded eval prints the JSON a single process prints (wall time aside); the
    /// single process uses all cores, each rank one.
    @Test func shardedEvalEqualsSingleProcess() throws {
        let args = ["eval", "--checkpoint", "hrm-tiny", "--puzzles", MPIRun.repository + "/Data/sudoku/magictour_top1465.txt",
                    "--blanks", "10", "--limit", "4", "--batch", "2", "--format", "json"]
        let one = try MPIRun.single(args)
        let two = try MPIRun.attractor(ranks: 2, args)
        #expect(one.status == 0, "\(one.stderr)")
        #expect(two.status == 0, "\(two.stderr)")
        #expect(try MPIRun.withoutTimings(one.stdout) == MPIRun.withoutTimings(two.stdout), "\(one.stdout)\n\(two.stdout)")
        #expect(two.stdout.split(separator: "\n").count == 1, "only rank 0 prints")
    }

    /// A 2-rank sharded validate gives the single-process report (timings aside).
    @Test func shardedValidateEqualsSingleProcess() throws {
        let args = ["validate", "solvers", "--format", "json"]
        let one = try MPIRun.single(args)
        let two = try MPIRun.attractor(ranks: 2, args)
        #expect(one.status == 0, "\(one.stderr)")
        #expect(two.status == 0, "\(two.stderr)")
        #expect(try MPIRun.withoutTimings(one.stdout) == MPIRun.withoutTimings(two.stdout))
    }

    /// A 2-rank compare (one checkpoint per rank) gives the single-process report, wall times aside.
    @Test func shardedCompareEqualsSingleProcess() throws {
        let args = ["compare", "--checkpoints", "trm-tiny,hrm-tiny", "--puzzles", MPIRun.repository + "/Data/sudoku/magictour_top1465.txt",
                    "--blanks", "10", "--limit", "2", "--steps", "2", "--format", "json"]
        let one = try MPIRun.single(args)
        let two = try MPIRun.attractor(ranks: 2, args)
        #expect(one.status == 0, "\(one.stderr)")
        #expect(two.status == 0, "\(two.stderr)")
        func models(_ text: String) throws -> [NSDictionary] {
            let json = try JSONSerialization.jsonObject(with: Data(text.utf8)) as? [String: Any]
            return (json?["models"] as? [[String: Any]] ?? []).map { $0.filter { $0.key != "secondsPerPuzzle" } as NSDictionary }
        }
        #expect(try models(one.stdout).count == 2)
        #expect(try models(one.stdout) == models(two.stdout))
        let agreement = { (t: String) in (try? JSONSerialization.jsonObject(with: Data(t.utf8)) as? [String: Any])?["agreement"] as? [[Double]] }
        #expect(agreement(one.stdout) != nil && agreement(one.stdout) == agreement(two.stdout))
    }

    /// Three training steps on 2 ranks write the same checkpoint bytes and losses as one process
    /// with the same global batch and shards; resuming the 2-rank run on 1 rank continues it exactly.
    @Test func trainingOnTwoRanksEqualsOneProcess() throws {
        let dir = NSTemporaryDirectory() + "attractor-mpi-train-\(UUID().uuidString)"
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let common = ["train", "--model", "hrm", "--preset", "tiny", "--blanks", "4", "--train-count", "16", "--eval-puzzles", "0",
                      "--batch", "8", "--shards", "4", "--seed", "1", "--log-every", "1", "--threads", "1"]
        let one = try MPIRun.single(common + ["--steps", "3", "--out", dir + "/one"])
        let two = try MPIRun.attractor(ranks: 2, common + ["--steps", "3", "--out", dir + "/two"])
        #expect(one.status == 0, "\(one.stderr)")
        #expect(two.status == 0, "\(two.stderr)")
        func losses(_ s: String) -> [String] {
            s.split(separator: "\n").filter { $0.hasPrefix("step ") }.map { String($0[$0.range(of: "loss")!.lowerBound...].prefix(60)) }
        }
        #expect(losses(one.stdout).count == 3)
        #expect(losses(one.stdout) == losses(two.stdout))
        for file in ["model.safetensors", "state.safetensors"] {
            let a = FileManager.default.contents(atPath: "\(dir)/one/\(file)"), b = FileManager.default.contents(atPath: "\(dir)/two/\(file)")
            #expect(a != nil && a == b, "\(file) differs")
        }
        // 2 ranks for 2 steps, then 1 process to step 3: the same state as 3 steps anywhere.
        let first = try MPIRun.attractor(ranks: 2, common + ["--steps", "2", "--out", dir + "/mixed"])
        #expect(first.status == 0, "\(first.stderr)")
        let rest = try MPIRun.single(common + ["--steps", "3", "--resume", "--out", dir + "/mixed"])
        #expect(rest.status == 0, "\(rest.stderr)")
        #expect(FileManager.default.contents(atPath: dir + "/mixed/state.safetensors") == FileManager.default.contents(atPath: dir + "/one/state.safetensors"))
    }

    /// A rank killed by SIGKILL ends the job with a non-zero status, without hanging (timeout 60 s → 124).
    @Test func killedRankEndsTheJob() throws {
        let args = ["eval", "--checkpoint", "hrm-tiny", "--puzzles", MPIRun.repository + "/Data/sudoku/magictour_top1465.txt",
                    "--blanks", "10", "--limit", "4", "--batch", "2", "--format", "json"]
        let r = try MPIRun.attractor(ranks: 2, args, export: ["ATTRACTOR_MPI_TEST_DIE_RANK": "1"], seconds: 60)
        #expect(r.status != 0)
        #expect(r.status != 124, "timed out: the job hung")
        #expect(r.stdout.isEmpty)
        #expect(r.stderr.contains("rank 1"), "\(r.stderr)")
    }

    /// Ranks started with different arguments stop at once: rank 0 names the rank that differs.
    @Test func mismatchedConfigurationIsRejected() throws {
        let args = ["eval", "--checkpoint", "hrm-tiny", "--puzzles", MPIRun.repository + "/Data/sudoku/magictour_top1465.txt",
                    "--blanks", "10", "--format", "json", "--limit"]
        let r = try MPIRun.run(MPIRun.mpirun!, ["--allow-run-as-root", "--oversubscribe", "-np", "1", MPIRun.binary] + args + ["8"]
                               + [":", "-np", "1", MPIRun.binary] + args + ["7"], seconds: 60)
        #expect(r.status != 0 && r.status != 124)
        #expect(r.stderr.contains("rank 1"), "\(r.stderr)")
        #expect(r.stderr.contains("different configuration"), "\(r.stderr)")
        #expect(r.stdout.isEmpty)
    }

    /// Plain `attractor` (no launcher) never starts MPI: no Open MPI output on either stream.
    @Test func plainRunDoesNotStartMPI() throws {
        let r = try MPIRun.single(["bench", "allreduce", "--floats", "100", "--repeat", "1"])
        #expect(r.status == 0, "\(r.stderr)")
        #expect(r.stdout.contains("1 ranks"))
        #expect(r.stderr.isEmpty, "\(r.stderr)")
    }
}
