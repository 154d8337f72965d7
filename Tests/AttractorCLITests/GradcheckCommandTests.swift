import Foundation
import Testing

@Suite struct GradcheckCommandTests {
    struct Row: Decodable { var strategy: String; var exact: Bool; var relativeErrorFD: Double; var relativeErrorExact: Double?; var peakBytes: Int }
    struct Report: Decodable { var problem: String; var rows: [Row] }
    struct Output: Decodable { var report: Report; var passed: Bool; var processMaxRSSBytes: Int }

    func run(_ problem: String) throws -> Output {
        let r = try AttractorBinary.run(["gradcheck", problem, "--format", "json", "--repeat", "1"])
        #expect(r.status == 0, "stderr: \(r.stderr)")
        return try JSONDecoder().decode(Output.self, from: Data(r.stdout.utf8))
    }

    @Test func contractionExactStrategiesMatchFiniteDifferences() throws {
        let out = try run("contraction")
        #expect(out.passed)
        #expect(out.processMaxRSSBytes > 0)
        let exact = out.report.rows.filter(\.exact)
        #expect(exact.count >= 6)
        for row in exact { #expect(row.relativeErrorFD < 1e-6, "\(row.strategy)") }
        // The adjoint's error falls as its tolerance tightens (until the FD floor).
        let sweep = out.report.rows.filter { $0.strategy.hasPrefix("adjoint(checkpoints: 1) dopri5") }.map(\.relativeErrorFD)
        #expect(sweep.count == 5)
        for i in 0..<3 { #expect(sweep[i + 1] < sweep[i]) }
        // Checkpointing stores less than plain backprop.
        let bp = try #require(out.report.rows.first { $0.strategy == "backprop rk4 N=40" })
        let cp = try #require(out.report.rows.first { $0.strategy.hasPrefix("checkpointed") })
        #expect(cp.peakBytes < bp.peakBytes)
    }

    @Test func gbmPathwiseGradients() throws {
        let out = try run("gbm")
        #expect(out.passed)
        for row in out.report.rows {
            // Against the closed form: the schemes' strong error (order ½ for Euler–Maruyama
            // on multiplicative noise, 1 for Heun) at N = 1024.
            let bound = row.strategy.contains("eulerMaruyama") ? 5e-2 : 1e-3
            #expect(row.relativeErrorExact! < bound, "\(row.strategy)")
            if row.exact { #expect(row.relativeErrorFD < 1e-6) }
        }
    }

    @Test func unknownProblemFails() throws {
        let r = try AttractorBinary.run(["gradcheck", "lorenz"])
        #expect(r.status != 0)
        #expect(r.stderr.contains("unknown problem"))
    }
}
