import ArgumentParser
import Attractor

/// `attractor info`: which BLAS and GSL this binary runs on.
struct InfoCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "info", abstract: "Print the linked BLAS (OpenBLAS) and GSL versions.")

    func run() throws {
        print("GSL \(GSL.version)")
        print("OpenBLAS \(BLAS.configuration)")
        print("cblas_sgemm served by \(BLAS.library(serving: "cblas_sgemm") ?? "unknown")")
        print("OpenBLAS core \(BLAS.coreName), threads \(BLAS.threadCount)")
    }
}
