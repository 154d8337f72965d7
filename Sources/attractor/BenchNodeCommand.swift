import ArgumentParser
import Attractor
import Foundation

/// `attractor bench node`: the neural-ODE benchmark, comparable with torchdiffeq and JAX
/// on the same weights file (`Benchmarks/NeuralODE/`).
struct BenchNodeCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "node",
        abstract: "Time forward and forward+backward of dz/dt = W2·tanh(W1·z + b1) + b2 (Float32, t ∈ [0, 1], loss ½Σz(1)²).")

    enum Format: String, ExpressibleByArgument, CaseIterable { case text, json }

    @Option(help: "safetensors file with w1 [H,D], b1 [H], w2 [D,H], b2 [D], z0 [B,D] (F32).")
    var weights: String

    @Option(help: "rk4 (fixed steps) or dopri5 (adaptive).")
    var method: NeuralODEBenchmark.Method = .rk4

    @Option(help: "Steps for rk4.")
    var steps: Int?

    @Option(help: "Relative tolerance for dopri5.")
    var rtol: Double?

    @Option(help: "Absolute tolerance for dopri5.")
    var atol: Double?

    @Option(help: "backprop, checkpoint or adjoint.")
    var gradient: NeuralODEBenchmark.Gradient = .backprop

    @Option(help: "Checkpoint interval for --gradient checkpoint (default ⌈√steps⌉).")
    var checkpointEvery: Int?

    @Option(help: "Batch row blocks evaluated in parallel, one thread each; 1 runs on one thread (only the BLAS fallback, for shapes the Float kernels do not take, is threaded).")
    var rowBlocks: Int = 2

    @Option(name: .customLong("repeat"), help: "Timed repetitions (medians are reported).")
    var repeats: Int = 5

    @Option(help: "MiB of stage activations backprop may keep for its VJPs (one product fewer per VJP); 0: recompute them.")
    var residualTapeLimit: Double = 32

    @Option(help: "Minimum warm-up before timing, in seconds (at least three runs either way).")
    var warmUp: Double = 0.3

    @Option(help: "Write the gradients (w1, b1, w2, b2, z0) to this safetensors file.")
    var gradsOut: String?

    @Option(help: "Output format: text or json.")
    var format: Format = .text

    func validate() throws {
        if method == .rk4 {
            guard rtol == nil, atol == nil else { throw ValidationError("--rtol/--atol need --method dopri5") }
            guard (steps ?? 20) > 0 else { throw ValidationError("--steps must be positive") }
        } else {
            guard steps == nil else { throw ValidationError("--steps needs --method rk4") }
        }
        guard repeats > 0 else { throw ValidationError("--repeat must be positive") }
        guard residualTapeLimit >= 0, residualTapeLimit <= 1e12 else { throw ValidationError("--residual-tape-limit must be between 0 and 1e12 MiB") }
        guard warmUp >= 0, warmUp.isFinite else { throw ValidationError("--warm-up must be a non-negative number of seconds") }
        guard rowBlocks > 0 else { throw ValidationError("--row-blocks must be positive") }
        if let k = checkpointEvery, k <= 0 { throw ValidationError("--checkpoint-every must be positive") }
    }

    struct Output: Encodable {
        var loss: Double
        var grad_norm: Double
        var forward_seconds: Double
        var forward_backward_seconds: Double
        var function_evaluations: Int
        var backward_function_evaluations: Int
        var vector_jacobian_products: Int
        var accepted_steps: Int
        var gradient_peak_bytes: Int
        var peak_rss_bytes: Int
        var method: String
        var gradient: String
        var shape: [String: Int]
        var blas_core: String
        var blas_threads: Int
    }

    func run() throws {
        var c = NeuralODEBenchmark.Configuration()
        c.method = method
        c.steps = steps ?? 20
        c.rtol = rtol ?? 1e-5
        c.atol = atol ?? 1e-6
        c.gradient = gradient
        c.repeats = repeats
        c.checkpointEvery = checkpointEvery
        c.rowBlocks = rowBlocks
        c.warmUpSeconds = warmUp
        c.residualTapeLimit = Int(residualTapeLimit * 1_048_576)
        let archive = try SafetensorsArchive(contentsOfFile: weights)
        let (r, grads) = try NeuralODEBenchmark.run(archive, configuration: c)
        if let gradsOut { try grads.write(toFile: gradsOut) }
        let out = Output(loss: r.loss, grad_norm: r.gradNorm, forward_seconds: r.forwardSeconds,
                         forward_backward_seconds: r.forwardBackwardSeconds, function_evaluations: r.functionEvaluations,
                         backward_function_evaluations: r.backwardFunctionEvaluations,
                         vector_jacobian_products: r.vectorJacobianProducts, accepted_steps: r.acceptedSteps,
                         gradient_peak_bytes: r.gradientPeakBytes, peak_rss_bytes: ProcessMemory.maximumResidentBytes,
                         method: r.method, gradient: r.gradient,
                         shape: ["D": r.dimension, "H": r.hidden, "B": r.batch],
                         blas_core: BLAS.coreName, blas_threads: BLAS.threadCount)
        switch format {
        case .json:
            try printJSON(out)
        case .text:
            print("bench node: \(r.method) \(r.gradient), D \(r.dimension) H \(r.hidden) B \(r.batch), OpenBLAS \(out.blas_core) × \(out.blas_threads)")
            print("loss \(r.loss), grad_norm \(r.gradNorm)")
            print(String(format: "forward %.3f ms, forward+backward %.3f ms (medians of %d)", r.forwardSeconds * 1e3, r.forwardBackwardSeconds * 1e3, repeats))
            print("f-evals \(r.functionEvaluations) forward, \(r.backwardFunctionEvaluations) backward; VJPs \(r.vectorJacobianProducts); steps \(r.acceptedSteps)")
            print("gradient storage peak \(r.gradientPeakBytes) B, process max RSS \(out.peak_rss_bytes) B")
        }
    }
}

extension NeuralODEBenchmark.Method: ExpressibleByArgument {}
extension NeuralODEBenchmark.Gradient: ExpressibleByArgument {}
