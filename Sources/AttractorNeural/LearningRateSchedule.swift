/// Linear warm-up then cosine decay to a floor, as HRM/TRM's
/// `cosine_schedule_with_warmup_learning_rate_lambda`:
/// `η(s) = η₀·s/W` for `s < W`; otherwise, with `p = (s − W)/max(1, S − W)`,
/// `η(s) = η₀·(r + max(0, (1 − r)·½(1 + cos πp)))`. `s` counts completed steps (the first
/// update uses `s = 1`), `r` is `minimumRatio`. Past `totalSteps` the rate stays at `η₀·r`
/// (`p` is clamped to 1, unlike HRM's, whose cosine would rise again).
public struct LearningRateSchedule: Sendable, Equatable, Codable {
    public var baseRate: Double
    public var warmupSteps: Int
    public var totalSteps: Int
    public var minimumRatio: Double

    public init(baseRate: Double, warmupSteps: Int, totalSteps: Int, minimumRatio: Double = 0.1) {
        self.baseRate = baseRate
        self.warmupSteps = warmupSteps
        self.totalSteps = totalSteps
        self.minimumRatio = minimumRatio
    }

    /// The learning rate at step `step`.
    public func rate(step: Int) -> Double {
        if step < warmupSteps { return baseRate * Double(step) / Double(Swift.max(1, warmupSteps)) }
        let progress = Swift.min(1, Double(step - warmupSteps) / Double(Swift.max(1, totalSteps - warmupSteps)))
        let cosine = Swift.max(0, (1 - minimumRatio) * 0.5 * (1 + Double.cos(Double.pi * progress)))
        return baseRate * (minimumRatio + cosine)
    }
}
