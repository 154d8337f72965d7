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

/// The halting head: its outputs on the mean of `z_H` over positions. Saved in `config.json`
/// as the number of outputs (0, 1, 2).
public enum HaltHead: Int, Codable, Sendable, CaseIterable {
    /// No halting head (halting by the equilibrium residual, or never).
    case absent = 0
    /// `q_halt` (TRM: halt when positive).
    case halt = 1
    /// `q_halt` and `q_continue` (HRM's Q-learned ACT).
    case haltAndContinue = 2

    /// Outputs per example.
    public var count: Int { rawValue }
}

/// What the halting head reads (`ReasoningConfiguration.haltReadout`).
public enum HaltReadout: String, Codable, Sendable, CaseIterable {
    /// `z_H` averaged over positions (HRM/TRM): blind to which position holds what, so a
    /// state with positions swapped halts exactly as the original.
    case mean
    /// The mean head plus a readout of learned mixtures of positions
    /// (`RelationalHaltHead`), which can tell a swapped state from the original.
    case relational
}

/// How many networks `F` a model has. Saved in `config.json` as the count (1, 2).
public enum NetworkSharing: Int, Codable, Sendable, CaseIterable {
    /// One shared `F` for both levels (TRM, CMM).
    case shared = 1
    /// `F_L` for the low level and `F_H` for the high one (HRM).
    case separate = 2

    public var count: Int { rawValue }
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
