import AttractorNumerics

/// Adam with decoupled weight decay (Loshchilov & Hutter), as `torch.optim.AdamW`:
/// `θ ← θ − η·λ·θ`, `m ← β₁m + (1−β₁)g`, `v ← β₂v + (1−β₂)g²`,
/// `θ ← θ − η·m̂/(√v̂ + ε)` with bias-corrected `m̂ = m/(1−β₁ᵗ)`, `v̂ = v/(1−β₂ᵗ)`.
/// Moments are kept in two flat buffers matching the parameter store.
/// - Complexity: O(count) per step, one `sqrt` per scalar; no allocation.
public final class AdamW<T: Scalar> {
    public var beta1: Double
    public var beta2: Double
    public var epsilon: Double
    public var weightDecay: Double
    /// Number of updates taken (the `t` of the bias correction).
    public private(set) var step: Int = 0
    public let firstMoment: ScalarBuffer<T>
    public let secondMoment: ScalarBuffer<T>

    public init(count: Int, beta1: Double = 0.9, beta2: Double = 0.999, epsilon: Double = 1e-8,
                weightDecay: Double = 0.01) {
        self.beta1 = beta1
        self.beta2 = beta2
        self.epsilon = epsilon
        self.weightDecay = weightDecay
        firstMoment = ScalarBuffer(count: count)
        secondMoment = ScalarBuffer(count: count)
    }

    /// One update of `parameters` from `gradients` (both `firstMoment.count` long).
    @_specialize(where T == Float)
    @_specialize(where T == Double)
    public func update(_ parameters: UnsafeMutablePointer<T>, gradients g: UnsafePointer<T>, learningRate: Double) {
        step += 1
        let n = firstMoment.count
        let b1 = T(beta1), b2 = T(beta2), eps = T(epsilon)
        let c1 = T(1 / (1 - Double.pow(beta1, Double(step))))
        let c2 = T(1 / (1 - Double.pow(beta2, Double(step))))
        let lr = T(learningRate), decay = 1 - T(learningRate * weightDecay)
        let m = firstMoment.pointer, v = secondMoment.pointer
        for i in 0..<n {
            let gi = g[i]
            let mi = b1 * m[i] + (1 - b1) * gi
            let vi = b2 * v[i] + (1 - b2) * gi * gi
            m[i] = mi
            v[i] = vi
            parameters[i] = parameters[i] * decay - lr * (mi * c1) / (T.sqrt(vi * c2) + eps)
        }
    }

    /// Restores the update count (the `t` of the bias correction) when resuming from a
    /// checkpoint whose moments were loaded into `firstMoment`/`secondMoment`.
    public func restore(step: Int) { self.step = max(0, step) }

    /// One update of every parameter in `store` from its accumulated gradients.
    public func update(_ store: ParameterStore<T>, learningRate: Double) {
        precondition(store.count == firstMoment.count, "AdamW state has \(firstMoment.count) scalars, store \(store.count)")
        update(store.values.pointer, gradients: store.gradients.pointer, learningRate: learningRate)
    }
}
