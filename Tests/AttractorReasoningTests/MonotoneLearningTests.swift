import AttractorNumerics
import Foundation
import AttractorReasoning
import AttractorTasks
import Testing

/// The monotone-operator model learns Sudoku in Swift: embedding → `MonotoneLayer` (one fixed
/// point per puzzle by construction) → linear answer head, trained by AdamW through the
/// implicit gradient, then scored **at the equilibrium** on puzzles it has not seen.
@Suite struct MonotoneLearningTests {
    @Test func trainingThroughTheImplicitGradientSolvesUnseenPuzzlesAtEquilibrium() throws {
        let generator = SudokuGenerator(seed: 11)
        let train = try (0..<1024).map { _ in let p = try generator.puzzle(blanks: 4); return SudokuExample(puzzle: p.puzzle, solution: p.solution) }
        let test = try (0..<32).map { _ in let p = try generator.puzzle(blanks: 4); return SudokuExample(puzzle: p.puzzle, solution: p.solution) }
        let model = MonotoneSudokuModel(hidden: 16, strongMonotonicity: 0.25, maxBatch: 32, seed: 3)
        let before = try model.score(test)
        let random = RandomSource(seed: 5)
        for _ in 0..<600 {
            let batch = (0..<16).map { _ in train[random.integer(below: train.count)] }
            try model.trainStep(batch[...], learningRate: 3e-3, forwardIterations: 60, adjointIterations: 10)
        }
        let after = try model.score(test)
        #expect(before.exact < 0.1)
        #expect(after.converged)
        #expect(after.blankCells > 0.9)
        #expect(after.exact > 0.6)
    }

    @Test func savedModelReadsBackWithTheSameParametersAndRefusesOtherFiles() throws {
        let model = MonotoneSudokuModel(hidden: 8, strongMonotonicity: 0.1, maxBatch: 4, seed: 9)
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("monotone-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: dir) }
        try model.save(to: dir + "/m.safetensors")
        let back = try MonotoneSudokuModel(contentsOf: dir + "/m.safetensors", maxBatch: 4)
        #expect(back.hidden == 8 && back.layer.strongMonotonicity == 0.1)
        #expect(Array(UnsafeBufferPointer(start: back.store.values.pointer, count: back.store.count))
                == Array(UnsafeBufferPointer(start: model.store.values.pointer, count: model.store.count)))
        var other = SafetensorsArchive(metadata: ["format": "something-else"])
        try other.set("x", shape: [1], scalars: [Float(1)])
        try other.write(toFile: dir + "/other.safetensors")
        #expect(throws: (any Error).self) { try MonotoneSudokuModel(contentsOf: dir + "/other.safetensors", maxBatch: 4) }
    }
}
