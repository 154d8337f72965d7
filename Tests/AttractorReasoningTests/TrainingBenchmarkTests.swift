import Foundation
import Testing
@testable import AttractorReasoning

/// `attractor bench train` times the configured depth's step: the cmm `tiny` preset's depth
/// curriculum (shallow first steps) is not applied, so the figures describe the (6, 3) step.
@Suite struct TrainingBenchmarkTests {
    @Test func theBenchmarkTimesTheFullDepthStep() throws {
        let preset = try ReasoningConfiguration.preset("tiny", model: .cmm, task: .sudoku)
        #expect(!preset.training.depthCurriculum.isEmpty)  // the preset has one to ignore
        var options = TrainingBenchmark.Options(model: .cmm)
        options.batch = 2
        options.shards = 1
        options.steps = 1
        options.warmUpSteps = 0
        let r = try TrainingBenchmark.run(options)
        // (n + 1)·T = 21 forward passes of F per example at (6, 3); (2, 1) would give 3.
        #expect(r.forwardPasses >= Double((preset.lowSteps + 1) * preset.cycles))
    }
}
