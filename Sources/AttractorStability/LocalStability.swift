import AttractorDynamics
import AttractorNumerics
import CGSL
import Foundation

/// Linear stability of `F` at given points (usually end points of `ConvergenceDiagnostic`).
///
/// - spectral radius `ρ(J)`, `J = ∂F/∂z`: power iteration on JVPs, `v ← Jv/‖Jv‖`; the
///   estimate is the geometric mean of the growth `‖Jv‖` over the second half of the
///   iterations, which converges for a complex dominant pair too (error `O(1/n)` for a
///   defective `J`, geometric otherwise);
/// - spectral norm `‖J‖₂`: power iteration on `JᵀJ` (one JVP and one VJP per iteration);
/// - for `dimension ≤ denseLimit`: the full spectrum of the dense `J` (built from
///   `dimension` VJPs with unit cotangents, one batched call) by GSL's
///   `gsl_eigen_nonsymm` (Francis QR), and the largest real part of `J − I`.
///
/// A discrete model is locally stable when `ρ(J) < 1`; a continuous one
/// (`dz/dt = F(z) − z`) when every eigenvalue of `J − I` has negative real part. Without
/// a spectrum the continuous verdict falls back to the sufficient condition `ρ(J) < 1`
/// (nil when that fails: undecided).
/// - Complexity: `iterations` batched JVPs (+ as many VJPs for the norm); dense:
///   one batched VJP over `D` rows and `O(D³)` for the eigenvalues.
public enum LocalStability {
    public struct Options: Codable, Sendable, Equatable {
        public var iterations: Int
        /// Largest dimension for which the dense spectrum is computed.
        public var denseLimit: Int
        public var seed: UInt64

        public init(iterations: Int = 100, denseLimit: Int = 128, seed: UInt64 = 0) {
            self.iterations = iterations
            self.denseLimit = denseLimit
            self.seed = seed
        }
    }

    /// One eigenvalue.
    public struct Eigenvalue: Codable, Sendable, Equatable {
        public var re: Double
        public var im: Double
        public var modulus: Double { (re * re + im * im).squareRoot() }
    }

    /// The verdict at one point.
    public struct Report: Codable, Sendable {
        public var spectralRadius: Double
        /// `‖J‖₂`; NaN when the map has no VJP.
        public var spectralNorm: Double
        /// The dense spectrum of `J`, sorted by decreasing modulus (nil above `denseLimit`).
        public var eigenvalues: [Eigenvalue]?
        /// `max Re λ(J − I)` from the dense spectrum.
        public var largestRealPartOfJMinusI: Double?
        /// Discrete verdict: `ρ(J) < 1` (from the dense spectrum when there is one).
        public var discreteStable: Bool
        /// Continuous verdict: every `Re λ(J − I) < 0`; nil when undecided.
        public var continuousStable: Bool?
        /// The verdict for the map's own reading (`LatentMap.isContinuous`).
        public var stable: Bool?
    }

    /// Analyses `rows` points of `states` (`rows × dimension`).
    public static func analyze<M: LatentMap>(
        _ map: M, at states: [M.Scalar], rows: Int, originalRows: [Int]? = nil, options: Options = Options()
    ) throws(StabilityError) -> [Report] {
        let d = map.dimension
        try LatentBatch.validate(stateCount: states.count, rows: rows, dimension: d, originalRows: originalRows)
        guard options.iterations >= 2 else { throw .invalidArgument("power iteration needs at least 2 iterations") }
        let radii = powerRadius(map, states, rows: rows, originalRows: originalRows, options: options)
        let norms = powerNorm(map, states, rows: rows, originalRows: originalRows, options: options)
        var reports: [Report] = []
        for r in 0..<rows {
            var eigenvalues: [Eigenvalue]? = nil
            if d <= options.denseLimit {
                eigenvalues = try spectrum(map, states, row: r, originalRow: originalRows?[r] ?? r)
            }
            let rho = eigenvalues.map { $0.first?.modulus ?? 0 } ?? radii[r]
            let maxRe = eigenvalues.map { $0.map { $0.re - 1 }.max() ?? -1 }
            let discrete = rho < 1
            let continuous: Bool? = maxRe.map { $0 < 0 } ?? (rho < 1 ? true : nil)
            reports.append(Report(spectralRadius: eigenvalues == nil ? radii[r] : rho, spectralNorm: norms[r],
                                  eigenvalues: eigenvalues, largestRealPartOfJMinusI: maxRe,
                                  discreteStable: discrete, continuousStable: continuous,
                                  stable: map.isContinuous ? continuous : discrete))
        }
        return reports
    }

    /// Power-iteration estimate of `ρ(J)` per row (never the dense value).
    public static func powerRadius<M: LatentMap>(
        _ map: M, _ states: [M.Scalar], rows: Int, originalRows: [Int]?, options: Options
    ) -> [Double] {
        let d = map.dimension
        var v: [M.Scalar] = LatentBatch.gaussian(rows: rows, dimension: d, scale: 1, seed: options.seed)
        var w = v
        var norms = [Double](repeating: 0, count: rows)
        var logSum = [Double](repeating: 0, count: rows)
        var collapsed = [Bool](repeating: false, count: rows)
        v.withUnsafeMutableBufferPointer { LatentBatch.normalizeRows($0.baseAddress!, rows: rows, dimension: d, into: &norms) }
        let half = options.iterations / 2
        LatentBatch.withSelection(rows: rows, originalRows: originalRows) { sel in
            for k in 0..<options.iterations {
                states.withUnsafeBufferPointer { z in
                    v.withUnsafeBufferPointer { vp in
                        w.withUnsafeMutableBufferPointer { wp in
                            map.jacobianVectorProduct(state: z.baseAddress!, tangent: vp.baseAddress!,
                                                      product: wp.baseAddress!, rows: sel)
                        }
                    }
                }
                w.withUnsafeMutableBufferPointer { LatentBatch.normalizeRows($0.baseAddress!, rows: rows, dimension: d, into: &norms) }
                for r in 0..<rows {
                    if norms[r] == 0 { collapsed[r] = true }
                    if k >= half, norms[r] > 0 { logSum[r] += Foundation.log(norms[r]) }
                }
                swap(&v, &w)
            }
        }
        let count = Double(options.iterations - half)
        return (0..<rows).map { collapsed[$0] ? 0 : Foundation.exp(logSum[$0] / count) }
    }

    /// Power-iteration estimate of `‖J‖₂` per row: `σ² ≈ ‖JᵀJ v‖` for unit `v`.
    public static func powerNorm<M: LatentMap>(
        _ map: M, _ states: [M.Scalar], rows: Int, originalRows: [Int]?, options: Options
    ) -> [Double] {
        guard map.hasVectorJacobianProduct else { return [Double](repeating: .nan, count: rows) }
        let d = map.dimension
        var v: [M.Scalar] = LatentBatch.gaussian(rows: rows, dimension: d, scale: 1, seed: options.seed &+ 1)
        var jv = v, u = v
        var norms = [Double](repeating: 0, count: rows)
        v.withUnsafeMutableBufferPointer { LatentBatch.normalizeRows($0.baseAddress!, rows: rows, dimension: d, into: &norms) }
        LatentBatch.withSelection(rows: rows, originalRows: originalRows) { sel in
            for _ in 0..<options.iterations {
                states.withUnsafeBufferPointer { z in
                    v.withUnsafeBufferPointer { vp in
                        jv.withUnsafeMutableBufferPointer { jp in
                            map.jacobianVectorProduct(state: z.baseAddress!, tangent: vp.baseAddress!,
                                                      product: jp.baseAddress!, rows: sel)
                        }
                    }
                    jv.withUnsafeBufferPointer { jp in
                        u.withUnsafeMutableBufferPointer { up in
                            map.vectorJacobianProduct(state: z.baseAddress!, cotangent: jp.baseAddress!,
                                                      product: up.baseAddress!, rows: sel)
                        }
                    }
                }
                u.withUnsafeMutableBufferPointer { LatentBatch.normalizeRows($0.baseAddress!, rows: rows, dimension: d, into: &norms) }
                swap(&v, &u)
            }
        }
        return norms.map { $0.squareRoot() }
    }

    /// The dense Jacobian `J = ∂F/∂z` at row `row` of `states`, row-major `D × D`, from
    /// one batched VJP with the `D` unit cotangents (row `i` of the result is `e_iᵀJ`), or
    /// from `D` JVPs (columns `J e_j`) when the map has no VJP.
    public static func denseJacobian<M: LatentMap>(
        _ map: M, _ states: [M.Scalar], row: Int, originalRow: Int
    ) -> [Double] {
        let d = map.dimension
        var replicated = [M.Scalar](repeating: 0, count: d * d)
        var identity = [M.Scalar](repeating: 0, count: d * d)
        var product = [M.Scalar](repeating: 0, count: d * d)
        for i in 0..<d {
            for c in 0..<d { replicated[i * d + c] = states[row * d + c] }
            identity[i * d + i] = 1
        }
        let origins = [Int](repeating: originalRow, count: d)
        LatentBatch.withSelection(rows: d, originalRows: origins) { sel in
            replicated.withUnsafeBufferPointer { z in
                identity.withUnsafeBufferPointer { e in
                    product.withUnsafeMutableBufferPointer { p in
                        if map.hasVectorJacobianProduct {
                            map.vectorJacobianProduct(state: z.baseAddress!, cotangent: e.baseAddress!,
                                                      product: p.baseAddress!, rows: sel)
                        } else {
                            map.jacobianVectorProduct(state: z.baseAddress!, tangent: e.baseAddress!,
                                                      product: p.baseAddress!, rows: sel)
                        }
                    }
                }
            }
        }
        if map.hasVectorJacobianProduct { return product.map { Double($0) } }
        // Row j of the JVP batch is column j of J: transpose.
        var j = [Double](repeating: 0, count: d * d)
        for r in 0..<d { for c in 0..<d { j[r * d + c] = Double(product[c * d + r]) } }
        return j
    }

    /// Eigenvalues of the dense Jacobian at one row, by decreasing modulus.
    public static func spectrum<M: LatentMap>(
        _ map: M, _ states: [M.Scalar], row: Int, originalRow: Int
    ) throws(StabilityError) -> [Eigenvalue] {
        try eigenvalues(ofSquare: denseJacobian(map, states, row: row, originalRow: originalRow), dimension: map.dimension)
    }

    /// Eigenvalues of a general real `n × n` row-major matrix by `gsl_eigen_nonsymm`,
    /// sorted by decreasing modulus.
    /// - Complexity: `O(n³)` (Hessenberg reduction and Francis double-shift QR).
    public static func eigenvalues(ofSquare a: [Double], dimension n: Int) throws(StabilityError) -> [Eigenvalue] {
        guard n > 0, a.count == n * n else { throw .invalidArgument("eigenvalues: need an n × n matrix, got \(a.count) entries for n = \(n)") }
        guard a.allSatisfy(\.isFinite) else { throw .invalidArgument("eigenvalues: matrix has non-finite entries") }
        GSL.prepare()
        guard let m = gsl_matrix_alloc(n, n), let eval = gsl_vector_complex_alloc(n),
              let work = gsl_eigen_nonsymm_alloc(n) else { throw .underlying("GSL allocation failed") }
        defer { gsl_matrix_free(m); gsl_vector_complex_free(eval); gsl_eigen_nonsymm_free(work) }
        let tda = m.pointee.tda
        for i in 0..<n { for j in 0..<n { m.pointee.data[i * tda + j] = a[i * n + j] } }
        let status = gsl_eigen_nonsymm(m, eval, work)
        guard status == GSL_SUCCESS else {
            throw .underlying("\(GSLError(status: status, context: "gsl_eigen_nonsymm (n = \(n))"))")
        }
        let stride = eval.pointee.stride
        var out: [Eigenvalue] = []
        for i in 0..<n {
            out.append(Eigenvalue(re: eval.pointee.data[2 * i * stride], im: eval.pointee.data[2 * i * stride + 1]))
        }
        return out.sorted { $0.modulus > $1.modulus }
    }
}
