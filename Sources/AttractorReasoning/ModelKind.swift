/// The three reasoning models. All are the same kind of object (`ReasoningModel`); they
/// differ only in their `ReasoningConfiguration` (networks, schedule, integrator, gradient,
/// halting).
public enum ModelKind: String, Codable, Sendable, CaseIterable {
    /// Continuous two-level model: the latent ODE/SDE integrated by a Runge–Kutta schedule.
    case cmm
    /// Tiny Recursive Model: one network, `n` latent updates then one answer update, `T` times.
    case trm
    /// Hierarchical Reasoning Model: two networks `F_L`, `F_H`, `L_cycles` per `H_cycles`.
    case hrm
}

/// The puzzle family a model is trained on (decides sequence length and vocabulary).
public enum TaskKind: String, Codable, Sendable, CaseIterable {
    case sudoku
    case maze
}
