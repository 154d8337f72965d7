import Foundation
import Testing

@Suite struct KernelPathCommandTests {
    @Test func infoNamesTheKernelPathAndItsPeak() throws {
        let r = try AttractorBinary.run(["info"])
        #expect(r.status == 0, "stderr: \(r.stderr)")
        #expect(r.stdout.contains("Float kernels (Float.gemm):"))
        #expect(r.stdout.contains("one-core peak of the"))
    }

    @Test func environmentVariableForcesThePathAndRejectsBadValues() throws {
        let forced = try AttractorBinary.run(["info"], environment: ["ATTRACTOR_KERNELS": "portable"])
        #expect(forced.status == 0, "stderr: \(forced.stderr)")
        #expect(forced.stdout.contains("Float kernels (Float.gemm): portable (ATTRACTOR_KERNELS"))
        let bad = try AttractorBinary.run(["info"], environment: ["ATTRACTOR_KERNELS": "avx9000"])
        #expect(bad.status != 0)
        #expect(bad.stderr.contains("ATTRACTOR_KERNELS=avx9000"))
    }

    struct Output: Decodable {
        struct GemmRow: Decodable { var operation: String; var layout: String; var path: String; var gflops: Double; var fractionOfPeak: Double; var maxDifference: Double }
        struct Peak: Decodable { var path: String; var gflops: Double }
        var gemmRows: [GemmRow]; var peaks: [Peak]
    }

    @Test func benchKernelsTimesTheGeneralProductOnAForcedPath() throws {
        // Batch 1: rows 81, N 128 — every tile has tails.
        let r = try AttractorBinary.run(["bench", "kernels", "--rows", "9", "--repeat", "1", "--gemm-batch", "1",
                                         "--kernels", "portable", "--format", "json"])
        #expect(r.status == 0, "stderr: \(r.stderr)")
        let out = try JSONDecoder().decode(Output.self, from: Data(r.stdout.utf8))
        #expect(out.gemmRows.count == 11)
        #expect(out.peaks.map(\.path) == ["portable"])
        for row in out.gemmRows {
            #expect(row.path == "portable")
            #expect(row.maxDifference < 1e-5, "\(row.operation): \(row.maxDifference)")
            #expect(row.gflops > 0 && row.fractionOfPeak > 0)
        }
        #expect(Set(out.gemmRows.map(\.layout)) == ["NN", "NT", "TN"])
        let bad = try AttractorBinary.run(["bench", "kernels", "--kernels", "sse9"])
        #expect(bad.status != 0)
    }
}
