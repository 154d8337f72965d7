import ArgumentParser
import Attractor
import Foundation

/// `attractor bench kernels`: the Float product kernels against OpenBLAS on one thread.
struct BenchKernelsCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "kernels",
        abstract: "Time the packed Float kernels (fused bias/tanh, Aᵀ·B) against OpenBLAS sgemm on one thread.")

    enum Format: String, ExpressibleByArgument, CaseIterable { case text, json }

    @Option(help: "Batch rows m of the products.") var rows: Int = 64
    @Option(name: .customLong("repeat"), help: "Timed batches per product (the best is reported).") var repeats: Int = 20
    @Option(help: "Output format: text or json.") var format: Format = .text

    func validate() throws {
        guard rows > 0, rows <= 1 << 16 else { throw ValidationError("--rows must be between 1 and 65536") }
        guard repeats > 0 else { throw ValidationError("--repeat must be positive") }
    }

    func run() throws {
        let r = KernelBenchmark.run(rows: rows, repeats: repeats)
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
        }
    }
}
