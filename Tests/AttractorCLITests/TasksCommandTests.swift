import Foundation
import Testing

/// `attractor sudoku …` and `attractor data …` through the real binary.
@Suite struct TasksCommandTests {
    static let hard = "........8..3...4...9..2..6.....79.......612...6.5.2.7...8...5...1.....2.4.5.....3"
    static let hardSolution = "621943758783615492594728361142879635357461289869532174238197546916354827475286913"
    static let repository = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
        .deletingLastPathComponent().deletingLastPathComponent().path

    static func temporaryDirectory() throws -> String {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("attractor-cli-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        return dir
    }

    static func jsonLines(_ text: String) throws -> [[String: Any]] {
        try text.split(separator: "\n").map {
            try #require(try JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: Any])
        }
    }

    @Test func solveJSONReportsSolutionGuessesAndTime() throws {
        let r = try AttractorBinary.run(["sudoku", "solve", Self.hard, "--format", "json"])
        #expect(r.status == 0)
        let obj = try #require(try Self.jsonLines(r.stdout).first)
        #expect(obj["puzzle"] as? String == Self.hard)
        #expect(obj["solution"] as? String == Self.hardSolution)
        #expect(obj["solutions"] as? String == "unique")
        #expect((obj["guesses"] as? Int ?? 0) > 0)
        #expect(obj["microseconds"] is NSNumber)
    }

    @Test func solveGridPrintsReadableBoard() throws {
        let r = try AttractorBinary.run(["sudoku", "solve", Self.hard, "--format", "grid"])
        #expect(r.status == 0)
        #expect(r.stdout.contains("6 2 1 | 9 4 3 | 7 5 8"))
        #expect(r.stdout.contains("------+-------+------"))
        #expect(r.stdout.contains("unique"))
    }

    @Test func solveFileKeepsInputOrderAndReportsNoneAndMultiple() throws {
        let dir = try Self.temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let none = "12345678." + "........9" + String(repeating: ".", count: 63)
        let many = String(repeating: ".", count: 81)
        try "# three puzzles\n\(Self.hard)\n\(none)\n\n\(many)\n".write(toFile: dir + "/p.txt", atomically: true, encoding: .utf8)
        let r = try AttractorBinary.run(["sudoku", "solve", "--file", dir + "/p.txt", "--format", "json"])
        #expect(r.status == 0)
        let lines = try Self.jsonLines(r.stdout)
        #expect(lines.map { $0["puzzle"] as? String } == [Self.hard, none, many])
        #expect(lines.map { $0["solutions"] as? String } == ["unique", "none", "multiple"])
        #expect(lines[1]["solution"] is NSNull)
        // Several solutions: one is printed (and "solutions" says it is not unique) ...
        #expect((lines[2]["solution"] as? String)?.count == 81)
        // ... unless --unique keeps the strict behaviour.
        let strict = try AttractorBinary.run(["sudoku", "solve", "--file", dir + "/p.txt", "--format", "json", "--unique"])
        #expect(strict.status == 0)
        #expect(try Self.jsonLines(strict.stdout)[2]["solution"] is NSNull)
    }

    @Test func malformedInputNamesLineAndReason() throws {
        let dir = try Self.temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        try "\(Self.hard)\n\(Self.hard.dropLast())\n\(Self.hardSolution)\n".write(toFile: dir + "/p.txt", atomically: true, encoding: .utf8)
        let strict = try AttractorBinary.run(["sudoku", "solve", "--file", dir + "/p.txt", "--format", "json"])
        #expect(strict.status != 0)
        #expect(strict.stderr.contains("line 2: wrong length: 80 cells, expected 81"))
        #expect(strict.stdout.isEmpty)
        let lenient = try AttractorBinary.run(["sudoku", "solve", "--file", dir + "/p.txt", "--format", "json", "--skip-invalid"])
        #expect(lenient.status == 0)
        #expect(lenient.stderr.contains("skipped line 2: wrong length"))
        #expect(try Self.jsonLines(lenient.stdout).count == 2)

        let bad = try AttractorBinary.run(["sudoku", "solve", "11" + String(repeating: ".", count: 79)])
        #expect(bad.status != 0)
        #expect(bad.stderr.contains("contradictory givens: digit 1 appears twice in row 1"))
        let missing = try AttractorBinary.run(["sudoku", "solve", "--file", dir + "/nope.txt"])
        #expect(missing.status != 0)
        #expect(missing.stderr.contains("no such file"))
        let both = try AttractorBinary.run(["sudoku", "solve", Self.hard, "--file", dir + "/p.txt"])
        #expect(both.status != 0)
    }

    @Test func rateAndGenerateAreSeededAndConsistent() throws {
        let g1 = try AttractorBinary.run(["sudoku", "generate", "--count", "3", "--blanks", "45", "--seed", "7", "--format", "line"])
        let g2 = try AttractorBinary.run(["sudoku", "generate", "--count", "3", "--blanks", "45", "--seed", "7", "--format", "line"])
        #expect(g1.status == 0)
        #expect(g1.stdout == g2.stdout)
        let rows = g1.stdout.split(separator: "\n").map { $0.split(separator: "\t") }
        #expect(rows.count == 3)
        #expect(rows.allSatisfy { $0[0].filter { $0 == "." }.count == 45 })
        // Rating through `rate` agrees with the generator's rating.
        let dir = try Self.temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        try rows.map { String($0[0]) }.joined(separator: "\n").write(toFile: dir + "/g.txt", atomically: true, encoding: .utf8)
        let rate = try AttractorBinary.run(["sudoku", "rate", "--file", dir + "/g.txt"])
        #expect(rate.status == 0)
        #expect(rate.stdout.split(separator: "\n").map { String($0.split(separator: "\t")[1]) } == rows.map { String($0[2]) })
        let invalid = try AttractorBinary.run(["sudoku", "generate", "--count", "1", "--seed", "1"])
        #expect(invalid.status != 0)
        #expect(invalid.stderr.contains("--blanks or --min-rating"))
    }

    @Test func dataMazeIsDeterministic() throws {
        let a = try Self.temporaryDirectory(), b = try Self.temporaryDirectory()
        defer { for d in [a, b] { try? FileManager.default.removeItem(atPath: d) } }
        for dir in [a, b] {
            let r = try AttractorBinary.run(["data", "maze", "--out", dir, "--count", "3", "--test", "2", "--min-path", "30", "--size", "14", "--seed", "5"])
            #expect(r.status == 0, "\(r.stderr)")
            #expect(r.stdout.contains("3 training examples, 2 test mazes"))
        }
        for f in ["train.safetensors", "test.safetensors", "dataset.json"] {
            let x = FileManager.default.contents(atPath: a + "/" + f)
            #expect(x != nil && x == FileManager.default.contents(atPath: b + "/" + f), "\(f)")
        }
    }

    @Test func dataSudokuBuildsFromAFolderAndFailsClearlyWithoutOne() throws {
        let data = try Self.temporaryDirectory(), out = try Self.temporaryDirectory()
        defer { for d in [data, out] { try? FileManager.default.removeItem(atPath: d) } }
        for name in ["17_clue", "magictour_top1465", "forum_hardest_1106", "forum_hardest_1905_11plus", "serg_benchmark"] {
            let text = try String(contentsOfFile: Self.repository + "/Data/sudoku/\(name).txt", encoding: .utf8)
            let lines = text.split(separator: "\n").filter { $0.count == 81 && !$0.hasPrefix("#") }.prefix(15).map(String.init)
            try lines.joined(separator: "\n").write(toFile: data + "/\(name).txt", atomically: true, encoding: .utf8)
        }
        let r = try AttractorBinary.run(["data", "sudoku", "--out", out, "--train", "20", "--seed", "3", "--data", data])
        #expect(r.status == 0, "\(r.stderr)")
        #expect(r.stdout.contains("20 training examples, 40 test puzzles"))
        #expect(r.stderr.contains("training: 20 puzzles"))
        #expect(FileManager.default.fileExists(atPath: out + "/test_forum_hardest_1106.safetensors"))
        let missing = try AttractorBinary.run(["data", "sudoku", "--out", out, "--data", data + "/absent"])
        #expect(missing.status != 0)
        #expect(missing.stderr.contains("puzzle folder not found"))
    }
}
