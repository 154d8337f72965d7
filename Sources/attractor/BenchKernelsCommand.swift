import ArgumentParser
import Attractor
import Foundation

/// `attractor bench kernels`: the Float product kernels against OpenBLAS on one thread.
struct BenchKernelsCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "kernels",
        abstract: "Time the Float kernels on one thread: the packed products (fused bias/tanh, Aᵀ·B) and the general sgemm at the tiny model's shapes on each kernel path, against OpenBLAS sgemm.")

    enum Format: String, ExpressibleByArgument, CaseIterable { case text, json }

    @Option(help: "Batch rows m of the products.") var rows: Int = 64
    @Option(name: .customLong("repeat"), help: "Timed batches per product (the best is reported).") var repeats: Int = 20
    @Option(help: "Output format: text or json.") var format: Format = .text
    @Option(help: "General-product kernel path to time (avx512, avx2 or portable; default: every available one). Also used by Float.gemm for the whole run.")
    var kernels: String?
    @Option(help: "Examples in the tiny model's general-product shapes (rows = batch·81); 0 skips them.")
    var gemmBatch: Int = 16

    func validate() throws {
        guard rows > 0, rows <= 1 << 16 else { throw ValidationError("--rows must be between 1 and 65536") }
        guard repeats > 0 else { throw ValidationError("--repeat must be positive") }
        guard gemmBatch >= 0, gemmBatch <= 256 else { throw ValidationError("--gemm-batch must be between 0 and 256") }
        if let kernels, KernelPath(rawValue: kernels) == nil {
            throw ValidationError("--kernels must be one of " + KernelPath.allCases.map(\.rawValue).joined(separator: ", "))
        }
    }

    func run() throws {
        var paths: [KernelPath]? = nil
        if let kernels, let path = KernelPath(rawValue: kernels) {
            do { try KernelPath.force(path) } catch { throw CommandFailure("\(error)") }
            paths = [path]
        }
        let r = KernelBenchmark.run(rows: rows, repeats: repeats, paths: paths, gemmBatch: gemmBatch)
        switch format {
        case .json:
            try printJSON(r)
        case .text:
            print("kernel path \(r.kernelPath), OpenBLAS core \(r.blasCore), one thread")
            if let p = r.fmaPeakGflops { print(String(format: "FMA peak of one core: %.1f GFLOP/s", p)) }
            print("operation              m     k     n   kernel µs  GFLOP/s   sgemm µs  GFLOP/s  speedup  max diff")
            for row in r.rows {
                print(String(format: "%@ %5d %5d %5d %10.2f %8.1f %10.2f %8.1f %7.2f× %9.1e",
                             row.operation.padding(toLength: 20, withPad: " ", startingAt: 0), row.m, row.k, row.n,
                             row.kernelSeconds * 1e6, row.kernelGflops, row.blasSeconds * 1e6, row.blasGflops, row.speedup,
                             row.maxDifference))
            }
            if r.gemmRows.isEmpty { return }
            print("")
            print("general sgemm at the tiny model's shapes, batch \(r.gemmBatch) (rows \(r.gemmBatch * 81), N \(r.gemmBatch * 128)); median of \(repeats) timings in thread CPU time")
            for p in r.peaks { print(String(format: "  peak of one core, %@: %.1f GFLOP/s (%@)", p.path, p.gflops, p.measures)) }
            print("operation            op     m     n     k  path      GFLOP/s  % peak  OpenBLAS  max diff")
            for row in r.gemmRows {
                print(String(format: "%@ %@ %5d %5d %5d  %@ %8.1f %6.1f%% %9.1f %9.1e",
                             row.operation.padding(toLength: 20, withPad: " ", startingAt: 0), row.layout, row.m, row.n, row.k,
                             row.path.padding(toLength: 8, withPad: " ", startingAt: 0), row.gflops, 100 * row.fractionOfPeak,
                             row.blasGflops, row.maxDifference))
            }
        }
    }
}
