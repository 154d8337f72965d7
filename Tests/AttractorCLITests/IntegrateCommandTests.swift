import Foundation
import Testing

@Suite struct IntegrateCommandTests {
    func json(_ arguments: [String]) throws -> [String: Any] {
        let r = try AttractorBinary.run(["integrate"] + arguments + ["--format", "json"])
        #expect(r.status == 0, "stderr: \(r.stderr)")
        let object = try JSONSerialization.jsonObject(with: Data(r.stdout.utf8))
        return try #require(object as? [String: Any])
    }

    @Test func lorenzJSONHasEveryKey() throws {
        let o = try json(["lorenz", "--method", "dopri5", "--rtol", "1e-8", "--atol", "1e-10", "--repeat", "3"])
        for key in ["problem", "method", "parameters", "t0", "t1", "y", "steps", "rejected_steps",
                    "function_evaluations", "solve_seconds"] {
            #expect(o[key] != nil, "missing \(key)")
        }
        #expect(o["problem"] as? String == "lorenz")
        #expect(o["method"] as? String == "dopri5")
        #expect((o["y"] as? [Double])?.count == 3)
        #expect((o["parameters"] as? [String: Double])?["rho"] == 28)
        #expect((o["steps"] as? Int ?? 0) > 0)
        #expect(o["steady"] == nil)
    }

    @Test func fixedStepCountsMatchTheStepSize() throws {
        let o = try json(["vanderpol", "--method", "rk4", "--dt", "0.01", "--t1", "1", "--mu", "2"])
        #expect(o["steps"] as? Int == 100)
        #expect(o["function_evaluations"] as? Int == 400)
        #expect((o["parameters"] as? [String: Double])?["mu"] == 2)
    }

    @Test func contractionUntilSteadyReportsResidual() throws {
        let o = try json(["contraction", "--dim", "8", "--seed", "3", "--until-steady", "--t1", "500"])
        #expect(o["steady"] as? Bool == true)
        let residual = try #require(o["residual"] as? Double)
        let y = try #require(o["y"] as? [Double])
        let norm = y.reduce(0) { $0 + $1 * $1 }.squareRoot()
        #expect(y.count == 8)
        #expect(residual <= 1e-9 + 1e-6 * norm)
        #expect((o["t_steady"] as? Double ?? 500) < 500)
    }

    @Test func gslMSBDFSolvesRobertson() throws {
        let o = try json(["robertson", "--method", "gsl-msbdf", "--rtol", "1e-8", "--atol", "1e-12"])
        let y = try #require(o["y"] as? [Double])
        #expect(abs(y[0] - 0.7158270687) < 1e-6)
    }

    @Test(arguments: [
        (["integrate", "nope"], "valid problems: lorenz"),
        (["integrate", "lorenz", "--method", "bogus"], "valid methods: euler, midpoint, heun, rk4, dopri5"),
        (["integrate", "lorenz", "--paths", "10"], "--paths"),
        (["integrate", "lorenz", "--mu", "3"], "--mu"),
        (["integrate", "robertson", "--method", "rk4", "--dt", "0.1"], "non-finite"),
        (["integrate", "robertson", "--method", "dopri5", "--max-steps", "500"], "maximum number of steps"),
        (["integrate", "lorenz", "--rtol=-1"], "tolerances"),
        (["integrate", "lorenz", "--method", "gsl-rkf45", "--until-steady"], "steady-state"),
    ])
    func badInputFailsWithOneLine(arguments: [String], expected: String) throws {
        let r = try AttractorBinary.run(arguments)
        #expect(r.status != 0)
        #expect(r.stderr.contains(expected), "stderr: \(r.stderr)")
        #expect(r.stderr.split(separator: "\n").count == 1, "stderr: \(r.stderr)")
        #expect(r.stdout.isEmpty)
    }
}
