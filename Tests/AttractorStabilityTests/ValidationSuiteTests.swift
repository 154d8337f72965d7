import AttractorStability
import Foundation
#if canImport(FoundationXML)
import FoundationXML
#endif
import Testing

@Suite struct ValidationSuiteTests {
    func parse(_ json: String) throws -> ValidationSuite {
        try ValidationSuite.parse(Data(json.utf8), file: "test.json")
    }

    /// The reason of an `invalidSuite` error, or nil when parsing succeeded.
    func rejection(_ json: String) -> String? {
        do { _ = try parse(json); return nil } catch let StabilityError.invalidSuite(file, reason) {
            #expect(file == "test.json")
            return reason
        } catch { return "unexpected error \(error)" }
    }

    @Test func shippedSuitesParse() throws {
        let dir = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent().appendingPathComponent("Validation").path
        let names = ValidationRunner.suiteNames(in: dir)
        #expect(Set(["solvers", "gradients", "equilibrium"]).isSubset(of: Set(names)), "\(names)")
        for name in names {
            let suite = try ValidationRunner.load(name, directory: dir)
            #expect(suite.name == name && !suite.checks.isEmpty)
        }
    }

    @Test func defaultsAreFilledAndValuesKept() throws {
        let s = try parse(#"{"suite": "s", "checks": [{"check": "ode-order", "tolerance": 0.3}, {"check": "sde-strong-order", "name": "x", "methods": ["milstein"]}]}"#)
        #expect(s.checks.count == 2)
        #expect(s.checks[0].name == "ode-order" && s.checks[0].parameters.number("tolerance") == 0.3)
        #expect(s.checks[0].parameters.strings("methods") == ["euler", "midpoint", "heun", "rk4", "dopri5"])
        #expect(s.checks[1].name == "x" && s.checks[1].parameters.strings("methods") == ["milstein"])
        #expect(s.checks[1].parameters.integer("paths") == 1000)
    }

    @Test func badSuitesAreRejectedWithAClearMessage() {
        let cases: [(String, String)] = [
            ("{", "not valid JSON"),
            (#"[1]"#, "top level must be an object"),
            (#"{"checks": [{"check": "ode-order"}]}"#, "missing string 'suite'"),
            (#"{"suite": "s"}"#, "missing array 'checks'"),
            (#"{"suite": "s", "checks": []}"#, "'checks' is empty"),
            (#"{"suite": "s", "checks": [{"check": "nope"}]}"#, "check 1: unknown check 'nope'"),
            (#"{"suite": "s", "checks": [{"tolerance": 1}]}"#, "check 1 has no string 'check'"),
            (#"{"suite": "s", "checks": [{"check": "ode-order", "tolerence": 0.2}]}"#, "check 1 (ode-order): unknown key 'tolerence'"),
            (#"{"suite": "s", "checks": [{"check": "ode-order", "tolerance": "0.2"}]}"#, "'tolerance' must be a positive number"),
            (#"{"suite": "s", "checks": [{"check": "ode-order", "tolerance": -1}]}"#, "'tolerance' must be a positive number"),
            (#"{"suite": "s", "checks": [{"check": "ode-order", "methods": ["rk5"]}]}"#, "'methods' contains 'rk5'"),
            (#"{"suite": "s", "checks": [{"check": "sde-weak-order", "paths": 10.5}]}"#, "'paths' must be a non-negative integer"),
            (#"{"suite": "s", "checks": [{"check": "basins"}]}"#, "needs a suite 'target'"),
            (#"{"suite": "s", "target": {"field": "lorenz"}, "checks": [{"check": "basins"}]}"#, "'field' is 'lorenz'"),
            (#"{"suite": "s", "extra": 1, "checks": [{"check": "ode-order"}]}"#, "unknown top-level key 'extra'"),
            (#"{"suite": "s", "checks": [{"check": "noise", "sigmas": []}]}"#, "'sigmas' must be a non-empty array of numbers"),
        ]
        for (json, expected) in cases {
            let reason = rejection(json)
            #expect(reason?.contains(expected) == true, "\(json): got \(reason ?? "accepted")")
        }
    }

    @Test func suiteWithFailingCriterionFailsAndPassingOnePasses() throws {
        // An impossible tolerance on the order of Euler fails; the same check with a sane one passes.
        let failing = try parse(#"{"suite": "f", "checks": [{"check": "ode-order", "methods": ["euler"], "tolerance": 1e-9}]}"#)
        let r = try ValidationRunner.run(failing)
        #expect(r.passed == false && r.checks[0].measurements[0].passed == false)
        let passing = try parse(#"{"suite": "p", "checks": [{"check": "ode-order", "methods": ["euler", "rk4"]}]}"#)
        #expect(try ValidationRunner.run(passing).passed == true)
    }

    @Test func equilibriumSuiteOnTargetFieldAndCheckpointIsUnavailable() throws {
        let suite = try parse(#"""
        {"suite": "e", "target": {"field": "double-well", "dimension": 1, "step_size": 0.5},
         "checks": [{"check": "basins", "samples": 24, "scale": 0.5, "expect_distinct": 2},
                    {"check": "convergence", "samples": 8, "scale": 0.5, "min_converged_fraction": 1}]}
        """#)
        let r = try ValidationRunner.run(suite)
        #expect(r.passed == true, "\(r.checks.map(\.measurements))")
        #expect(r.checks[0].measurements[0].value == 2)
        #expect(throws: StabilityError.self) { try ValidationRunner.run(suite, options: .init(checkpoint: "cmm-tiny")) }
    }

    @Test func htmlReportIsWellFormedAndHasThePlots() throws {
        let suite = try parse(#"""
        {"suite": "r<&>", "target": {"field": "contraction", "dimension": 6},
         "checks": [{"check": "convergence", "samples": 8}, {"check": "local-stability", "iterations": 20},
                    {"check": "lyapunov", "samples": 4, "steps": 40}, {"check": "basins", "samples": 8},
                    {"check": "noise", "sigmas": [0, 0.1], "samples": 4, "end_time": 4, "step_size": 0.5},
                    {"check": "ode-order", "methods": ["rk4"]}]}
        """#)
        let report = ValidationReport(gslVersion: "test", suites: [try ValidationRunner.run(suite)])
        let html = HTMLReport.render(report)
        let parser = XMLParser(data: Data(html.utf8))
        final class Counter: NSObject, XMLParserDelegate {
            var svg = 0, polyline = 0, rect = 0, error: Error?
            func parser(_ parser: XMLParser, didStartElement name: String, namespaceURI: String?, qualifiedName: String?,
                        attributes: [String: String] = [:]) {
                if name == "svg" { svg += 1 }
                if name == "polyline" { polyline += 1 }
                if name == "rect" { rect += 1 }
            }
            func parser(_ parser: XMLParser, parseErrorOccurred parseError: Error) { error = parseError }
        }
        let counter = Counter()
        parser.delegate = counter
        #expect(parser.parse(), "HTML is not well-formed: \(String(describing: counter.error ?? parser.parserError))")
        let figures = report.suites[0].checks.flatMap(\.figures).count
        #expect(figures >= 7)
        #expect(counter.svg == figures && counter.polyline >= 4 && counter.rect > figures)
        #expect(html.contains("r&lt;&amp;&gt;"))
        // No network: the only URIs are the XML namespaces.
        #expect(html.replacingOccurrences(of: "http://www.w3.org/", with: "").range(of: "://") == nil)
        #expect(!html.contains("<script") && !html.contains("src=\""))
        // report.json round-trips (NaN encoded as a string).
        let json = try ValidationRunner.json(report)
        let back = try JSONSerialization.jsonObject(with: json) as? [String: Any]
        #expect((back?["suites"] as? [Any])?.count == 1)
    }
}
