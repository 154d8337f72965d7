import AttractorDynamics
import AttractorNumerics
import Foundation

/// Convergence of the iteration `z_{k+1} = F(z_k)` from a batch of initial latents.
///
/// Records the residual `r_k = ‖F(z_k) − z_k‖₂` (or `/‖z_k‖₂` with `relative`) per row and step, the first step with
/// `r_k ≤ tolerance` (the row is then frozen at `z_k`), and the empirical contraction
/// rate: the geometric mean of `r_{k+1}/r_k` over the last `rateWindow` recorded
/// ratios, which tends to `ρ(J)` at a stable fixed point (`Docs/Stability.md`).
/// - Complexity: one batched evaluation of `F` per step (`maximumSteps` at most).
public enum ConvergenceDiagnostic {
    public struct Options: Codable, Sendable, Equatable {
        /// Step budget.
        public var maximumSteps: Int
        /// Residual at or below which a row counts as converged.
        public var tolerance: Double
        /// How many trailing residual ratios the contraction rate averages.
        public var rateWindow: Int
        /// Residuals relative to the state, `‖F(z) − z‖ / ‖z‖` (as the reasoning models'
        /// halting rule), instead of absolute.
        public var relative: Bool

        public init(maximumSteps: Int = 200, tolerance: Double = 1e-6, rateWindow: Int = 10, relative: Bool = false) {
            self.maximumSteps = maximumSteps
            self.tolerance = tolerance
            self.rateWindow = rateWindow
            self.relative = relative
        }
    }

    /// The outcome for a batch.
    public struct Trace: Codable, Sendable {
        public var rows: Int
        public var dimension: Int
        public var tolerance: Double
        /// `residuals[r][k] = ‖F(z_k) − z_k‖₂` of row `r`, up to its convergence step.
        public var residuals: [[Double]]
        /// First step with residual ≤ tolerance, or nil.
        public var convergedStep: [Int?]
        /// Geometric mean of the trailing residual ratios per row (nan with < 1 ratio).
        public var contractionRate: [Double]
        /// End points `z_k` (frozen at convergence), `rows × dimension`, in Double.
        public var finalState: [Double]
        /// Batched evaluations of `F` (each covering every row still iterating).
        public var functionEvaluations: Int
        /// Row evaluations of `F` summed over rows (what a per-row budget pays).
        public var rowEvaluations: Int

        public var convergedFraction: Double {
            Double(convergedStep.filter { $0 != nil }.count) / Double(max(rows, 1))
        }
        public func finalRow(_ r: Int) -> ArraySlice<Double> { finalState[(r * dimension)..<((r + 1) * dimension)] }
    }

    /// Iterates `map` from `initialState` (`rows × dimension`). `originalRows[i]` is the
    /// map's row (input) of working row `i` (nil: identity).
    public static func run<M: LatentMap>(
        _ map: M, initialState: [M.Scalar], rows: Int, originalRows: [Int]? = nil, options: Options = Options()
    ) throws(StabilityError) -> Trace {
        let d = map.dimension
        try LatentBatch.validate(stateCount: initialState.count, rows: rows, dimension: d, originalRows: originalRows)
        guard options.maximumSteps > 0, options.tolerance >= 0, options.rateWindow > 0 else {
            throw .invalidArgument("convergence: maximumSteps and rateWindow must be positive, tolerance ≥ 0")
        }
        var z = initialState
        var image = [M.Scalar](repeating: 0, count: rows * d)
        var residuals = [[Double]](repeating: [], count: rows)
        var converged = [Int?](repeating: nil, count: rows)
        // Active rows are compacted to the front of `work` so the map only sees live rows.
        var active = Array(0..<rows)
        var work = z
        var evaluations = 0, rowEvaluations = 0
        for step in 0...options.maximumSteps where !active.isEmpty {
            let m = active.count
            let selectionRows = originalRows.map { o in active.map { o[$0] } } ?? active
            for (i, r) in active.enumerated() {
                for c in 0..<d { work[i * d + c] = z[r * d + c] }
            }
            work.withUnsafeBufferPointer { w in
                image.withUnsafeMutableBufferPointer { img in
                    LatentBatch.withSelection(rows: m, originalRows: selectionRows) { sel in
                        map.apply(state: w.baseAddress!, image: img.baseAddress!, rows: sel)
                    }
                }
            }
            evaluations += 1
            rowEvaluations += m
            var still: [Int] = []
            for (i, r) in active.enumerated() {
                var s = 0.0, zz = 0.0
                var finite = true
                for c in 0..<d {
                    let v = Double(image[i * d + c]), z = Double(work[i * d + c])
                    if !v.isFinite { finite = false }
                    let diff = v - z
                    s += diff * diff
                    zz += z * z
                }
                guard finite else { throw .nonFinite(row: r, step: step) }
                let res = options.relative && zz > 0 ? (s / zz).squareRoot() : s.squareRoot()
                residuals[r].append(res)
                if res <= options.tolerance {
                    converged[r] = step
                } else if step < options.maximumSteps {
                    for c in 0..<d { z[r * d + c] = image[i * d + c] }
                    still.append(r)
                }
            }
            active = still
        }
        let rates = residuals.map { contractionRate($0, window: options.rateWindow) }
        return Trace(rows: rows, dimension: d, tolerance: options.tolerance, residuals: residuals,
                     convergedStep: converged, contractionRate: rates, finalState: z.map { Double($0) },
                     functionEvaluations: evaluations, rowEvaluations: rowEvaluations)
    }

    /// Geometric mean of the last `window` ratios `r_{k+1}/r_k` with both residuals positive.
    public static func contractionRate(_ r: [Double], window: Int) -> Double {
        var logs: [Double] = []
        var k = r.count - 1
        while k >= 1 && logs.count < window {
            if r[k] > 0, r[k - 1] > 0 { logs.append(Foundation.log(r[k] / r[k - 1])) }
            k -= 1
        }
        guard !logs.isEmpty else { return .nan }
        return Foundation.exp(logs.reduce(0, +) / Double(logs.count))
    }
}
