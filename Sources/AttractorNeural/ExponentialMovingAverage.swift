import AttractorNumerics

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
    public func update(_ values: UnsafePointer<T>) {
        let d = T(decay), e = 1 - T(decay), s = shadow.pointer
        for i in 0..<shadow.count { s[i] = d * s[i] + e * values[i] }
    }

    public func update(_ store: ParameterStore<T>) { update(store.values.pointer) }

    /// Exchanges the averaged weights with `store`'s values (call again to swap back).
    @_specialize(where T == Float)
    @_specialize(where T == Double)
    public func swap(with store: ParameterStore<T>) {
        precondition(store.count == shadow.count, "EMA holds \(shadow.count) scalars, store \(store.count)")
        let a = shadow.pointer, b = store.values.pointer
        for i in 0..<shadow.count { (a[i], b[i]) = (b[i], a[i]) }
    }
}
