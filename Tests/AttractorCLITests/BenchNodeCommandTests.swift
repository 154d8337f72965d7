import AttractorNumerics
import Foundation
import Testing

@Suite struct BenchNodeCommandTests {
    struct Output: Decodable {
        var loss: Double; var grad_norm: Double; var forward_seconds: Double; var forward_backward_seconds: Double
        var function_evaluations: Int; var peak_rss_bytes: Int; var gradient_peak_bytes: Int
    }

    /// A tiny benchmark file (D 3, H 5, B 2), so the debug binary runs it in milliseconds.
    func writeWeights(_ path: String) throws {
        let d = 3, h = 5, b = 2
        func values(_ n: Int, _ seed: UInt64, _ s: Double) -> [Float] {
            var x = [Double](repeating: 0, count: n)
            RandomSource(seed: seed).fillGaussian(&x, sigma: s)
            return x.map(Float.init)
        }
        var a = SafetensorsArchive()
        try a.set("w1", shape: [h, d], scalars: values(h * d, 1, 0.5))
        try a.set("b1", shape: [h], scalars: values(h, 2, 0.1))
        try a.set("w2", shape: [d, h], scalars: values(d * h, 3, 0.5))
        try a.set("b2", shape: [d], scalars: values(d, 4, 0.1))
        try a.set("z0", shape: [b, d], scalars: values(b * d, 5, 1))
        try a.write(toFile: path)
    }

    @Test func strategiesAgreeAndGradientsAreWritten() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("attractor-bench-node-\(UInt32.random(in: 0...UInt32.max))")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        let weights = dir.appendingPathComponent("w.safetensors").path
        try writeWeights(weights)
        var outputs: [String: Output] = [:]
        for gradient in ["backprop", "checkpoint", "adjoint"] {
            let grads = dir.appendingPathComponent("\(gradient).safetensors").path
            let r = try AttractorBinary.run(["bench", "node", "--weights", weights, "--steps", "16", "--gradient", gradient,
                                             "--repeat", "1", "--warm-up", "0", "--grads-out", grads, "--format", "json"])
            #expect(r.status == 0, "stderr: \(r.stderr)")
            outputs[gradient] = try JSONDecoder().decode(Output.self, from: Data(r.stdout.utf8))
            let g = try SafetensorsArchive(contentsOfFile: grads)
            #expect(g.names == ["b1", "b2", "w1", "w2", "z0"])
            #expect(try g.tensor("w1", as: Float.self).shape == [5, 3])
            #expect(try g.tensor("z0", as: Float.self).shape == [2, 3])
        }
        let bp = try #require(outputs["backprop"]), cp = try #require(outputs["checkpoint"]), adj = try #require(outputs["adjoint"])
        #expect(bp.function_evaluations == 64)
        #expect(cp.grad_norm == bp.grad_norm)
        #expect(abs(adj.grad_norm - bp.grad_norm) <= 1e-4 * bp.grad_norm)
        #expect(bp.loss > 0 && bp.peak_rss_bytes > 0)
    }

    @Test func rejectsBadOptionsAndFiles() throws {
        let r = try AttractorBinary.run(["bench", "node", "--weights", "/nonexistent.safetensors"])
        #expect(r.status != 0)
        #expect(r.stderr.contains("safetensors"))
        let v = try AttractorBinary.run(["bench", "node", "--weights", "x", "--rtol", "1e-3"])
        #expect(v.status != 0)
        let w = try AttractorBinary.run(["bench", "node", "--weights", "x", "--warm-up", "-1"])
        #expect(w.status != 0)
        #expect(w.stderr.contains("--warm-up"))
    }
}

@Suite struct BenchKernelsCommandTests {
    struct Output: Decodable {
        struct Row: Decodable { var operation: String; var m: Int; var k: Int; var n: Int; var kernelGflops: Double; var blasGflops: Double; var maxDifference: Double }
        var rows: [Row]; var kernelPath: String
    }

    @Test func kernelsAgreeWithBLASAndReportRates() throws {
        // 9 rows: a full 8-row tile plus a 1-row tail in every product.
        let r = try AttractorBinary.run(["bench", "kernels", "--rows", "9", "--repeat", "1", "--format", "json"])
        #expect(r.status == 0, "stderr: \(r.stderr)")
        let out = try JSONDecoder().decode(Output.self, from: Data(r.stdout.utf8))
        #expect(out.rows.count == 5)
        for row in out.rows {
            #expect(row.maxDifference < 1e-5, "\(row.operation): \(row.maxDifference)")
            #expect(row.kernelGflops > 0 && row.blasGflops > 0)
        }
        #expect(out.rows.contains { $0.operation.contains("tanh") && $0.m == 9 && $0.n == 256 })
        let bad = try AttractorBinary.run(["bench", "kernels", "--rows", "0"])
        #expect(bad.status != 0)
    }
}
