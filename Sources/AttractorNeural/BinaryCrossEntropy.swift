import AttractorNumerics

/// Binary cross-entropy with logits, `ℓ = max(x, 0) − x·y + log(1 + e^{−|x|})`, stable for
/// any `x`. Targets in `[0, 1]`; a negative target (e.g. `-1`) marks an ignored entry.
/// Mean over the counted entries; gradient `(σ(x) − y)/count`. - Complexity: O(n).
public struct BinaryCrossEntropy: Sendable, Equatable {
    public init() {}

    @_specialize(where T == Float)
    @_specialize(where T == Double)
    public func evaluate<T: Scalar>(logits x: UnsafePointer<T>, targets y: UnsafePointer<T>, count n: Int,
                                    gradient: UnsafeMutablePointer<T>?) -> LossValue {
        var count = 0
        for i in 0..<n where y[i] >= 0 { count += 1 }
        let scale = count > 0 ? 1 / T(count) : 0
        var total = 0.0
        for i in 0..<n {
            let xi = x[i], yi = y[i]
            guard yi >= 0 else {
                gradient?[i] = 0
                continue
            }
            let e = T.exp(-Swift.abs(xi))
            total += Double(Swift.max(xi, 0) - xi * yi + T.log(onePlus: e))
            if let gradient {
                let sigmoid = xi >= 0 ? 1 / (1 + e) : e / (1 + e)
                gradient[i] = (sigmoid - yi) * scale
            }
        }
        return LossValue(loss: count > 0 ? total / Double(count) : 0, count: count)
    }
}
