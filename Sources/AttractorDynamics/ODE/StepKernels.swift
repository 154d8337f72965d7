import AttractorNumerics

/// The elementwise loops of the explicit solvers, written once over `Scalar` and
/// pre-specialised for Float and Double so that callers in other modules (which see
/// the solvers unspecialised) still run concrete loops.
enum StepKernels {
    /// `out ← base + h·Σ_j weights[j]·stages[j]` over `n` scalars (zero weights skipped).
    /// - Complexity: `n·(nonzero weights + 1)` multiply–adds.
    @_specialize(where T == Double)
    @_specialize(where T == Float)
    static func combine<T: AttractorNumerics.Scalar>(
        count n: Int, base: UnsafePointer<T>, scale h: T, weights: UnsafePointer<T>,
        stages: UnsafePointer<UnsafeMutablePointer<T>>, stageCount m: Int, into out: UnsafeMutablePointer<T>
    ) {
        if n <= 64 {
            // Small states (classical problems): one fused pass per stage count, unrolled,
            // stage pointers hoisted (no inner loop).
            switch m {
            case 1:
                let w0 = weights[0], k0 = stages[0]
                for e in 0..<n { out[e] = base[e] + h * (w0 * k0[e]) }
            case 2:
                let w0 = weights[0], k0 = stages[0]; let w1 = weights[1], k1 = stages[1]
                for e in 0..<n { out[e] = base[e] + h * (w0 * k0[e] + w1 * k1[e]) }
            case 3:
                let w0 = weights[0], k0 = stages[0]; let w1 = weights[1], k1 = stages[1]; let w2 = weights[2], k2 = stages[2]
                for e in 0..<n { out[e] = base[e] + h * (w0 * k0[e] + w1 * k1[e] + w2 * k2[e]) }
            case 4:
                let w0 = weights[0], k0 = stages[0]; let w1 = weights[1], k1 = stages[1]; let w2 = weights[2], k2 = stages[2]; let w3 = weights[3], k3 = stages[3]
                for e in 0..<n { out[e] = base[e] + h * (w0 * k0[e] + w1 * k1[e] + w2 * k2[e] + w3 * k3[e]) }
            case 5:
                let w0 = weights[0], k0 = stages[0]; let w1 = weights[1], k1 = stages[1]; let w2 = weights[2], k2 = stages[2]; let w3 = weights[3], k3 = stages[3]; let w4 = weights[4], k4 = stages[4]
                for e in 0..<n { out[e] = base[e] + h * (w0 * k0[e] + w1 * k1[e] + w2 * k2[e] + w3 * k3[e] + w4 * k4[e]) }
            case 6:
                let w0 = weights[0], k0 = stages[0]; let w1 = weights[1], k1 = stages[1]; let w2 = weights[2], k2 = stages[2]; let w3 = weights[3], k3 = stages[3]; let w4 = weights[4], k4 = stages[4]; let w5 = weights[5], k5 = stages[5]
                for e in 0..<n { out[e] = base[e] + h * (w0 * k0[e] + w1 * k1[e] + w2 * k2[e] + w3 * k3[e] + w4 * k4[e] + w5 * k5[e]) }
            case 7:
                let w0 = weights[0], k0 = stages[0]; let w1 = weights[1], k1 = stages[1]; let w2 = weights[2], k2 = stages[2]; let w3 = weights[3], k3 = stages[3]; let w4 = weights[4], k4 = stages[4]; let w5 = weights[5], k5 = stages[5]; let w6 = weights[6], k6 = stages[6]
                for e in 0..<n { out[e] = base[e] + h * (w0 * k0[e] + w1 * k1[e] + w2 * k2[e] + w3 * k3[e] + w4 * k4[e] + w5 * k5[e] + w6 * k6[e]) }
            default:
                for e in 0..<n {
                    var acc: T = 0
                    for j in 0..<m { acc += weights[j] * stages[j][e] }
                    out[e] = base[e] + h * acc
                }
            }
            return
        }
        // Large states: stage by stage, each pass a vectorisable axpy.
        out.update(from: base, count: n)
        for j in 0..<m {
            let w = h * weights[j]
            if w == 0 { continue }
            let k = stages[j]
            for e in 0..<n { out[e] += w * k[e] }
        }
    }

    /// The embedded-error norm `max over rows of √(mean_c (e_c / sc_c)²)` with
    /// `e = h Σ_j w_j k_j` and `sc_c = atol_c + rtol_c·max(|y0_c|, |y1_c|)`.
    /// Returns NaN when any error or state is not finite.
    @_specialize(where T == Double)
    @_specialize(where T == Float)
    static func scaledErrorNorm<T: AttractorNumerics.Scalar>(
        rows: Int, dimension d: Int, h: T, errorWeights w: UnsafePointer<T>,
        stages: UnsafePointer<UnsafeMutablePointer<T>>, stageCount m: Int,
        start y0: UnsafePointer<T>, end y1: UnsafePointer<T>,
        relativeTolerance rtol: UnsafePointer<T>, absoluteTolerance atol: UnsafePointer<T>
    ) -> Double {
        var worst = 0.0
        // Dormand–Prince (7 stages): hoist the stage pointers and weights.
        let seven = m == 7
        let w0 = seven ? w[0] : 0, w1 = seven ? w[1] : 0, w2 = seven ? w[2] : 0, w3 = seven ? w[3] : 0
        let w4 = seven ? w[4] : 0, w5 = seven ? w[5] : 0, w6 = seven ? w[6] : 0
        let k0 = stages[0], k1 = stages[min(1, m - 1)], k2 = stages[min(2, m - 1)], k3 = stages[min(3, m - 1)]
        let k4 = stages[min(4, m - 1)], k5 = stages[min(5, m - 1)], k6 = stages[min(6, m - 1)]
        for r in 0..<rows {
            var sum: T = 0
            let base = r * d
            for c in 0..<d {
                let idx = base + c
                var e: T = 0
                if seven {
                    e = w0 * k0[idx] + w1 * k1[idx] + w2 * k2[idx] + w3 * k3[idx] + w4 * k4[idx] + w5 * k5[idx] + w6 * k6[idx]
                } else {
                    for j in 0..<m where w[j] != 0 { e += w[j] * stages[j][idx] }
                }
                let sc = atol[c] + rtol[c] * max(abs(y0[idx]), abs(y1[idx]))
                // atol = 0 on a component that is exactly 0: only an exactly zero error passes.
                let q = sc > 0 ? h * e / sc : (e == 0 ? 0 : T.infinity)
                sum += q * q
            }
            let norm = Double((sum / T(d)).squareRoot())
            if !norm.isFinite || !y1[base].isFinite { return .nan }
            if norm > worst { worst = norm }
        }
        return worst
    }

    /// `√(mean((x / (atol + rtol·|y|))²))` over `n` scalars of a `d`-wide row layout
    /// (Hairer's norm for the initial-step heuristic).
    @_specialize(where T == Double)
    @_specialize(where T == Float)
    static func scaledRMS<T: AttractorNumerics.Scalar>(
        count n: Int, dimension d: Int, _ x: UnsafePointer<T>, scaleBy y: UnsafePointer<T>,
        relativeTolerance rtol: UnsafePointer<T>, absoluteTolerance atol: UnsafePointer<T>
    ) -> Double {
        var sum: T = 0
        for e in 0..<n {
            let c = e % d
            let sc = atol[c] + rtol[c] * abs(y[e])
            let q = sc > 0 ? x[e] / sc : 0
            sum += q * q
        }
        return Double((sum / T(n)).squareRoot())
    }

    /// Index of the first NaN or infinite value among `n`, or nil.
    @_specialize(where T == Double)
    @_specialize(where T == Float)
    static func firstNonFinite<T: AttractorNumerics.Scalar>(count n: Int, _ x: UnsafePointer<T>) -> Int? {
        for e in 0..<n where !x[e].isFinite { return e }
        return nil
    }

    /// Euclidean norm of `d` scalars, accumulated in Double.
    @_specialize(where T == Double)
    @_specialize(where T == Float)
    static func norm<T: AttractorNumerics.Scalar>(count d: Int, _ x: UnsafePointer<T>) -> Double {
        var s = 0.0
        for c in 0..<d { let v = Double(x[c]); s += v * v }
        return s.squareRoot()
    }

    /// Hairer's continuous extension of Dormand–Prince 5(4) (order 4): builds the five
    /// coefficient vectors `r0…r4` from one accepted step.
    @_specialize(where T == Double)
    @_specialize(where T == Float)
    static func buildDormandPrinceDenseOutput<T: AttractorNumerics.Scalar>(
        count n: Int, h: T, start y0: UnsafePointer<T>, end y1: UnsafePointer<T>,
        stages k: UnsafePointer<UnsafeMutablePointer<T>>, coefficients r: UnsafePointer<UnsafeMutablePointer<T>>
    ) {
        let d1 = T(-12715105075.0 / 11282082432.0), d3 = T(87487479700.0 / 32700410799.0)
        let d4 = T(-10690763975.0 / 1880347072.0), d5 = T(701980252875.0 / 199316789632.0)
        let d6 = T(-1453857185.0 / 822651844.0), d7 = T(69997945.0 / 29380423.0)
        let k1 = k[0], k3 = k[2], k4 = k[3], k5 = k[4], k6 = k[5], k7 = k[6]
        let r0 = r[0], r1 = r[1], r2 = r[2], r3 = r[3], r4 = r[4]
        for e in 0..<n {
            let dy = y1[e] - y0[e]
            let bspl = h * k1[e] - dy
            r0[e] = y0[e]
            r1[e] = dy
            r2[e] = bspl
            r3[e] = dy - h * k7[e] - bspl
            r4[e] = h * (d1 * k1[e] + d3 * k3[e] + d4 * k4[e] + d5 * k5[e] + d6 * k6[e] + d7 * k7[e])
        }
    }

    /// Evaluates the Dormand–Prince dense output at `θ = (t − tₙ)/h ∈ [0, 1]`:
    /// `r0 + θ(r1 + (1−θ)(r2 + θ(r3 + (1−θ) r4)))`.
    @_specialize(where T == Double)
    @_specialize(where T == Float)
    static func evaluateDormandPrinceDenseOutput<T: AttractorNumerics.Scalar>(
        count n: Int, theta: T, coefficients r: UnsafePointer<UnsafeMutablePointer<T>>,
        into out: UnsafeMutablePointer<T>
    ) {
        let t1 = 1 - theta
        let r0 = r[0], r1 = r[1], r2 = r[2], r3 = r[3], r4 = r[4]
        for e in 0..<n {
            out[e] = r0[e] + theta * (r1[e] + t1 * (r2[e] + theta * (r3[e] + t1 * r4[e])))
        }
    }
}
