/// Work and memory a gradient computation used.
public struct GradientStatistics: Sendable, Equatable, CustomStringConvertible {
    /// Accepted forward steps (the solve being differentiated).
    public var forwardSteps = 0
    /// Field evaluations in the forward pass.
    public var forwardEvaluations = 0
    /// Steps re-run during the backward pass (checkpointed backprop).
    public var recomputedSteps = 0
    /// Field evaluations during the backward pass (recomputation, adjoint state).
    public var backwardEvaluations = 0
    /// Vector–Jacobian products.
    public var vectorJacobianProducts = 0
    /// Accepted backward steps (adjoint) or transposed steps (backprop).
    public var backwardSteps = 0
    /// Peak bytes this computation held for stored states, stage inputs, checkpoints and
    /// solver workspaces (counted by the code that allocates them; excludes the field's
    /// own scratch and the caller's buffers).
    public var peakBytes = 0

    public init() {}

    public var description: String {
        "forward steps \(forwardSteps), f-evals \(forwardEvaluations) + \(backwardEvaluations) backward, VJPs \(vectorJacobianProducts), peak \(peakBytes) B"
    }
}

/// Counts live and peak bytes of gradient storage.
struct GradientMemoryLedger {
    private(set) var live = 0
    private(set) var peak = 0
    mutating func allocate(_ bytes: Int) { live += bytes; peak = max(peak, live) }
    mutating func release(_ bytes: Int) { live -= bytes }
}
