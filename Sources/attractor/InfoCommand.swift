import ArgumentParser
import Attractor
import Foundation

/// `attractor info`: which BLAS and GSL this binary runs on.
struct InfoCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "info",
        abstract: "Print the linked BLAS (OpenBLAS) and GSL versions, and the Float kernel path with its one-core peak.")

    func run() throws {
        print("GSL \(GSL.version)")
        print("OpenBLAS \(BLAS.configuration)")
        print("cblas_sgemm served by \(BLAS.library(serving: "cblas_sgemm") ?? "unknown")")
        print("OpenBLAS core \(BLAS.coreName), threads \(BLAS.threadCount)")
        let path = KernelPath.current
        let how = ProcessInfo.processInfo.environment["ATTRACTOR_KERNELS"].map { $0.isEmpty ? "automatic" : "ATTRACTOR_KERNELS" }
            ?? "automatic"
        print("Float kernels (Float.gemm): \(path) (\(how); available: \(KernelPath.available.map(\.rawValue).joined(separator: ", ")))")
        let peak = path.measurePeak()
        print(String(format: "one-core peak of the %@ path: %.1f GFLOP/s (%@)", path.rawValue, peak.gflops, peak.measures))
    }
}
