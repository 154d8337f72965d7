import Foundation
import Testing

@Suite struct IntegrateSDECommandTests {
    func json(_ arguments: [String]) throws -> [String: Any] {
        let r = try AttractorBinary.run(["integrate"] + arguments + ["--format", "json"])
        #expect(r.status == 0, "stderr: \(r.stderr)")
        let object = try JSONSerialization.jsonObject(with: Data(r.stdout.utf8))
        return try #require(object as? [String: Any])
    }

    @Test(arguments: ["euler-maruyama", "milstein", "sde-heun"])
    func gbmEnsembleReportsMomentsNearTheExactOnes(method: String) throws {
        let o = try json(["gbm", "--method", method, "--paths", "4000", "--seed", "7", "--dt", "0.01", "--t1", "1"])
        for key in ["problem", "method", "parameters", "t0", "t1", "y", "steps", "rejected_steps",
                    "function_evaluations", "solve_seconds", "mean", "variance", "exact_mean", "exact_variance"] {
            #expect(o[key] != nil, "missing \(key)")
        }
        #expect(o["method"] as? String == method)
        #expect(o["steps"] as? Int == 100)
        #expect(o["paths"] as? Int == 4000)
        #expect((o["parameters"] as? [String: Double])?["sigma"] == 0.4)
        let mean = try #require((o["mean"] as? [Double])?.first)
        let variance = try #require((o["variance"] as? [Double])?.first)
        let exactMean = try #require((o["exact_mean"] as? [Double])?.first)
        let exactVariance = try #require((o["exact_variance"] as? [Double])?.first)
        #expect(abs(exactMean - exp(0.5)) < 1e-12)
        #expect(abs(exactVariance - exp(1.0) * (exp(0.16) - 1)) < 1e-12)
        // 4 standard errors of the sample mean.
        #expect(abs(mean - exactMean) < 4 * (exactVariance / 4000).squareRoot(), "mean \(mean)")
        #expect(abs(variance / exactVariance - 1) < 0.12, "variance \(variance)")
    }

    @Test func sameSeedSameOutputOtherSeedOther() throws {
        let a = try json(["ou", "--paths", "20", "--seed", "1"])
        let b = try json(["ou", "--paths", "20", "--seed", "1"])
        let c = try json(["ou", "--paths", "20", "--seed", "2"])
        #expect(a["method"] as? String == "euler-maruyama")
        #expect(a["y"] as? [Double] == b["y"] as? [Double])
        #expect(a["mean"] as? [Double] == b["mean"] as? [Double])
        #expect(a["mean"] as? [Double] != c["mean"] as? [Double])
        // Without --paths: one path, no moments.
        let single = try json(["ou", "--seed", "1"])
        #expect(single["mean"] == nil)
        #expect((single["y"] as? [Double])?.count == 1)
    }

    @Test(arguments: [
        (["integrate", "gbm", "--method", "rk4"], "valid methods: euler-maruyama, milstein, sde-heun"),
        (["integrate", "lorenz", "--method", "milstein"], "valid methods: euler, midpoint"),
        (["integrate", "ou", "--paths", "0"], "--paths"),
        (["integrate", "gbm", "--dt=-0.1"], "step size"),
        (["integrate", "gbm", "--until-steady"], "--until-steady"),
        (["integrate", "nope"], "gbm, ou"),
    ])
    func badSDEInputFailsWithOneLine(arguments: [String], expected: String) throws {
        let r = try AttractorBinary.run(arguments)
        #expect(r.status != 0)
        #expect(r.stderr.contains(expected), "stderr: \(r.stderr)")
        #expect(r.stderr.split(separator: "\n").count == 1, "stderr: \(r.stderr)")
        #expect(r.stdout.isEmpty)
    }
}
