import Foundation
import Testing

/// `attractor compare` on the bundled checkpoints: one continuous and one discrete model on
/// the same few puzzles, JSON report and HTML written.
@Suite struct CompareCommandTests {
    @Test func bundledModelsSideBySide() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("attractor-compare-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: dir) }
        let r = try AttractorBinary.run([
            "compare", "--checkpoints", "cmm-tiny,hrm-tiny", "--puzzles", Self.puzzleFile,
            "--blanks", "10", "--limit", "2", "--steps", "4", "--report", dir.path, "--format", "json",
        ])
        #expect(r.status == 0, "\(r.stderr)")
        let html = try String(contentsOf: dir.appendingPathComponent("index.html"), encoding: .utf8)
        #expect(html.contains("<svg") && html.contains("cmm-tiny") && html.contains("hrm-tiny"))
        let json = try JSONSerialization.jsonObject(with: Data(contentsOf: dir.appendingPathComponent("report.json")))
        #expect(json is [String: Any])
        #expect(r.stdout.contains("cmm-tiny") && r.stdout.contains("hrm-tiny"))
    }

    @Test func unknownCheckpointIsAClearError() throws {
        let r = try AttractorBinary.run(["compare", "--checkpoints", "cmm-tiny,no-such-model", "--puzzles", Self.puzzleFile, "--limit", "1"])
        #expect(r.status != 0)
        #expect(r.stderr.contains("no-such-model"), "\(r.stderr)")
    }

    static var puzzleFile: String {
        URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent().appendingPathComponent("Data/sudoku/magictour_top1465.txt").path
    }
}
