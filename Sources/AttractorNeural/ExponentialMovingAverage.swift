import AttractorNumerics
import Foundation

/// An exponential moving average of the weights, `θ̄ ← δ·θ̄ + (1 − δ)·θ`, kept in a flat
/// buffer beside the parameter store; evaluation swaps it in with `swap(with:)`.
/// - Complexity: O(count) per update; no allocation.
public final class ExponentialMovingAverage<T: Scalar> {
    public let decay: Double
    public let shadow: ScalarBuffer<T>

    /// Starts the average at the current `values` (`count` scalars).
    public init(copying values: UnsafePointer<T>, count: Int, decay: Double) {
        self.decay = decay
        shadow = ScalarBuffer(count: count)
        shadow.pointer.update(from: values, count: count)
    }

    public convenience init(copying store: ParameterStore<T>, decay: Double) {
        self.init(copying: store.values.pointer, count: store.count, decay: decay)
    }

    /// `θ̄ ← δ·θ̄ + (1 − δ)·θ`.
    @_specialize(where T == Float)
    @_specialize(where T == Double)
    public func update(_ values: UnsafePointer<T>) { update(values, decay: decay) }

    /// `θ̄ ← β·θ̄ + (1 − β)·θ` with this update's own factor `β` (e.g. `correctedDecay`).
    @_specialize(where T == Float)
    @_specialize(where T == Double)
    public func update(_ values: UnsafePointer<T>, decay beta: Double) {
        let d = T(beta), e = 1 - T(beta), s = shadow.pointer
        for i in 0..<shadow.count { s[i] = d * s[i] + e * values[i] }
    }

    public func update(_ store: ParameterStore<T>) { update(store.values.pointer) }

    public func update(_ store: ParameterStore<T>, decay beta: Double) { update(store.values.pointer, decay: beta) }

    /// The factor of update `t` (1, 2, …) that makes the average Adam's bias-corrected one,
    /// `m_t/(1 − δ^t)` with `m_t = δ·m_{t−1} + (1 − δ)·θ_t`, `m_0 = 0`:
    /// `β_t = δ(1 − δ^{t−1})/(1 − δ^t)`. `β_1 = 0` (the average is then `θ_1`; the
    /// starting weights leave it) and `β_t → δ`. The average weights the updates
    /// `(1 − δ)δ^{t−s}/(1 − δ^t)` at every step, so a run shorter than the decay's horizon
    /// (≈ `1/(1 − δ)` updates) averages its own recent weights instead of its initialisation.
    public static func correctedDecay(_ decay: Double, update t: Int) -> Double {
        precondition(t >= 1, "updates count from 1")
        return decay * (1 - Foundation.pow(decay, Double(t - 1))) / (1 - Foundation.pow(decay, Double(t)))
    }

    /// Exchanges the averaged weights with `store`'s values (call again to swap back).
    @_specialize(where T == Float)
    @_specialize(where T == Double)
    public func swap(with store: ParameterStore<T>) {
        precondition(store.count == shadow.count, "EMA holds \(shadow.count) scalars, store \(store.count)")
        let a = shadow.pointer, b = store.values.pointer
        for i in 0..<shadow.count { (a[i], b[i]) = (b[i], a[i]) }
    }
}
