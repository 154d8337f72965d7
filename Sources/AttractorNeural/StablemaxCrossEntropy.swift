import AttractorNumerics

/// Cross-entropy with the stablemax of HRM/TRM instead of softmax:
/// `s(x) = x + 1` for `x ≥ 0`, `1/(1 − x)` otherwise; `p_j = s(x_j) / Σ_k s(x_k)`.
/// `log s(x)` is computed as `log1p(x)` or `−log1p(−x)`, so no `s` underflows or
/// overflows before the log. Rows with target `ignoreIndex` do not count; mean over the rest.
///
/// Gradient on a counted row: `∂ℓ/∂x_j = s'(x_j)/Σs − [j = t]·s'(x_t)/s(x_t)`, divided by
/// the count, with `s'/s = 1/(1 + |x|)`. - Complexity: O(rows·classes), no `exp`.
public struct StablemaxCrossEntropy: Sendable, Equatable {
    public var ignoreIndex: Int32

    public init(ignoreIndex: Int32 = -100) { self.ignoreIndex = ignoreIndex }

    /// `s(x)`.
    @inline(__always)
    public static func stablemax<T: Scalar>(_ x: T) -> T { x >= 0 ? x + 1 : 1 / (1 - x) }

    /// `log s(x)`, stable for large `|x|`.
    @inline(__always)
    public static func logStablemax<T: Scalar>(_ x: T) -> T { x >= 0 ? T.log(onePlus: x) : -T.log(onePlus: -x) }

    @_specialize(where T == Float)
    @_specialize(where T == Double)
    public func evaluate<T: Scalar>(logits x: UnsafePointer<T>, targets: UnsafePointer<Int32>, rows: Int, classes: Int,
                                    gradient: UnsafeMutablePointer<T>?) throws(NeuralError) -> LossValue {
        let count = try ClassificationTargets.countCounted(targets, rows: rows, classes: classes, ignoreIndex: ignoreIndex)
        let scale = count > 0 ? 1 / T(count) : 0
        var total = 0.0
        for r in 0..<rows {
            let xr = x + r * classes
            let t = targets[r]
            if t == ignoreIndex {
                if let gradient { (gradient + r * classes).update(repeating: 0, count: classes) }
                continue
            }
            var sum: T = 0
            for j in 0..<classes { sum += Self.stablemax(xr[j]) }
            let xt = xr[Int(t)]
            total += Double(T.log(sum) - Self.logStablemax(xt))
            if let gradient {
                let gr = gradient + r * classes
                let invSum = scale / sum
                for j in 0..<classes {
                    let v = xr[j]
                    // s'(x) = 1 for x ≥ 0, 1/(1 − x)² otherwise.
                    let ds: T = v >= 0 ? 1 : 1 / ((1 - v) * (1 - v))
                    gr[j] = ds * invSum
                }
                gr[Int(t)] -= scale / (1 + Swift.abs(xt))
            }
        }
        return LossValue(loss: count > 0 ? total / Double(count) : 0, count: count)
    }
}
