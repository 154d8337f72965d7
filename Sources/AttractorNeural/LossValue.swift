/// The result of a masked, mean-reduced loss: `loss = Σ_valid ℓ / count`.
public struct LossValue: Sendable, Equatable {
    /// Mean over the rows that were not ignored (0 when all were ignored).
    public var loss: Double
    /// Number of rows that counted.
    public var count: Int

    public init(loss: Double, count: Int) {
        self.loss = loss
        self.count = count
    }
}
