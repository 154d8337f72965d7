import Foundation
import Testing
import AttractorNumerics
import AttractorTasks

@Suite struct DatasetTests {
    /// A small data folder: samples of each collection plus a planted transformed duplicate of
    /// a magictour puzzle inside forum_hardest_1106 (to check cross-source disjointness).
    static func makeDataFolder() throws -> String {
        let dir = try TestData.temporaryDirectory()
        for name in SudokuDatasetBuilder.labelledSources + [SudokuDatasetBuilder.gridSource] {
            let n = name == "forum_hardest_1106" || name == "forum_hardest_1905_11plus" ? 12 : 40
            var lines = try TestData.sample(name, count: n).map(\.line)
            if name == "forum_hardest_1106" {
                let magic = try TestData.sample("magictour_top1465", count: 40)
                for p in magic { lines.append(SudokuTransform.random(using: RandomSource(seed: 99)).apply(p).line) }
            }
            try ("# test sample\n" + lines.joined(separator: "\n") + "\n")
                .write(toFile: dir + "/" + name + ".txt", atomically: true, encoding: .utf8)
        }
        return dir
    }

    @Test func splitIsDisjointUnderTheGroupAndLabelsAreExact() throws {
        let data = try Self.makeDataFolder()
        defer { try? FileManager.default.removeItem(atPath: data) }
        var options = SudokuDatasetBuilder.Options()
        options.trainCount = 30
        options.seed = 4
        options.augmentations = 2
        let result = try SudokuDatasetBuilder(dataDirectory: data).build(options)
        #expect(result.train.count == 90)
        #expect(Set(result.trainGroups).count == 30)
        // Every source contributes to training (quotas by size).
        #expect(Set(result.train.map(\.source)).count == 4)
        let solver = SudokuSolver()
        let originals = stride(from: 0, to: result.train.count, by: 3).map { result.train[$0] }
        for item in result.train + result.tests.flatMap({ $0 }) {
            #expect(item.solution.isSolution(of: item.puzzle))
            #expect(solver.solve(item.puzzle).solution == item.solution)
        }
        for test in result.tests.flatMap({ $0 }) {
            for train in originals {
                #expect(!SudokuEquivalence.areEquivalent(train.puzzle, test.puzzle))
            }
        }
        // The planted copies of magictour puzzles chosen for training are not in the 1106 test set.
        let magicInTrain = originals.filter { $0.source == 1 }
        #expect(!magicInTrain.isEmpty)
        let test1106 = Set(result.tests[2].map(\.puzzle))
        for item in magicInTrain {
            let planted = SudokuTransform.random(using: RandomSource(seed: 99)).apply(item.puzzle)
            #expect(!test1106.contains(planted))
        }
        #expect(result.droppedEquivalent[2] > 0)
        // Augmented copies keep validity and map the solution.
        for k in 0..<result.train.count where k % 3 != 0 {
            #expect(result.train[k].solution.isSolution(of: result.train[k].puzzle))
            #expect(SudokuEquivalence.areEquivalent(result.train[k].puzzle, result.train[k - k % 3].puzzle))
        }
    }

    @Test func writtenFilesAreByteIdenticalForOneSeedAndReadBack() throws {
        let data = try Self.makeDataFolder()
        let outA = try TestData.temporaryDirectory(), outB = try TestData.temporaryDirectory()
        defer { for d in [data, outA, outB] { try? FileManager.default.removeItem(atPath: d) } }
        var options = SudokuDatasetBuilder.Options()
        options.trainCount = 20
        options.seed = 11
        options.ladderGrids = 2
        options.ladderBlanks = [20, 45]
        let builder = SudokuDatasetBuilder(dataDirectory: data)
        let result = try builder.build(options)
        try SudokuDatasetBuilder.write(result, options: options, to: outA)
        try SudokuDatasetBuilder.write(try builder.build(options), options: options, to: outB)
        let files = try FileManager.default.contentsOfDirectory(atPath: outA).sorted()
        #expect(files == ["dataset.json", "ladder.safetensors", "test_17_clue.safetensors", "test_forum_hardest_1106.safetensors",
                          "test_forum_hardest_1905_11plus.safetensors", "test_magictour_top1465.safetensors", "train.safetensors"])
        for f in files {
            #expect(FileManager.default.contents(atPath: outA + "/" + f) == FileManager.default.contents(atPath: outB + "/" + f), "\(f)")
        }
        let train = try SudokuDatasetBuilder.read(path: outA + "/train.safetensors")
        #expect(train == result.train)
        let ladder = try SudokuDatasetBuilder.read(path: outA + "/ladder.safetensors")
        #expect(ladder.map(\.puzzle.blankCount) == [20, 45, 20, 45])
        #expect(ladder.allSatisfy { SudokuSolver().solve($0.puzzle).solution == $0.solution })
        // A different seed gives a different training set.
        options.seed = 12
        #expect(try builder.build(options).train != result.train)
    }

    @Test func missingDataFolderOrFileIsAClearError() throws {
        #expect(throws: PuzzleDatasetError.self) { try SudokuDatasetBuilder(dataDirectory: "/no/such/folder").build(.init()) }
        let dir = try TestData.temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        do {
            _ = try SudokuDatasetBuilder(dataDirectory: dir).build(.init())
            Issue.record("expected an error")
        } catch let e as PuzzleDatasetError {
            #expect(e.reason.contains("17_clue.txt"))
        }
    }

    @Test func mazeDatasetIsDisjointSeededAndRoundTrips() throws {
        var options = MazeDatasetBuilder.Options()
        options.trainCount = 4
        options.testCount = 4
        options.pathLongerThan = 40
        options.size = 16
        options.seed = 2
        options.augment = true
        let result = try MazeDatasetBuilder().build(options)
        #expect(result.train.count == 32)
        let trainSet = Set(result.train.map(\.maze.tokens))
        #expect(result.test.allSatisfy { !trainSet.contains($0.maze.tokens) })
        for inst in result.train + result.test {
            #expect(inst.pathLength > 40)
            #expect(MazePathValidator.validate(prediction: inst.label.tokens, for: inst.maze) == .correct)
        }
        let out = try TestData.temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: out) }
        try MazeDatasetBuilder.write(result, options: options, to: out)
        #expect(try MazeDatasetBuilder.read(path: out + "/test.safetensors", size: 16) == result.test)
        let again = try MazeDatasetBuilder().build(options)
        #expect(again.train == result.train && again.test == result.test)
    }
}
