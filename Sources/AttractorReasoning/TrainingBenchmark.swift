import AttractorNumerics
import AttractorTasks
import Foundation

/// Throughput of the training step (`attractor bench train`): examples per second of wall
/// time, the matmul rate, and that rate as a fraction of the machine's physical limit — the
/// FMA peak of one core (measured by the caller on the kernel path in use) times the threads.
///
/// The flops counted are the useful ones: every forward and backward pass of `F` the step
/// takes (none is recomputed: taped evaluations keep their activations) plus the answer
/// head, i.e. what a framework keeping a segment's activations has to do. Elementwise work
/// (norms, SwiGLU gates, losses, optimiser) is not counted, but its time is in the wall clock.
public enum TrainingBenchmark {
    public struct Options: Sendable {
        public var model: ModelKind
        public var preset: Preset = .tiny
        public var threads: Int = 1
        /// Examples per step (nil: 64, the batch of the figures in Docs/Models.md).
        public var batch: Int?
        public var shards: Int?
        /// Timed steps (after `warmUpSteps` untimed ones).
        public var steps: Int = 10
        public var warmUpSteps: Int = 2
        public var seed: UInt64 = 0
        public init(model: ModelKind) { self.model = model }
    }

    public struct Result: Sendable, Codable {
        public var model: String
        public var preset: Preset
        public var threads: Int
        public var shards: Int
        public var batch: Int
        public var steps: Int
        public var seconds: Double
        public var cpuSeconds: Double
        public var examplesPerSecond: Double
        /// Matmul flops of one step (forward + backward passes of `F` and the answer head).
        public var flopsPerStep: Double
        public var gflops: Double
        /// Forward and backward passes of `F` per example and step.
        public var forwardPasses: Double
        public var backwardPasses: Double
        /// Heap allocations per timed step (nil when the caller has no counter).
        public var allocationsPerStep: Double?

        enum CodingKeys: String, CodingKey {
            case model, preset, threads, shards, batch, steps, seconds, gflops
            case cpuSeconds = "cpu_seconds"
            case examplesPerSecond = "examples_per_second"
            case flopsPerStep = "flops_per_step"
            case forwardPasses = "forward_passes"
            case backwardPasses = "backward_passes"
            case allocationsPerStep = "allocations_per_step"
        }
    }

    /// Sudoku puzzles with 40 blanks from the seeded generator: the data do not change the
    /// cost of a step, only its halting pattern.
    public static func puzzles(count: Int, seed: UInt64) throws -> [SudokuExample] {
        let generator = SudokuGenerator(seed: seed)
        return try (0..<count).map { _ in
            let p = try generator.puzzle(blanks: 40)
            return SudokuExample(puzzle: p.puzzle, solution: p.solution)
        }
    }

    /// Runs `options.warmUpSteps + options.steps` training steps and times the last ones.
    /// `allocationCount` (a process-wide malloc counter, if the caller links one) gives the
    /// allocations per timed step.
    public static func run(_ options: Options, allocationCount: (() -> Int)? = nil) throws -> Result {
        var config = try ReasoningConfiguration.preset(options.preset, model: options.model, task: .sudoku)
        config.training.batch = options.batch ?? 64
        // The configured depth's step, whatever the preset's depth curriculum (its shallow
        // first steps would time a cheaper step than the one the figures describe).
        config.training.depthCurriculum = ""
        if let shards = options.shards { config.training.shards = shards }
        let examples = TrainingExamples(sudoku: try puzzles(count: 256, seed: options.seed))
        let trainer = try ReasoningTrainer(configuration: config, examples: examples, seed: options.seed,
                                           threads: options.threads)
        for _ in 0..<options.warmUpSteps { _ = try trainer.trainStep() }
        let clock = ContinuousClock()
        let allocationsBefore = allocationCount?()
        let cpu0 = processCPUSeconds(), t0 = clock.now
        var flops = 0.0, forward = 0, backward = 0
        for _ in 0..<options.steps {
            let r = try trainer.trainStep()
            flops += r.flops
            forward += r.forwardExamples
            backward += r.backwardExamples
        }
        let elapsed = clock.now - t0
        let seconds = Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) * 1e-18
        let allocations = allocationCount.map { Double($0() - allocationsBefore!) / Double(options.steps) }
        let seen = Double(options.steps * config.training.batch)
        return Result(model: options.model.rawValue, preset: options.preset, threads: options.threads,
                      shards: trainer.shardCount, batch: config.training.batch, steps: options.steps, seconds: seconds,
                      cpuSeconds: processCPUSeconds() - cpu0, examplesPerSecond: seen / seconds,
                      flopsPerStep: flops / Double(options.steps), gflops: flops / seconds / 1e9,
                      forwardPasses: Double(forward) / seen, backwardPasses: Double(backward) / seen,
                      allocationsPerStep: allocations)
    }

    /// CPU time of this process (all threads), seconds.
    public static func processCPUSeconds() -> Double {
        var t = timespec()
        clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &t)
        return Double(t.tv_sec) + Double(t.tv_nsec) * 1e-9
    }
}
