import AttractorNumerics

/// Softmax cross-entropy over `rows × classes` logits with integer targets; rows whose
/// target equals `ignoreIndex` do not count. Mean over the counted rows.
///
/// Gradient: `(softmax(x) − onehot(t)) / count` on counted rows, 0 on ignored ones.
/// - Complexity: O(rows·classes), one `exp` per logit.
public struct SoftmaxCrossEntropy: Sendable, Equatable {
    public var ignoreIndex: Int32

    public init(ignoreIndex: Int32 = -100) { self.ignoreIndex = ignoreIndex }

    /// The loss, and its gradient written to `gradient` (`rows × classes`) when given.
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
            var m = xr[0]
            for j in 1..<classes where xr[j] > m { m = xr[j] }
            var s: T = 0
            for j in 0..<classes { s += T.exp(xr[j] - m) }
            let logSum = m + T.log(s)
            total += Double(logSum - xr[Int(t)])
            if let gradient {
                let gr = gradient + r * classes
                for j in 0..<classes { gr[j] = T.exp(xr[j] - logSum) * scale }
                gr[Int(t)] -= scale
            }
        }
        return LossValue(loss: count > 0 ? total / Double(count) : 0, count: count)
    }
}
