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

    /// `--stability-puzzles N`: ρ(J) at the end points of the first N puzzles, counted in
    /// the text table's last column; a negative count is refused.
    @Test func spectralRadiusOverTheChosenNumberOfPuzzles() throws {
        let r = try AttractorBinary.run([
            "compare", "--checkpoints", "cmm-tiny", "--puzzles", Self.puzzleFile,
            "--blanks", "10", "--limit", "3", "--steps", "2", "--stability-puzzles", "3", "--format", "json",
        ])
        #expect(r.status == 0, "\(r.stderr)")
        let json = try #require(try JSONSerialization.jsonObject(with: Data(r.stdout.utf8)) as? [String: Any])
        let models = try #require(json["models"] as? [[String: Any]])
        let radii = try #require(models.first?["spectralRadius"] as? [Any])
        #expect(radii.count == 3)
        let text = try AttractorBinary.run([
            "compare", "--checkpoints", "cmm-tiny", "--puzzles", Self.puzzleFile,
            "--blanks", "10", "--limit", "2", "--steps", "2", "--stability-puzzles", "1",
        ])
        #expect(text.status == 0 && text.stdout.contains("ρ(J)<1"),
                "\(text.stdout)")
        #expect(text.stdout.split(separator: "\n").contains { $0.hasPrefix("cmm-tiny") && ($0.hasSuffix("1/1") || $0.hasSuffix("0/1")) },
                "\(text.stdout)")
        let bad = try AttractorBinary.run(["compare", "--checkpoints", "cmm-tiny", "--puzzles", Self.puzzleFile, "--stability-puzzles", "-1"])
        #expect(bad.status != 0 && bad.stderr.contains("--stability-puzzles"), "\(bad.stderr)")
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
