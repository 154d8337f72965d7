import AttractorNumerics

/// Fixed-step solvers for `dz = f(t, z) dt + g(t, z) dW` over a batch of independent rows
/// (`rows × dimension` state), driven by Brownian increments from a `BrownianPath` or a
/// `BrownianIncrements` stream, so that every scheme (and an exact solution) can be run on
/// the same path.
///
/// Noise layout (`NoiseKind`): `g` is always `rows × dimension`. Scalar noise uses one
/// Brownian motion per row (path `width` 1, broadcast over the components); additive and
/// diagonal noise use one per component (`width == dimension`).
///
/// Steps are `t_n = t0 + n·dt`, the last one shortened to end exactly at `t1`
/// (`⌈(t1 − t0)/dt⌉` steps). Workspaces are allocated once per solve; a step allocates
/// nothing. After every step the state is checked for NaN/Inf.
///
/// - Complexity: per step, `rows·dimension` flops times a small constant plus the field
///   evaluations listed in `SDEMethod`.
public enum SDESolver {
    /// Solves on a `BrownianPath` (replayed through `BrownianIncrements(path:)`).
    public static func solve<Drift: VectorField, Noise: NoiseField>(
        _ method: SDEMethod, drift: Drift, noise: Noise, initialState: [Drift.Scalar], rows: Int,
        t0: Double = 0, t1: Double, dt: Double, path: BrownianPath<Drift.Scalar>,
        saveTrajectory: Bool = false
    ) throws -> SDESolution<Drift.Scalar> where Noise.Scalar == Drift.Scalar {
        try validate(t0: t0, t1: t1, dt: dt)
        guard path.t0 <= t0, path.t1 >= t1 else {
            throw SolverError.invalidTimeSpan(t0: path.t0, t1: path.t1)
        }
        let increments = try BrownianIncrements(path: path, t0: t0)
        return try solve(method, drift: drift, noise: noise, initialState: initialState, rows: rows,
                         t0: t0, t1: t1, dt: dt, increments: increments, saveTrajectory: saveTrajectory)
    }

    /// Solves with a fresh path of the given seed (tolerance `dt`: step times are `dt` apart,
    /// so the increments have the exact joint law). A dyadic `dt = (t1 − t0)/2^k` puts every
    /// step on a tree node (about one node per step, the cheapest); other `dt` cost a few
    /// nodes and one bridge sample per step.
    public static func solve<Drift: VectorField, Noise: NoiseField>(
        _ method: SDEMethod, drift: Drift, noise: Noise, initialState: [Drift.Scalar], rows: Int,
        t0: Double = 0, t1: Double, dt: Double, seed: UInt64, saveTrajectory: Bool = false
    ) throws -> SDESolution<Drift.Scalar> where Noise.Scalar == Drift.Scalar {
        try validate(t0: t0, t1: t1, dt: dt)
        guard rows > 0 else { throw SolverError.dimensionMismatch(expected: 1, got: rows, what: "rows") }
        let path = try BrownianPath<Drift.Scalar>(
            t0: t0, t1: t1, rows: rows, width: noise.noiseKind == .scalar ? 1 : noise.dimension,
            seed: seed, tolerance: dt)
        return try solve(method, drift: drift, noise: noise, initialState: initialState, rows: rows,
                         t0: t0, t1: t1, dt: dt, path: path, saveTrajectory: saveTrajectory)
    }

    /// Solves with explicit increments (path-backed or the cheap stream). `increments.time`
    /// must equal `t0`.
    public static func solve<Drift: VectorField, Noise: NoiseField>(
        _ method: SDEMethod, drift: Drift, noise: Noise, initialState: [Drift.Scalar], rows: Int,
        t0: Double = 0, t1: Double, dt: Double, increments: BrownianIncrements<Drift.Scalar>,
        saveTrajectory: Bool = false
    ) throws -> SDESolution<Drift.Scalar> where Noise.Scalar == Drift.Scalar {
        typealias S = Drift.Scalar
        try validate(t0: t0, t1: t1, dt: dt)
        let d = drift.dimension
        guard noise.dimension == d else {
            throw SolverError.dimensionMismatch(expected: d, got: noise.dimension, what: "noise field dimension")
        }
        guard rows > 0 else { throw SolverError.dimensionMismatch(expected: 1, got: rows, what: "rows") }
        guard initialState.count == rows * d else {
            throw SolverError.dimensionMismatch(expected: rows * d, got: initialState.count, what: "initial state")
        }
        let width = noise.noiseKind == .scalar ? 1 : d
        guard increments.rows == rows else {
            throw SolverError.dimensionMismatch(expected: rows, got: increments.rows, what: "Brownian rows")
        }
        guard increments.width == width else {
            throw SolverError.dimensionMismatch(expected: width, got: increments.width, what: "Brownian width (\(noise.noiseKind) noise)")
        }
        guard increments.time == t0, increments.covers(t1) else {
            throw SolverError.invalidTimeSpan(t0: increments.time, t1: increments.path?.t1 ?? t1)
        }
        if let row = firstNonFiniteRow(initialState, rows: rows, dimension: d) {
            throw SolverError.nonFiniteState(t: t0, row: row)
        }
        let stepCount = steps(t0: t0, t1: t1, dt: dt)

        let n = rows * d
        let nw = rows * width
        // Workspace: z, f0, f1, g0, g1, zPredicted, dW.
        let workspace = UnsafeMutablePointer<S>.allocate(capacity: 6 * n + nw)
        workspace.initialize(repeating: 0, count: 6 * n + nw)
        defer { workspace.deallocate() }
        let z = workspace, f0 = z + n, f1 = f0 + n, g0 = f1 + n, g1 = g0 + n, zp = g1 + n, dW = zp + n
        initialState.withUnsafeBufferPointer { z.update(from: $0.baseAddress!, count: n) }

        var times: [Double] = []
        var trajectory: [S] = []
        if saveTrajectory {
            times.reserveCapacity(stepCount + 1)
            trajectory.reserveCapacity((stepCount + 1) * n)
            times.append(t0)
            trajectory.append(contentsOf: UnsafeBufferPointer(start: z, count: n))
        }

        var stats = SolverStatistics()
        let all = RowSelection(count: rows)
        let kind = noise.noiseKind
        let half = S(0.5)

        for step in 0..<stepCount {
            let t = t0 + Double(step) * dt
            let tNext = step == stepCount - 1 ? t1 : t0 + Double(step + 1) * dt
            let h = S(tNext - t)
            try increments.next(to: tNext, into: dW)

            drift.evaluate(t: S(t), state: z, derivative: f0, rows: all)
            noise.diffusion(t: S(t), state: z, diffusion: g0, rows: all)
            stats.functionEvaluations += 1
            stats.rowEvaluations += rows
            stats.diffusionEvaluations += 1

            switch method {
            case .eulerMaruyama:
                for r in 0..<rows {
                    for i in 0..<d {
                        let k = r * d + i
                        z[k] += f0[k] * h + g0[k] * dW[r * width + (width == 1 ? 0 : i)]
                    }
                }
            case .milstein:
                if kind == .additive {
                    // ∂g/∂z = 0: Milstein is Euler–Maruyama.
                    for r in 0..<rows {
                        for i in 0..<d {
                            let k = r * d + i
                            z[k] += f0[k] * h + g0[k] * dW[r * width + i]
                        }
                    }
                } else {
                    guard noise.diffusionDerivative(t: S(t), state: z, derivative: g1, rows: all) else {
                        throw SolverError.methodCannotSolve(
                            method: method.rawValue,
                            reason: "\(kind) noise needs diffusionDerivative (∂g_i/∂z_i), which the noise field does not supply")
                    }
                    stats.diffusionEvaluations += 1
                    for r in 0..<rows {
                        for i in 0..<d {
                            let k = r * d + i
                            let w = dW[r * width + (width == 1 ? 0 : i)]
                            z[k] += f0[k] * h + g0[k] * w + half * g0[k] * g1[k] * (w * w - h)
                        }
                    }
                }
            case .stochasticHeun:
                for r in 0..<rows {
                    for i in 0..<d {
                        let k = r * d + i
                        zp[k] = z[k] + f0[k] * h + g0[k] * dW[r * width + (width == 1 ? 0 : i)]
                    }
                }
                drift.evaluate(t: S(tNext), state: zp, derivative: f1, rows: all)
                noise.diffusion(t: S(tNext), state: zp, diffusion: g1, rows: all)
                stats.functionEvaluations += 1
                stats.rowEvaluations += rows
                stats.diffusionEvaluations += 1
                for r in 0..<rows {
                    for i in 0..<d {
                        let k = r * d + i
                        let w = dW[r * width + (width == 1 ? 0 : i)]
                        z[k] += half * ((f0[k] + f1[k]) * h + (g0[k] + g1[k]) * w)
                    }
                }
            }
            stats.steps += 1

            if let row = firstNonFiniteRow(z, rows: rows, dimension: d) {
                throw SolverError.nonFiniteState(t: tNext, row: row)
            }
            if saveTrajectory {
                times.append(tNext)
                trajectory.append(contentsOf: UnsafeBufferPointer(start: z, count: n))
            }
        }

        return SDESolution(
            method: method, rows: rows, dimension: d, t0: t0, t1: t1,
            finalState: Array(UnsafeBufferPointer(start: z, count: n)),
            times: times, trajectory: trajectory, statistics: stats)
    }

    /// The number of steps of size `dt` (the last one shortened) from `t0` to `t1`.
    public static func steps(t0: Double, t1: Double, dt: Double) -> Int {
        let ratio = (t1 - t0) / dt
        // Absorb rounding: (1 − 0.3)/0.1 is 6.999…, not 7 steps plus a sliver.
        return max(1, Int((ratio * (1 - 1e-12)).rounded(.up)))
    }

    static func validate(t0: Double, t1: Double, dt: Double) throws {
        guard t0.isFinite, t1.isFinite, t1 > t0 else { throw SolverError.invalidTimeSpan(t0: t0, t1: t1) }
        guard dt.isFinite, dt > 0 else { throw SolverError.invalidStepSize(dt) }
        guard (t1 - t0) / dt <= 1e9 else {
            throw SolverError.maximumStepsExceeded(steps: 1_000_000_000, t: t0, t1: t1)
        }
    }

    @inline(__always)
    static func firstNonFiniteRow<S: AttractorNumerics.Scalar>(
        _ z: UnsafePointer<S>, rows: Int, dimension: Int
    ) -> Int? {
        for k in 0..<(rows * dimension) where !z[k].isFinite { return k / dimension }
        return nil
    }

    static func firstNonFiniteRow<S: AttractorNumerics.Scalar>(_ z: [S], rows: Int, dimension: Int) -> Int? {
        z.withUnsafeBufferPointer { firstNonFiniteRow($0.baseAddress!, rows: rows, dimension: dimension) }
    }
}
