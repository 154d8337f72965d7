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

/// A named size and schedule of a model (`ReasoningConfiguration.preset`). Saved in
/// `config.json` by its raw value.
public enum Preset: String, Codable, Sendable, CaseIterable, CustomStringConvertible {
    /// Hidden 128, 2 MLP blocks: the CPU comparison point (fixed).
    case tiny
    /// Hidden 256, 2 MLP blocks.
    case small
    /// The published sizes (HRM 27M with attention; TRM/CMM 5M with MLP blocks).
    case paper

    public var description: String { rawValue }
}
