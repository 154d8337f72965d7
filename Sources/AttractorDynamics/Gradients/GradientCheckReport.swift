/// The outcome of `GradientCheck`: one row per strategy.
public struct GradientCheckReport: Codable, Sendable {
    public struct Row: Codable, Sendable {
        /// Strategy and discretisation, e.g. `backprop rk4 N=40`.
        public var strategy: String
        /// Whether the strategy is exact for what the finite differences differentiate.
        public var exact: Bool
        /// `‖g − g_FD‖ / ‖g_FD‖` over all gradients (initial state and parameters).
        public var relativeErrorFD: Double
        /// Against the closed-form gradient, when the problem has one.
        public var relativeErrorExact: Double?
        /// Median wall time of the gradient computation.
        public var seconds: Double
        /// Peak bytes of stored states and workspaces counted by the strategy itself.
        public var peakBytes: Int
        public var functionEvaluations: Int
        public var vectorJacobianProducts: Int
        /// The gradient itself (initial state, then parameters).
        public var gradient: [Double]
    }

    public var problem: String
    public var loss: String
    public var parameters: [String]
    public var finiteDifferenceStep: Double
    public var rows: [Row]
    public var notes: [String]
}
