import AttractorNumerics

/// The outcome of an ensemble run: `paths` sample paths of one SDE, solved as one batch.
public struct SDEEnsembleResult: Sendable {
    public let problem: String
    public let method: SDEMethod
    public let parameters: [SDEParameter]
    public let t0: Double
    public let t1: Double
    public let dt: Double
    public let seed: UInt64
    public let paths: Int
    public let dimension: Int
    /// Final states, `paths × dimension`, row-major.
    public let finalState: [Double]
    public let statistics: SolverStatistics
    /// Sample mean per component at `t1`.
    public let mean: [Double]
    /// Unbiased sample variance per component (denominator `paths − 1`; 0 for one path).
    public let variance: [Double]
    public let exactMean: [Double]
    public let exactVariance: [Double]
    /// Median wall time of one solve over the repeats (excludes set-up and moments).
    public let solveSeconds: Double
    /// Standard error of each component's sample mean, `√(variance/paths)`.
    public var meanStandardError: [Double] { variance.map { ($0 / Double(paths)).squareRoot() } }
}

/// Runs `paths` independent sample paths of an `ExactMomentsSDE` as one batch and compares
/// their sample moments with the exact ones.
public enum SDEEnsemble {
    /// - Parameters:
    ///   - dt: fixed step; the Brownian path uses tolerance `dt`.
    ///   - t1: end time (default: the problem's).
    ///   - seed: seeds the `BrownianPath` (`paths` rows × the noise width).
    ///   - repeats: solves timed (same seed, same result); `solveSeconds` is their median.
    public static func run<Problem: ExactMomentsSDE>(
        _ problem: Problem, name: String, method: SDEMethod, dt: Double, t1: Double? = nil,
        seed: UInt64, paths: Int, repeats: Int = 1
    ) throws -> SDEEnsembleResult where Problem.Scalar == Double {
        guard paths > 0 else { throw SolverError.dimensionMismatch(expected: 1, got: paths, what: "paths (at least)") }
        let end = t1 ?? problem.defaultEndTime
        let field = problem.withCalculus(method.calculus)
        let d = field.dimension
        var initial = [Double](repeating: 0, count: paths * d)
        let x0 = field.initialState
        for r in 0..<paths { for i in 0..<d { initial[r * d + i] = x0[i] } }

        var solution: SDESolution<Double>?
        var seconds: [Double] = []
        let clock = ContinuousClock()
        for _ in 0..<max(1, repeats) {
            var s: SDESolution<Double>?
            let elapsed = try clock.measure {
                s = try SDESolver.solve(method, drift: field, noise: field, initialState: initial, rows: paths,
                                        t0: field.t0, t1: end, dt: dt, seed: seed)
            }
            solution = s
            seconds.append(Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) * 1e-18)
        }
        let final = solution!.finalState
        let (mean, variance) = sampleMoments(final, rows: paths, dimension: d)
        seconds.sort()
        return SDEEnsembleResult(
            problem: name, method: method, parameters: field.parameters, t0: field.t0, t1: end, dt: dt,
            seed: seed, paths: paths, dimension: d, finalState: final, statistics: solution!.statistics,
            mean: mean, variance: variance,
            exactMean: field.exactMean(at: end), exactVariance: field.exactVariance(at: end),
            solveSeconds: seconds[seconds.count / 2])
    }

    /// Per-component sample mean and unbiased variance (two-pass) of `rows × dimension` data.
    public static func sampleMoments(_ x: [Double], rows: Int, dimension d: Int) -> (mean: [Double], variance: [Double]) {
        var mean = [Double](repeating: 0, count: d)
        var variance = [Double](repeating: 0, count: d)
        for r in 0..<rows { for i in 0..<d { mean[i] += x[r * d + i] } }
        for i in 0..<d { mean[i] /= Double(rows) }
        guard rows > 1 else { return (mean, variance) }
        for r in 0..<rows {
            for i in 0..<d {
                let e = x[r * d + i] - mean[i]
                variance[i] += e * e
            }
        }
        for i in 0..<d { variance[i] /= Double(rows - 1) }
        return (mean, variance)
    }
}
