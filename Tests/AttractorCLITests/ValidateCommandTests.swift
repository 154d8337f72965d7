import Foundation
import Testing

@Suite struct ValidateCommandTests {
    static let repository = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent()

    func temporaryDirectory() throws -> URL {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("attractor-validate-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        return dir
    }

    @Test func multistableSuiteWritesAReportAndPasses() throws {
        let dir = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let suite = Self.repository.appendingPathComponent("Validation/multistable.json").path
        let r = try AttractorBinary.run(["validate", suite, "--report", dir.path, "--format", "json", "--limit", "64"])
        #expect(r.status == 0, "stderr: \(r.stderr)")
        let json = try JSONSerialization.jsonObject(with: Data(r.stdout.utf8)) as? [String: Any]
        let suites = try #require(json?["suites"] as? [[String: Any]])
        #expect(suites.first?["suite"] as? String == "multistable" && suites.first?["passed"] as? Bool == true)
        let html = try String(contentsOf: dir.appendingPathComponent("index.html"), encoding: .utf8)
        #expect(html.contains("<svg") && html.contains("Basin sizes"))
        #expect(FileManager.default.fileExists(atPath: dir.appendingPathComponent("report.json").path))
    }

    @Test func failingSuiteExitsNonZero() throws {
        let dir = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let file = dir.appendingPathComponent("strict.json")
        try Data(#"{"suite": "strict", "checks": [{"check": "ode-order", "methods": ["heun"], "tolerance": 1e-9}]}"#.utf8).write(to: file)
        let r = try AttractorBinary.run(["validate", file.path])
        #expect(r.status == 1)
        #expect(r.stdout.contains("heun observed order") && r.stdout.contains("FAIL"))
    }

    @Test func badSuiteAndCheckpointAreClearErrors() throws {
        let dir = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let file = dir.appendingPathComponent("bad.json")
        try Data(#"{"suite": "bad", "checks": [{"check": "ode-order", "tolerence": 1}]}"#.utf8).write(to: file)
        let bad = try AttractorBinary.run(["validate", file.path])
        #expect(bad.status != 0 && bad.stderr.contains("unknown key 'tolerence'"), "\(bad.stderr)")
        let equilibrium = Self.repository.appendingPathComponent("Validation/equilibrium.json").path
        let cp = try AttractorBinary.run(["validate", equilibrium, "--checkpoint", "cmm-tiny"])
        #expect(cp.status == 64 && cp.stderr.contains("needs --puzzles"), "\(cp.stderr)")  // bad command line
        let puzzles = dir.appendingPathComponent("p.txt")
        try Data("534678912672195348198342567859761423426853791713924856961537284287419635345286170\n".utf8).write(to: puzzles)
        let missing = try AttractorBinary.run(["validate", equilibrium, "--checkpoint", dir.appendingPathComponent("nope").path,
                                               "--puzzles", puzzles.path])
        #expect(missing.status == 66 && missing.stderr.contains("checkpoint"), "\(missing.stderr)")  // missing input
        let blanksAlone = try AttractorBinary.run(["validate", equilibrium, "--blanks", "10"])
        #expect(blanksAlone.status != 0 && blanksAlone.stderr.contains("--blanks need --checkpoint"), "\(blanksAlone.stderr)")
        let badBlanks = try AttractorBinary.run(["validate", equilibrium, "--checkpoint", "cmm-tiny", "--puzzles", puzzles.path, "--blanks", "70"])
        #expect(badBlanks.status != 0 && badBlanks.stderr.contains("--blanks must be in 0…64"), "\(badBlanks.stderr)")
    }

    /// `--blanks K` binds the checkpoint to ladder puzzles of the file's solutions: the
    /// per-puzzle basins check reports on every bound puzzle.
    @Test func equilibriumOnHeldOutLadderPuzzles() throws {
        let dir = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let suite = dir.appendingPathComponent("basins.json")
        try Data(#"""
        {"suite": "b", "target": {"field": "contraction", "dimension": 4},
         "checks": [{"check": "basins", "checkpoint": {"samples": 2, "puzzles": 2, "max_steps": 2, "relative": true,
                                                        "tolerance": 1e9, "cluster_tolerance": 1e9, "expect_distinct": 1}}]}
        """#.utf8).write(to: suite)
        let puzzles = Self.repository.appendingPathComponent("Data/sudoku/magictour_top1465.txt").path
        let r = try AttractorBinary.run(["validate", suite.path, "--checkpoint", "cmm-tiny", "--puzzles", puzzles,
                                         "--blanks", "10", "--limit", "2", "--quiet"])
        #expect(r.status == 0, "\(r.stderr)")
        #expect(r.stdout.contains("puzzles with one end point: 1") && r.stdout.contains("2 puzzles, each from 2 random initial latents"),
                "\(r.stdout)")
    }

    /// `--threads N` spreads a checkpoint's segment map over N workers and changes no
    /// figure (the measurements of 1 and 2 threads are equal); 0 is refused.
    @Test func threadsChangeNoMeasurement() throws {
        let dir = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let suite = dir.appendingPathComponent("basins.json")
        try Data(#"""
        {"suite": "b", "target": {"field": "contraction", "dimension": 4},
         "checks": [{"check": "basins", "checkpoint": {"samples": 3, "puzzles": 3, "max_steps": 3, "relative": true,
                                                        "tolerance": 1e-6, "cluster_tolerance": 1e-3}}]}
        """#.utf8).write(to: suite)
        let puzzles = Self.repository.appendingPathComponent("Data/sudoku/magictour_top1465.txt").path
        func measurements(_ threads: String) throws -> [String] {
            let r = try AttractorBinary.run(["validate", suite.path, "--checkpoint", "cmm-tiny", "--puzzles", puzzles,
                                             "--blanks", "30", "--limit", "3", "--threads", threads, "--quiet"])
            #expect(r.status == 0, "\(r.stderr)")
            return r.stdout.split(separator: "\n").filter { $0.hasPrefix("   ") }.map(String.init)
        }
        let one = try measurements("1"), two = try measurements("2")
        #expect(one.count >= 4 && one == two, "\(one) vs \(two)")
        let zero = try AttractorBinary.run(["validate", suite.path, "--checkpoint", "cmm-tiny", "--puzzles", puzzles, "--threads", "0"])
        #expect(zero.status != 0 && zero.stderr.contains("--threads must be at least 1"), "\(zero.stderr)")
    }
}
