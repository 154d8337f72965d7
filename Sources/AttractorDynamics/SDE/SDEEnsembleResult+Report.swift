/// What `attractor integrate gbm|ou` prints: the same keys as the ODE `IntegrationReport`,
/// plus the ensemble moments.
extension SDEEnsembleResult {
    /// One JSON object: `problem, method, parameters, t0, t1, dt, seed, paths, y` (the final
    /// state of the first sample path), `steps, rejected_steps` (always 0: fixed step),
    /// `function_evaluations, diffusion_evaluations, solve_seconds`, and with `moments`:
    /// `mean, variance, exact_mean, exact_variance` (per component, at `t1`).
    public func json(moments: Bool) -> String {
        var o = JSONText.Object()
        o.add("problem", string: problem)
        o.add("method", string: method.rawValue)
        o.add("parameters", raw: "{" + parameters.map { "\(JSONText.string($0.name)): \(JSONText.number($0.value))" }
            .joined(separator: ", ") + "}")
        o.add("t0", t0)
        o.add("t1", t1)
        o.add("dt", dt)
        o.add("seed", raw: "\(seed)")
        o.add("paths", raw: "\(paths)")
        o.add("y", raw: JSONText.array(Array(finalState.prefix(dimension))))
        o.add("steps", raw: "\(statistics.steps)")
        o.add("rejected_steps", raw: "\(statistics.rejectedSteps)")
        o.add("function_evaluations", raw: "\(statistics.functionEvaluations)")
        o.add("diffusion_evaluations", raw: "\(statistics.diffusionEvaluations)")
        o.add("solve_seconds", solveSeconds)
        if moments {
            o.add("mean", raw: JSONText.array(mean))
            o.add("variance", raw: JSONText.array(variance))
            o.add("exact_mean", raw: JSONText.array(exactMean))
            o.add("exact_variance", raw: JSONText.array(exactVariance))
        }
        return o.text
    }

    /// A human-readable summary, one `key  value` per line.
    public func table(moments: Bool) -> String {
        func list(_ xs: [Double]) -> String { xs.map { "\($0)" }.joined(separator: " ") }
        var lines: [(String, String)] = [
            ("problem", problem), ("method", method.rawValue),
            ("parameters", parameters.map { "\($0.name)=\($0.value)" }.joined(separator: " ")),
            ("t0 … t1", "\(t0) … \(t1)"), ("dt", "\(dt)"), ("seed", "\(seed)"), ("paths", "\(paths)"),
            ("y (path 0)", list(Array(finalState.prefix(dimension)))),
            ("steps", "\(statistics.steps)"), ("f-evaluations", "\(statistics.functionEvaluations)"),
            ("g-evaluations", "\(statistics.diffusionEvaluations)"), ("solve seconds", "\(solveSeconds)"),
        ]
        if moments {
            lines += [("mean", list(mean)), ("exact mean", list(exactMean)),
                      ("variance", list(variance)), ("exact variance", list(exactVariance))]
        }
        let width = lines.map(\.0.count).max() ?? 0
        return lines.map { $0.0 + String(repeating: " ", count: width - $0.0.count + 2) + $0.1 }.joined(separator: "\n")
    }
}
