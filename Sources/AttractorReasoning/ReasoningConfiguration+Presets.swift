import AttractorNeural

extension ReasoningConfiguration {
    /// Preset names: `tiny` (fixed by the issue: the comparison point), `small`, `paper`.
    public static let presetNames = Preset.allCases.map(\.rawValue)

    /// The preset named `name` (`tiny`, `small`, `paper`); throws for an unknown name.
    public static func preset(_ name: String, model: ModelKind, task: TaskKind,
                              sequence: Int? = nil) throws(ReasoningError) -> ReasoningConfiguration {
        guard let known = Preset(rawValue: name) else {
            throw .invalidConfiguration("unknown preset '\(name)' (known: \(presetNames.joined(separator: ", ")))")
        }
        return try preset(known, model: model, task: task, sequence: sequence)
    }

    /// The configuration of `model` on `task` for a named preset.
    ///
    /// `tiny` (fixed): hidden 128, embedding scaled by √128, post-norm blocks with a token
    /// MLP (inner 256) and a channel SwiGLU (inner 384), parameter-free RMSNorm, no biases,
    /// linear layers initialised uniform ±1/√fan_in (`small` and `paper` keep HRM/TRM's
    /// truncated LeCun normal),
    /// 2 blocks per network; TRM n 6, T 3; HRM L 2, H 2; CMM see `applyContinuousDefaults`; N_sup 16, AdamW (0.9, 0.95),
    /// lr 1e-3, 100 warm-up steps, cosine to 10%, weight decay 0.1, EMA 0.999, clip 1, batch 64.
    /// `sequence` defaults to 81 (Sudoku) or 900 (30×30 maze).
    public static func preset(_ name: Preset, model: ModelKind, task: TaskKind,
                              sequence: Int? = nil) throws(ReasoningError) -> ReasoningConfiguration {
        let seq = sequence ?? (task == .sudoku ? 81 : 900)
        let vocabulary = task == .sudoku ? 11 : 6
        var block: BlockConfiguration
        switch name {
        case .tiny:
            block = BlockConfiguration(hidden: 128, sequence: seq, layers: 2, mixer: .mlp,
                                       tokenInner: seq == 81 ? 256 : nil, channelInner: 384)
            // PyTorch's nn.Linear scale (±1/√fan_in): at this size the published truncated
            // LeCun normal learns ~2.4× slower per step early on, and loses at every budget
            // the recipe study measured (Docs/Training.md).
            block.initialization = .uniform
        case .small:
            block = BlockConfiguration(hidden: 256, sequence: seq, layers: 2, mixer: .mlp)
        case .paper:
            // HRM 27M: hidden 512, 4 attention layers per level; TRM-MLP 5M: hidden 512, 2 MLP
            // layers; CMM 5M: as TRM-MLP with tanh.
            block = model == .hrm
                ? BlockConfiguration(hidden: 512, sequence: seq, layers: 4, mixer: .attention, heads: 8)
                : BlockConfiguration(hidden: 512, sequence: seq, layers: 2, mixer: .mlp)
        }
        var config = ReasoningConfiguration(
            model: model, task: task, preset: name, vocabulary: vocabulary, block: block,
            networks: .shared, lowSteps: 6, cycles: 3, integrator: .direct, stepSize: 1, lowStepSize: 1, epsilon: 1,
            noise: .additive, sigma: 0, discretisation: .multiRate, gradient: .lastCycle, implicitIterations: 4,
            halting: .haltLogit, haltOutputs: .halt, equilibriumTolerance: 0.05, segments: 16, exploration: 0.1,
            answerLoss: .stablemax, loss: LossWeights(), training: Training())
        switch model {
        case .trm:
            break
        case .hrm:
            config.networks = .separate
            config.lowSteps = 2
            config.cycles = 2
            config.gradient = .oneStep
            config.halting = .qLearning
            config.haltOutputs = .haltAndContinue
        case .cmm:
            config.applyContinuousDefaults(preset: name)
        }
        if name == .paper && model == .hrm { config.training.batch = 64 }
        if name == .tiny {
            // The recipe of the bundled 90-CPU-minute checkpoints (Docs/Training.md): batch 32
            // (twice the optimiser steps of 64 at the same budget) and three draws in four an
            // easier copy of the puzzle (some blanks filled from its solution), the same for all
            // three models. Every model gained on every rung from 10 to 50 blanks with batch 32
            // and one easier copy in two against batch 64 without; at three in four cmm and trm
            // gained again at 30–50 blanks (cmm 0.820 → 0.875, trm 0.765 → 0.855 at 50 on 200
            // grids), hrm at 30–40 but lost at 50 (0.645 → 0.560).
            config.training.batch = 32
            config.training.easierCopies = 0.75
            // CMM: CGAR's depth curriculum, (n, T) = (2, 1) for the first 30% of the schedule,
            // (4, 2) to 60%, then (6, 3) (round 10a: 5792 steps in the budget against 4090,
            // 0.995 / 0.895 exact at 40 / 50 blanks on 200 grids against 0.980 / 0.875, and
            // 13 / 11 of 100 17-clue / magictour originals against 0 / 4).
            if model == .cmm { config.training.depthCurriculum = "2x1@0.3,4x2@0.6" }
        }
        return config
    }

    /// CMM's schedule. `tiny`: the recipe study's winner among continuous configurations
    /// (Docs/Training.md) — the NSDE `dz = (F(z + c) − z) dt + σ dW` integrated by damped
    /// Euler–Maruyama steps of h = 0.95 on TRM's schedule (n 6, T 3), σ = 0 in training (the
    /// study measured noise σ = 0.01 in training losing at equal CPU budget; noise and random
    /// starts are used at test time, `eval --samples`), halting head as TRM. Every training
    /// example starts from `N(0, 1)` latents (EqR's random start per sample) and the
    /// equilibrium residual (weight 0.1) makes the state the answer is read from a fixed
    /// point (it keeps the solution on 63 of 64 one-blank grids iterated without halting, 50
    /// of 64 without it). A spectral-norm hinge `ReLU(‖Jv‖²/‖v‖² − 0.9²)` (weight 0.05, power
    /// iteration) on 16 examples every 4th step penalises `‖J‖₂ > 0.9` only (round 6c: 0.82
    /// exact at 50 blanks against 0.75 without it, median ρ(J) 0.02 against 0.42); the
    /// bundled cmm-tiny (round 9b) adds three easier copies in four draws (`preset`). The trace hinge and repulsion stay off (they cost more
    /// than they gave at equal budget). `small`/`paper`: the multi-rate RK4 schedule with the contraction
    /// regularisers (`multiRateRK4`).
    mutating func applyContinuousDefaults(preset name: Preset) {
        if name == .tiny {
            integrator = .eulerMaruyama
            stepSize = 0.95
            lowStepSize = 0.95
            epsilon = 1
            sigma = 0
            training.startScale = 1
            loss.residual = 0.1
            loss.spectral = 0.05
            loss.spectralMargin = 0.9
        } else {
            applyMultiRateRK4()
        }
    }

    /// The multi-rate RK4 CMM: one shared F, 2 low-level steps of 0.5 (ε = 0.5, so one unit of
    /// low-level time each) per high-level step of 1, 2 cycles per segment; the gradient through the
    /// last cycle's RK4 stages; halting when the residual falls under 5%; equilibrium
    /// residual 0.1, Hutchinson trace hinge 0.05 and hyperspherical repulsion 0.01.
    public mutating func applyMultiRateRK4() {
        integrator = .rk4
        lowSteps = 2
        cycles = 2
        lowStepSize = 0.5
        epsilon = 0.5
        halting = .equilibrium
        haltOutputs = .absent
        loss.halting = 0
        loss.residual = 0.1
        loss.traceHinge = 0.05
        loss.repulsion = 0.01
    }
}
