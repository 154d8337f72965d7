/// How to differentiate a loss of the final state of an ODE solve (see `Docs/Gradients.md`).
public enum GradientStrategy: Sendable, Equatable, CustomStringConvertible {
    /// Backpropagation through the discrete solver: every accepted step's stage inputs are
    /// stored, then each step is transposed. Exact for the discretisation.
    /// Memory O(steps · stages · state), time ≈ 1 forward + 1 VJP pass.
    case backprop
    /// Backpropagation with checkpointing: the state every `every` steps is stored and each
    /// segment recomputed (storing its stages) during the backward pass. Same result as
    /// `backprop` bit for bit. Memory O(steps/every + every · stages) states, time ≈ 2
    /// forward + 1 VJP pass.
    case checkpointed(every: Int)
    /// Continuous adjoint (optimise-then-discretise): the augmented system for state,
    /// adjoint and parameter gradient integrated backward with the same method, the state
    /// reset at `checkpoints` stored states. Memory independent of the number of steps.
    case adjoint(checkpoints: Int)
    /// Truncated backpropagation through the last `steps` steps only (HRM/TRM one-step
    /// gradient for `steps == 1`); the incoming state is treated as a constant, so the
    /// reported `∂L/∂z0` is zero unless `steps` covers the whole solve.
    case truncated(steps: Int)

    public var description: String {
        switch self {
        case .backprop: return "backprop"
        case let .checkpointed(k): return "checkpointed(every: \(k))"
        case let .adjoint(c): return "adjoint(checkpoints: \(c))"
        case let .truncated(k): return "truncated(steps: \(k))"
        }
    }
}
