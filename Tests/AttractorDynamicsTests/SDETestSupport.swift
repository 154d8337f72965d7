import AttractorDynamics
import Foundation

/// Shared helpers for the SDE tests: convergence slopes on one Brownian path.
enum SDETestSupport {
    /// Least-squares slope of `log(error)` against `log(step)`.
    static func slope(steps: [Double], errors: [Double]) -> Double {
        let x = steps.map { log($0) }, y = errors.map { log($0) }
        let mx = x.reduce(0, +) / Double(x.count), my = y.reduce(0, +) / Double(y.count)
        var sxy = 0.0, sxx = 0.0
        for i in x.indices {
            sxy += (x[i] - mx) * (y[i] - my)
            sxx += (x[i] - mx) * (x[i] - mx)
        }
        return sxy / sxx
    }

    /// Solves `problem` with `method` on one path of `paths` rows for `dt = 2^-k`, `k ∈ levels`,
    /// returning the final states per level and the path value `W(t1)`.
    static func finalStates(
        _ method: SDEMethod, problem: GeometricBrownianMotion<Double>, paths: Int, seed: UInt64,
        levels: [Int], t1: Double = 1
    ) throws -> (states: [[Double]], wT: [Double]) {
        let path = try BrownianPath<Double>(t1: t1, rows: paths, width: problem.dimension, seed: seed,
                                            tolerance: t1 * 0x1p-12)
        let initial = [Double](repeating: problem.x0, count: paths * problem.dimension)
        var states: [[Double]] = []
        for k in levels {
            let dt = t1 * Double(sign: .plus, exponent: -k, significand: 1)
            let s = try SDESolver.solve(method, drift: problem, noise: problem, initialState: initial, rows: paths,
                                        t1: t1, dt: dt, path: path)
            states.append(s.finalState)
        }
        return (states, try path.value(at: t1))
    }

    /// Strong errors `E|X_T − X_exact(W_T)|` per level; `exact` maps `W_T` to the exact `X_T`.
    static func strongErrors(
        _ method: SDEMethod, problem: GeometricBrownianMotion<Double>, paths: Int, seed: UInt64,
        levels: [Int], exact: (Double) -> Double
    ) throws -> [Double] {
        let (states, wT) = try finalStates(method, problem: problem, paths: paths, seed: seed, levels: levels)
        return states.map { x in
            var e = 0.0
            for c in x.indices { e += abs(x[c] - exact(wT[c])) }
            return e / Double(x.count)
        }
    }

    /// Weak errors `|mean(X_T) − E[X_T]|` per level.
    static func weakErrors(
        _ method: SDEMethod, problem: GeometricBrownianMotion<Double>, paths: Int, seed: UInt64, levels: [Int]
    ) throws -> [Double] {
        let (states, _) = try finalStates(method, problem: problem, paths: paths, seed: seed, levels: levels)
        let exactMean = problem.exactMean(at: 1)[0]
        return states.map { x in abs(x.reduce(0, +) / Double(x.count) - exactMean) }
    }
}
