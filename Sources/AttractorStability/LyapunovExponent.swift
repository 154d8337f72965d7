import AttractorDynamics
import AttractorNumerics
import Foundation

/// The largest Lyapunov exponent of the iteration `z_{k+1} = F(z_k)` by the tangent-vector
/// method: `v_{k+1} = J(z_k) v_k / ‖J(z_k) v_k‖` and
/// `λ = (1/N) Σ_{k ≥ transient} log ‖J(z_k) v_k‖` (per iteration of `F`).
///
/// Renormalising every step keeps the tangent finite. For a linear map `λ = log ρ(A)`;
/// along a trajectory that settles at a stable fixed point `λ → log ρ(J*) < 0`; a
/// positive `λ` means nearby trajectories separate (chaos or divergence). For a
/// continuous model read through `FieldLatentMap` with step `h`, `λ/h` approximates
/// the flow's exponent per unit time as `h → 0`.
/// - Complexity: per step one batched `F` and one batched JVP.
public enum LyapunovExponent {
    public struct Options: Codable, Sendable, Equatable {
        public var steps: Int
        /// Leading steps whose growth is not averaged (tangent aligning with the dominant direction).
        public var transient: Int
        public var seed: UInt64

        public init(steps: Int = 200, transient: Int = 20, seed: UInt64 = 0) {
            self.steps = steps
            self.transient = transient
            self.seed = seed
        }
    }

    /// Exponent per row of `initialState`.
    public static func largest<M: LatentMap>(
        _ map: M, initialState: [M.Scalar], rows: Int, originalRows: [Int]? = nil, options: Options = Options()
    ) throws(StabilityError) -> [Double] {
        let d = map.dimension
        try LatentBatch.validate(stateCount: initialState.count, rows: rows, dimension: d, originalRows: originalRows)
        guard options.steps > options.transient, options.transient >= 0 else {
            throw .invalidArgument("Lyapunov: steps (\(options.steps)) must exceed transient (\(options.transient)) ≥ 0")
        }
        var z = initialState, next = initialState
        var v: [M.Scalar] = LatentBatch.gaussian(rows: rows, dimension: d, scale: 1, seed: options.seed)
        var w = v
        var norms = [Double](repeating: 0, count: rows)
        var logSum = [Double](repeating: 0, count: rows)
        var collapsed = [Bool](repeating: false, count: rows)
        v.withUnsafeMutableBufferPointer { LatentBatch.normalizeRows($0.baseAddress!, rows: rows, dimension: d, into: &norms) }
        var failure: StabilityError? = nil
        LatentBatch.withSelection(rows: rows, originalRows: originalRows) { sel in
            for k in 0..<options.steps where failure == nil {
                z.withUnsafeBufferPointer { zp in
                    v.withUnsafeBufferPointer { vp in
                        w.withUnsafeMutableBufferPointer { wp in
                            map.jacobianVectorProduct(state: zp.baseAddress!, tangent: vp.baseAddress!,
                                                      product: wp.baseAddress!, rows: sel)
                        }
                    }
                    next.withUnsafeMutableBufferPointer { np in
                        map.apply(state: zp.baseAddress!, image: np.baseAddress!, rows: sel)
                    }
                }
                w.withUnsafeMutableBufferPointer { LatentBatch.normalizeRows($0.baseAddress!, rows: rows, dimension: d, into: &norms) }
                for r in 0..<rows {
                    if !norms[r].isFinite { failure = .nonFinite(row: r, step: k) }
                    if norms[r] == 0 { collapsed[r] = true }
                    if k >= options.transient, norms[r] > 0 { logSum[r] += Foundation.log(norms[r]) }
                }
                if let e = next.firstIndex(where: { !$0.isFinite }) { failure = .nonFinite(row: e / d, step: k) }
                swap(&v, &w)
                swap(&z, &next)
            }
        }
        if let failure { throw failure }
        let n = Double(options.steps - options.transient)
        return (0..<rows).map { collapsed[$0] ? -.infinity : logSum[$0] / n }
    }
}
