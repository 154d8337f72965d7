import AttractorNumerics
import AttractorStability
import AttractorTasks
import Foundation
import Testing

/// Seeded random and mutated inputs for every parser of outside data: puzzle text, the
/// safetensors header and data, validation suite JSON and maze datasets. Each case must
/// either parse or be rejected with the parser's typed error; a crash fails the whole run.
/// The fixed seeds make every run the same cases (no timing involved).
@Suite struct ParserFuzzTests {
    /// SplitMix64: small, seeded, the same on every platform.
    struct Random {
        var state: UInt64
        mutating func next() -> UInt64 {
            state &+= 0x9E37_79B9_7F4A_7C15
            var z = state
            z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
            z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
            return z ^ (z >> 31)
        }
        mutating func below(_ n: Int) -> Int { n <= 0 ? 0 : Int(next() % UInt64(n)) }
        mutating func chance(_ p: Double) -> Bool { Double(next() >> 11) / Double(1 << 53) < p }
    }

    /// Tokens that often break parsers: huge and negative numbers, NaN-like words, quotes, nesting.
    static let interesting: [String] = [
        "0", "-1", "1e308", "-1e308", "1e12", "9223372036854775807", "18446744073709551616", "1.5", "NaN", "null",
        "true", "\"", "\\", "\\u0000", "{", "}", "[", "]", ",", ":", "[[[[[[[[", "\"\":\"\"", "\u{0}", "\u{FFFD}", "#",
        ".", "|", "-+-", "\n", "\r\n", "\t", " ", "𝟙", "é",
    ]

    /// One random mutation of `bytes`: flip, insert, delete, duplicate, truncate or splice a token.
    static func mutate(_ bytes: [UInt8], _ r: inout Random) -> [UInt8] {
        var b = bytes
        let rounds = 1 + r.below(4)
        for _ in 0..<rounds {
            switch r.below(7) {
            case 0 where !b.isEmpty: b[r.below(b.count)] ^= UInt8(1 << r.below(8))
            case 1: b.insert(UInt8(truncatingIfNeeded: r.next()), at: r.below(b.count + 1))
            case 2 where !b.isEmpty:
                let i = r.below(b.count), n = min(b.count - i, 1 + r.below(16))
                b.removeSubrange(i..<(i + n))
            case 3 where !b.isEmpty:
                let i = r.below(b.count), n = min(b.count - i, 1 + r.below(32))
                b.insert(contentsOf: b[i..<(i + n)], at: r.below(b.count + 1))
            case 4: b = Array(b.prefix(r.below(b.count + 1)))
            case 5:
                let token = Array(interesting[r.below(interesting.count)].utf8)
                b.insert(contentsOf: token, at: r.below(b.count + 1))
            default:
                // Replace a run of digits by an interesting number.
                if let i = b.indices.dropFirst(r.below(max(b.count, 1))).first(where: { (48...57).contains(b[$0]) }) {
                    var j = i
                    while j < b.count, (48...57).contains(b[j]) || b[j] == 46 || b[j] == 101 { j += 1 }
                    b.replaceSubrange(i..<j, with: Array(interesting[r.below(10)].utf8))
                }
            }
        }
        return b
    }

    static let repository = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent()

    // MARK: - Puzzle text

    @Test func puzzleTextParser() throws {
        let text = try String(contentsOf: Self.repository.appendingPathComponent("Data/sudoku/magictour_top1465.txt"), encoding: .utf8)
        let lines = text.split(separator: "\n").prefix(12).map(String.init)
        let grid = """
            4 . . | . . . | 8 . 5
            . 3 . | . . . | . . .
            . . . | 7 . . | . . .
            ------+-------+------
            . 2 . | . . . | . 6 .
            . . . | . 8 . | 4 . .
            . . . | . 1 . | . . .
            ------+-------+------
            . . . | 6 . 3 | . 7 .
            5 . . | 2 . . | . . .
            1 . 4 | . . . | . . .
            """
        let seeds = [lines.joined(separator: "\n"), grid, "# comment\n" + lines[0], lines[0] + "\n\n" + grid]
        var r = Random(state: 14)
        var cases = 0, accepted = 0, rejected = 0
        for _ in 0..<4000 {
            let source = Array(seeds[r.below(seeds.count)].utf8)
            let mutated = r.chance(0.1) ? (0..<r.below(400)).map { _ in UInt8(truncatingIfNeeded: r.next()) } : Self.mutate(source, &r)
            let input = String(decoding: mutated, as: UTF8.self)
            cases += 1
            do {
                let c = try SudokuParser.parseCollection(input, skipInvalid: r.chance(0.5))
                #expect(c.puzzles.count == c.lines.count)
                accepted += 1
            } catch {
                // `error` is a SudokuInputError (typed throws); its text names a reason.
                #expect(!error.description.isEmpty)
                rejected += 1
            }
            do { _ = try SudokuParser.parsePuzzle(String(input.prefix(120))) } catch { #expect(!error.description.isEmpty) }
        }
        #expect(cases == 4000 && accepted > 0 && rejected > 0, "accepted \(accepted), rejected \(rejected)")
    }

    // MARK: - Safetensors

    @Test func safetensorsReader() throws {
        var archive = SafetensorsArchive(metadata: ["format": "fuzz"])
        try archive.set("weights", shape: [3, 4], scalars: (0..<12).map { Float($0) })
        try archive.set("tokens", shape: [2, 5], scalars: (0..<10).map { UInt8($0) })
        try archive.set("counters", shape: [2], scalars: [Int64(7), Int64(-1)])
        let valid = archive.serialized()
        var r = Random(state: 15)
        var accepted = 0, rejected = 0
        for i in 0..<5000 {
            var bytes: [UInt8]
            if i % 10 == 9 {
                // A random header of an announced length.
                let header = Self.mutate(Array(#"{"a":{"dtype":"F32","shape":[1],"data_offsets":[0,4]}}"#.utf8), &r)
                var length = UInt64(header.count)
                if r.chance(0.2) { length = r.next() }
                bytes = withUnsafeBytes(of: length.littleEndian) { Array($0) } + header + [0, 0, 128, 63]
            } else {
                bytes = Self.mutate(valid, &r)
            }
            do {
                let parsed = try SafetensorsArchive(bytes: bytes)
                for name in parsed.names {
                    _ = try? parsed.scalars(name, as: Float.self)
                    _ = try? parsed.scalars(name, as: UInt8.self)
                    _ = try? parsed.scalars(name, as: Int64.self)
                }
                accepted += 1
            } catch {
                #expect(!error.description.isEmpty)  // a SafetensorsError (typed throws)
                rejected += 1
            }
        }
        #expect(accepted + rejected == 5000 && rejected > 0, "accepted \(accepted), rejected \(rejected)")
    }

    // MARK: - Validation suites

    @Test func suiteJSONParser() throws {
        let dir = Self.repository.appendingPathComponent("Validation")
        let seeds = try ["solvers", "gradients", "equilibrium", "multistable"].map {
            try Array(Data(contentsOf: dir.appendingPathComponent("\($0).json")))
        }
        var r = Random(state: 16)
        var accepted = 0, rejected = 0
        for _ in 0..<3000 {
            let bytes = Self.mutate(seeds[r.below(seeds.count)], &r)
            do {
                _ = try ValidationSuite.parse(Data(bytes), file: "fuzz.json")
                accepted += 1
            } catch {
                switch error {
                case .invalidSuite(let file, let reason): #expect(file == "fuzz.json" && !reason.isEmpty)
                default: Issue.record("unexpected error kind: \(error)")
                }
                rejected += 1
            }
        }
        #expect(accepted + rejected == 3000 && accepted > 0 && rejected > 0, "accepted \(accepted), rejected \(rejected)")
    }

    // MARK: - Maze datasets

    @Test func mazeDatasetReader() throws {
        var options = MazeDatasetBuilder.Options()
        options.trainCount = 3
        options.testCount = 1
        options.size = 7
        options.pathLongerThan = 0
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("attractor-fuzz-\(getpid())").path
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let result = try MazeDatasetBuilder().build(options)
        try MazeDatasetBuilder.write(result, options: options, to: dir)
        let valid = Array(try Data(contentsOf: URL(fileURLWithPath: dir + "/train.safetensors")))
        #expect(try MazeDatasetBuilder.decode(valid, size: 7).count == result.train.count)
        var r = Random(state: 17)
        var accepted = 0, rejected = 0
        for _ in 0..<3000 {
            let bytes = Self.mutate(valid, &r)
            let size = r.chance(0.9) ? 7 : [0, 1, 2, 3, 30, 5000][r.below(6)]
            do {
                _ = try MazeDatasetBuilder.decode(bytes, size: size, path: "fuzz.safetensors")
                accepted += 1
            } catch {
                #expect(error is TokenTensorFileError, "untyped rejection: \(error)")
                rejected += 1
            }
        }
        #expect(accepted + rejected == 3000 && rejected > 0, "accepted \(accepted), rejected \(rejected)")
    }
}
