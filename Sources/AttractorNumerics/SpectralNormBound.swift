import Foundation

/// A certified upper bound on a matrix's spectral norm (the largest singular value), shared by
/// the contractive blocks' Lipschitz certificate (AttractorNeural) and the monotone operators'
/// step-size certificate (AttractorDynamics).
public enum SpectralNormBound {
    /// A rigorous upper bound on `σ_max(W)` (up to Double rounding): with `G = WᵀW` (or `WWᵀ`,
    /// the smaller, of size `r`), `σ_max² = λ_max(G) ≤ tr(G^k)^{1/k}` for every `k`, since
    /// `G` is positive semidefinite; `k = 2^squarings` by repeated squaring (each square
    /// normalised by its trace, the logarithms summed), so the bound is within a factor
    /// `r^{1/(2k)}` of `σ_max` (1.0024 for `r = 128`, 10 squarings). Power iteration
    /// (`SpectralBound.largestSingularValue` in AttractorNeural) approaches `σ_max` from
    /// below; this certifies from above.
    @_specialize(where T == Float)
    @_specialize(where T == Double)
    public static func upperBound<T: Scalar>(_ w: UnsafePointer<T>, rows: Int, columns: Int,
                                             squarings: Int = 10) -> Double {
        let r = min(rows, columns)
        var g = [Double](repeating: 0, count: r * r)
        // G = WᵀW (columns ≤ rows) or WWᵀ.
        for a in 0..<r {
            for b in a..<r {
                var sum = 0.0
                if columns <= rows {
                    for i in 0..<rows { sum += Double(w[i * columns + a]) * Double(w[i * columns + b]) }
                } else {
                    for j in 0..<columns { sum += Double(w[a * columns + j]) * Double(w[b * columns + j]) }
                }
                g[a * r + b] = sum
                g[b * r + a] = sum
            }
        }
        var logBound = 0.0, weight = 0.5
        var square = [Double](repeating: 0, count: r * r)
        for step in 0...max(0, squarings) {
            var trace = 0.0
            for a in 0..<r { trace += g[a * r + a] }
            guard trace > 0 else { return 0 }
            logBound += weight * Foundation.log(trace)
            if step == squarings { break }
            weight *= 0.5
            let inv = 1 / trace
            for e in g.indices { g[e] *= inv }
            // g ← g² (symmetric).
            for a in 0..<r {
                for b in a..<r {
                    var sum = 0.0
                    for k in 0..<r { sum += g[a * r + k] * g[k * r + b] }
                    square[a * r + b] = sum
                    square[b * r + a] = sum
                }
            }
            swap(&g, &square)
        }
        return Foundation.exp(logBound) * (1 + 1e-9)
    }


    /// The same bound for a row-major `[Double]`.
    public static func upperBound(_ w: [Double], rows: Int, columns: Int, squarings: Int = 10) -> Double {
        precondition(w.count == rows * columns, "upperBound: \(w.count) values for a \(rows) × \(columns) matrix")
        return w.withUnsafeBufferPointer { upperBound($0.baseAddress!, rows: rows, columns: columns, squarings: squarings) }
    }
}
