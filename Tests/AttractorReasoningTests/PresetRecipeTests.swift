import Foundation
import Testing
@testable import AttractorReasoning

/// The `tiny` presets are the recipes of the bundled checkpoints: `attractor train --model M`
/// with no `--set` trains what `Checkpoints/M-tiny` was trained with (only the cosine
/// schedule's length differs: it is fitted to the CPU budget at step 25). Fails when a preset
/// drifts from the bundled recipe, or a new bundled run used a `--set` the preset lacks.
@Suite struct PresetRecipeTests {
    static let repository = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
        .deletingLastPathComponent().deletingLastPathComponent()

    @Test(arguments: [ModelKind.cmm, .trm, .hrm])
    func tinyPresetIsTheBundledRecipe(_ model: ModelKind) throws {
        let directory = Self.repository.appendingPathComponent("Checkpoints/\(model.rawValue)-tiny").path
        let bundled = try ReasoningCheckpoint.manifest(at: directory).configuration
        var preset = try ReasoningConfiguration.preset("tiny", model: model, task: .sudoku)
        preset.training.scheduleSteps = bundled.training.scheduleSteps
        #expect(preset == bundled)
    }

    @Test func cmmTinyTrainsFromRandomStartsWithTheEquilibriumResidualTheSpectralHingeAndADepthCurriculum() throws {
        let c = try ReasoningConfiguration.preset("tiny", model: .cmm, task: .sudoku)
        #expect(c.training.startScale == 1 && c.loss.residual == 0.1 && c.sigma == 0)
        #expect(c.loss.spectral == 0.05 && c.loss.spectralMargin == 0.9)
        #expect(c.loss.regulariserEvery == 4 && c.loss.regulariserBatch == 16)
        #expect(c.loss.traceHinge == 0 && c.loss.repulsion == 0)
        #expect(c.integrator == .eulerMaruyama && c.stepSize == 0.95)
        #expect(try DepthCurriculum(parsing: c.training.depthCurriculum).stages.map { [$0.lowSteps, $0.cycles] } == [[2, 1], [4, 2]])
        #expect(try ReasoningConfiguration.preset("tiny", model: .trm, task: .sudoku).training.depthCurriculum.isEmpty)
        // Three draws in four an easier copy, the same data mix for all three models.
        #expect(c.training.easierCopies == 0.75 && c.training.batch == 32)
        for model in [ModelKind.trm, .hrm] {
            #expect(try ReasoningConfiguration.preset("tiny", model: model, task: .sudoku).training.easierCopies == 0.75)
        }
    }
}
