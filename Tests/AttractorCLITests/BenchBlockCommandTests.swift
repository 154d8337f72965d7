import Foundation
import Testing

@Suite struct BenchBlockCommandTests {
    @Test(arguments: ["mlp", "attention"]) func jsonReportHasTheDocumentedKeys(mixer: String) throws {
        let r = try AttractorBinary.run(["bench", "block", "--mixer", mixer, "--hidden", "16", "--seq", "9",
                                         "--layers", "1", "--batch", "2", "--repeat", "1", "--format", "json"])
        #expect(r.status == 0, "\(r.stderr)")
        let object = try JSONSerialization.jsonObject(with: Data(r.stdout.utf8)) as? [String: Any]
        let json = try #require(object)
        for key in ["forward_seconds", "forward_backward_seconds", "flops_forward_backward", "gflops",
                    "sgemm_gflops", "fraction_of_sgemm"] {
            #expect((json[key] as? Double).map { $0 > 0 } == true, "\(key) = \(String(describing: json[key]))")
        }
        #expect(json["mixer"] as? String == mixer)
        // Matmul flops of one token-MLP block at D=16, L=9, B=2 (inner 256, channel 48):
        // forward 6·B·L·D·(256 + 48), forward+backward three times that.
        if mixer == "mlp" { #expect(json["flops_forward_backward"] as? Int == 3 * 6 * 2 * 9 * 16 * (256 + 48)) }
    }

    @Test func rejectsUnknownMixerAndBadSizes() throws {
        #expect(try AttractorBinary.run(["bench", "block", "--mixer", "conv"]).status != 0)
        #expect(try AttractorBinary.run(["bench", "block", "--hidden", "0"]).status != 0)
        let r = try AttractorBinary.run(["bench", "block", "--mixer", "attention", "--hidden", "30", "--heads", "4",
                                         "--seq", "4", "--batch", "1", "--repeat", "1"])
        #expect(r.status != 0)
        #expect(r.stderr.contains("heads"))
    }
}
