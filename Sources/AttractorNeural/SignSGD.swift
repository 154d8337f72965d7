import AttractorNumerics

/// Sign descent with decoupled weight decay: `θ ← θ·(1 − η·λ) − η·sign(g)` (`sign(0) = 0`).
/// - Complexity: O(count) per step; no state, no allocation.
public struct SignSGD: Sendable, Equatable {
    public var weightDecay: Double

    public init(weightDecay: Double = 0) { self.weightDecay = weightDecay }

    @_specialize(where T == Float)
    @_specialize(where T == Double)
    public func update<T: Scalar>(_ parameters: UnsafeMutablePointer<T>, gradients g: UnsafePointer<T>, count: Int,
                                  learningRate: Double) {
        let lr = T(learningRate), decay = 1 - T(learningRate * weightDecay)
        for i in 0..<count {
            let s: T = g[i] > 0 ? 1 : (g[i] < 0 ? -1 : 0)
            parameters[i] = parameters[i] * decay - lr * s
        }
    }

    public func update<T: Scalar>(_ store: ParameterStore<T>, learningRate: Double) {
        update(store.values.pointer, gradients: store.gradients.pointer, count: store.count, learningRate: learningRate)
    }
}
