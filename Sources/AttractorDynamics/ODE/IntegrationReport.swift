import AttractorNumerics

/// One `attractor integrate` run of a named ODE problem: the solve repeated `repeats`
/// times (median wall time), with everything the CLI prints. The CLI only parses
/// arguments and chooses `json` or `table`.
public struct IntegrationReport {
    public var problem: String
    public var method: String
    public var parameters: [(name: String, value: Double)]
    public var t0: Double
    public var t1: Double
    public var solution: Solution<Double>
    /// Median in-process wall time of one solve, in seconds.
    public var solveSeconds: Double

    /// Solves `problem` with `method` `repeats` times (≥ 1) and keeps the last solution
    /// and the median time. Errors from the solver pass through.
    public static func run(
        problem: ODEProblem, method: ODEMethod, options: SolverOptions, t1: Double? = nil, repeats: Int = 1
    ) throws(SolverError) -> IntegrationReport {
        let clock = ContinuousClock()
        var times: [Double] = []
        var last: Solution<Double>?
        for _ in 0..<max(repeats, 1) {
            let start = clock.now
            last = try problem.solve(t1: t1, method: method, options: options)
            times.append(seconds(clock.now - start))
        }
        times.sort()
        let mid = times.count / 2
        let median = times.count % 2 == 1 ? times[mid] : (times[mid - 1] + times[mid]) / 2
        return IntegrationReport(
            problem: problem.name, method: method.name, parameters: problem.parameters, t0: problem.t0,
            t1: t1 ?? problem.t1, solution: last!, solveSeconds: median)
    }

    static func seconds(_ d: Duration) -> Double {
        Double(d.components.seconds) + Double(d.components.attoseconds) * 1e-18
    }

    /// The final state as one list (one row) or a list of rows.
    var stateJSON: String {
        let s = solution.finalState
        if s.shape[0] == 1 { return JSONText.array(s.scalars) }
        return "[" + (0..<s.shape[0]).map { JSONText.array(Array(s.row($0))) }.joined(separator: ", ") + "]"
    }

    /// One JSON object: `problem, method, parameters, t0, t1, y, steps, rejected_steps,
    /// function_evaluations, solve_seconds`, and with a steady-state event `steady,
    /// t_steady, residual` (all rows converged; latest retirement time; largest residual).
    public var json: String {
        var o = JSONText.Object()
        o.add("problem", string: problem)
        o.add("method", string: method)
        o.add("parameters", raw: "{" + parameters.map { "\(JSONText.string($0.name)): \(JSONText.number($0.value))" }
            .joined(separator: ", ") + "}")
        o.add("t0", t0)
        o.add("t1", t1)
        o.add("y", raw: stateJSON)
        o.add("steps", raw: "\(solution.statistics.steps)")
        o.add("rejected_steps", raw: "\(solution.statistics.rejectedSteps)")
        o.add("function_evaluations", raw: "\(solution.statistics.functionEvaluations)")
        o.add("solve_seconds", solveSeconds)
        if let steady = solution.steadyState {
            o.add("steady", raw: steady.allConverged ? "true" : "false")
            o.add("t_steady", steady.latestTime)
            o.add("residual", steady.largestResidual)
        }
        return o.text
    }

    /// A human-readable summary, one `key  value` per line.
    public var table: String {
        var lines: [(String, String)] = [
            ("problem", problem), ("method", method),
            ("parameters", parameters.map { "\($0.name)=\($0.value)" }.joined(separator: " ")),
            ("t0 … t1", "\(t0) … \(t1)"),
        ]
        let s = solution.finalState
        for r in 0..<s.shape[0] {
            lines.append((s.shape[0] == 1 ? "y" : "y[\(r)]", Array(s.row(r)).map { "\($0)" }.joined(separator: " ")))
        }
        lines += [
            ("steps", "\(solution.statistics.steps)"), ("rejected steps", "\(solution.statistics.rejectedSteps)"),
            ("f-evaluations", "\(solution.statistics.functionEvaluations)"), ("solve seconds", "\(solveSeconds)"),
        ]
        if let steady = solution.steadyState {
            lines += [("steady", "\(steady.allConverged)"), ("t steady", "\(steady.latestTime)"),
                      ("residual", "\(steady.largestResidual)")]
        }
        let width = lines.map(\.0.count).max() ?? 0
        return lines.map { $0.0 + String(repeating: " ", count: width - $0.0.count + 2) + $0.1 }.joined(separator: "\n")
    }
}

/// Minimal JSON text building (numbers round-trip; NaN and ±Inf become null).
enum JSONText {
    static func number(_ x: Double) -> String { x.isFinite ? "\(x)" : "null" }

    static func array<T: AttractorNumerics.Scalar>(_ xs: [T]) -> String {
        "[" + xs.map { number(Double($0)) }.joined(separator: ", ") + "]"
    }

    static func string(_ s: String) -> String {
        var out = "\""
        for ch in s.unicodeScalars {
            switch ch {
            case "\"": out += "\\\""
            case "\\": out += "\\\\"
            case "\n": out += "\\n"
            default:
                if ch.value < 0x20 { out += "\\u" + String(repeating: "0", count: 4 - String(ch.value, radix: 16).count)
                    + String(ch.value, radix: 16) } else { out.unicodeScalars.append(ch) }
            }
        }
        return out + "\""
    }

    struct Object {
        private var parts: [String] = []
        mutating func add(_ key: String, raw: String) { parts.append("\(JSONText.string(key)): \(raw)") }
        mutating func add(_ key: String, string: String) { add(key, raw: JSONText.string(string)) }
        mutating func add(_ key: String, _ value: Double) { add(key, raw: JSONText.number(value)) }
        var text: String { "{" + parts.joined(separator: ", ") + "}" }
    }
}
