import ArgumentParser
import Attractor
import Foundation

/// `attractor bench train`: the training step's throughput against the machine's FMA peak.
struct BenchTrainCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "train",
        abstract: "Time training steps of a reasoning model: examples/s, matmul GFLOP/s and the fraction of FMA peak × threads.")

    enum Format: String, ExpressibleByArgument, CaseIterable { case text, json }

    @Option(help: "cmm, trm or hrm.") var model: ModelKind
    @Option(help: "Size and schedule.") var preset: Preset = .tiny
    @Option(help: "Worker threads (default: all cores).") var threads: Int?
    @Option(help: "Batch size (default: the preset's).") var batch: Int?
    @Option(help: "Shards of the batch (default: the preset's).") var shards: Int?
    @Option(help: "Timed steps.") var steps = 10
    @Option(help: "Untimed warm-up steps.") var warmUp = 2
    @Option(help: "Seed.") var seed: UInt64 = 0
    @Option(help: "Output format: text or json.") var format: Format = .text

    func validate() throws {
        guard steps > 0, warmUp >= 0 else { throw ValidationError("--steps must be positive and --warm-up non-negative") }
        if let threads, threads < 1 { throw ValidationError("--threads must be positive") }
        if let batch, batch < 1 { throw ValidationError("--batch must be positive") }
        if let shards, shards < 1 { throw ValidationError("--shards must be positive") }
    }

    struct Output: Encodable {
        var training: TrainingBenchmark.Result
        var kernelPath: String
        var fmaPeakPerCore: Double
        var fractionOfPeak: Double
        enum CodingKeys: String, CodingKey {
            case training
            case kernelPath = "kernel_path"
            case fmaPeakPerCore = "fma_peak_per_core_gflops"
            case fractionOfPeak = "fraction_of_fma_peak"
        }
    }

    func run() throws {
        var options = TrainingBenchmark.Options(model: model)
        options.preset = preset
        options.threads = threads ?? WorkerPool.availableCores
        options.batch = batch
        options.shards = shards
        options.steps = steps
        options.warmUpSteps = warmUp
        options.seed = seed
        let peak = KernelPath.current.measurePeak()
        let r: TrainingBenchmark.Result
        do { r = try TrainingBenchmark.run(options) } catch let e as ReasoningError { throw CommandFailure("\(e)") }
        let fraction = r.gflops / (peak.gflops * Double(r.threads))
        let out = Output(training: r, kernelPath: KernelPath.current.rawValue, fmaPeakPerCore: peak.gflops,
                         fractionOfPeak: fraction)
        switch format {
        case .json:
            try printJSON(out)
        case .text:
            print("bench train: \(r.model)-\(r.preset), batch \(r.batch) in \(r.shards) shards, \(r.threads) threads, kernel path \(out.kernelPath)")
            print(String(format: "%d steps in %.2f s wall, %.2f s CPU: %.1f examples/s (%.1f per CPU-second)",
                         r.steps, r.seconds, r.cpuSeconds, r.examplesPerSecond, Double(r.steps * r.batch) / r.cpuSeconds))
            print(String(format: "per example and step: %.1f forward and %.1f backward passes of F; %.1f GFLOP per step",
                         r.forwardPasses, r.backwardPasses, r.flopsPerStep / 1e9))
            print(String(format: "matmuls %.1f GFLOP/s = %.1f%% of FMA peak × %d threads (%.1f GFLOP/s per core, %@)",
                         r.gflops, fraction * 100, r.threads, peak.gflops, peak.measures))
            // More CPU than the pool's threads can use means somebody else's threads are
            // busy: the sign of a library routine that runs its own thread pool (this is how
            // OpenBLAS's multithreaded `saxpy` in the damped CMM step was found).
            let cpuPerWall = r.cpuSeconds / max(r.seconds, 1e-9)
            if cpuPerWall > Double(r.threads) * 1.15 {
                print(String(format: "warning: %.2f CPU-seconds per wall second with %d worker threads: threads outside the pool are busy (a BLAS routine's own threads?); CPU budgets buy fewer steps", cpuPerWall, r.threads))
            }
        }
    }
}
