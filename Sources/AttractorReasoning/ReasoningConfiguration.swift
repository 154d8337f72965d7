import AttractorNeural
import Foundation

/// Everything that defines a reasoning model and its training: the network `F`, the
/// integration schedule, the gradient strategy, the halting rule, the losses and the
/// optimiser. Saved as JSON beside every checkpoint. See `Docs/Models.md`.
///
/// One segment (one deep-supervision step) runs `cycles` times: `lowSteps` steps of the
/// low level `z_L` (with `z_H` frozen), then one step of the high level `z_H` (with `z_L`
/// frozen) — a multi-rate (split) integrator of
/// `ε dz_L/dt = F_L(z_L + z_H + x) − z_L`, `dz_H/dt = F_H(z_H + z_L) − z_H`.
public struct ReasoningConfiguration: Codable, Sendable, Equatable {
    /// How one step of a level is taken.
    public enum Integrator: String, Codable, Sendable, CaseIterable {
        /// The discrete update `z ← F(u)` (HRM, TRM).
        case direct
        /// Explicit Runge–Kutta on `dz/dt = (F(u) − z)/ε` with the solver core's tableaus.
        case euler, midpoint, heun, rk4
        /// Dormand–Prince 5(4) stages used as a fixed-step 5th-order method in training;
        /// evaluation can integrate adaptively (`ReasoningModel.integrateToEquilibrium`).
        case dopri5
        /// Euler–Maruyama on the NSDE `dz = f dt + σ g(z) dW` (g = 1 or z, see `noise`).
        case eulerMaruyama
    }

    /// The diffusion `g(z)` of the NSDE.
    public enum NoiseModel: String, Codable, Sendable, CaseIterable {
        case additive
        case multiplicative
    }

    /// How a segment's dynamics are discretised (the forward model). Chosen separately from
    /// the segment gradient, which never changes the forward model.
    public enum Discretisation: String, Codable, Sendable, CaseIterable {
        /// `cycles` × (`lowSteps` steps of the low level with `z_H` frozen, one step of the
        /// high level with `z_L` frozen): HRM, TRM and CMM's presets.
        case multiRate
        /// The joint system `[z_L | z_H]` integrated by the solver core
        /// (`ODEGradientSolver`) with `cycles·lowSteps` fixed steps of the integrator's
        /// tableau over `t ∈ [0, cycles·stepSize]`: what the continuous adjoint differentiates.
        case joint
    }

    /// Which part of a segment is differentiated (the incoming state is always detached).
    public enum SegmentGradient: String, Codable, Sendable, CaseIterable {
        /// Only the last low-level step and the last high-level step (HRM's one-step gradient, the
        /// 1-step truncation of the implicit gradient).
        case oneStep
        /// Every step of the last cycle (TRM: the last of `T` recursions).
        case lastCycle
        /// The implicit gradient at the final state treated as an equilibrium of the joint
        /// map: `w = Σ_{m≤k} (Jᵀ)^m ∂L/∂z*` (`implicitIterations` terms of the Neumann series).
        case implicit
        /// The implicit gradient with the adjoint equation `(I − J_Gᵀ) w = ∂L/∂z*` solved by
        /// Anderson acceleration (the solver core's `ImplicitGradient`, memory 5) to relative
        /// residual 1e-6 within at most `implicitIterations` iterations; otherwise the
        /// segment's backward throws `ReasoningError.implicitSolveDidNotConverge`.
        case implicitAnderson
        /// The continuous adjoint (optimise-then-discretise) of the segment: the joint system
        /// `[z_L | z_H]` is integrated over `t ∈ [0, cycles·stepSize]` by `cycles·lowSteps`
        /// fixed steps of the configured tableau (forward and evaluation alike), and the
        /// solver core's `ODEGradientSolver` integrates the augmented adjoint system back
        /// (`cycles` checkpoints), giving ∂L/∂θ and ∂L/∂x (the embedding's gradient).
        case adjoint
    }

    /// When an example stops (deep supervision ends for it).
    public enum HaltingRule: String, Codable, Sendable, CaseIterable {
        /// TRM: halt when the halting logit `q_halt > 0` (trained by BCE on correctness).
        case haltLogit
        /// HRM: ACT with Q-learning, halt when `q_halt > q_continue`.
        case qLearning
        /// CMM: halt when the relative residual `‖F(z_H + z_L) − z_H‖/‖z_H‖` is below the tolerance.
        case equilibrium
        /// Never halt early: always `segments` segments.
        case never
        /// Halt when the decoded answer satisfies the task's constraints (Sudoku: a complete
        /// grid obeying every unit and keeping the givens; maze: a valid optimal path). In
        /// training the labels decide (for unique-solution puzzles the same thing).
        case verified

        /// Whether an example halts early by this rule (training and inference alike):
        /// `haltLogits` are its halting-head outputs (`q_halt`, and `q_continue` for
        /// Q-learning; unused by the other rules), `residual` its relative equilibrium residual,
        /// `verified` whether its answer was checked right.
        public func signalsHalt(haltLogits q: UnsafePointer<Float>, residual: Double, tolerance: Double,
                                verified: Bool = false) -> Bool {
            switch self {
            case .haltLogit: return q[0] > 0
            case .qLearning: return q[0] > q[1]
            case .equilibrium: return residual < tolerance
            case .never: return false
            case .verified: return verified
            }
        }
    }

    /// The answer loss.
    public enum AnswerLoss: String, Codable, Sendable, CaseIterable {
        case stablemax
        case softmax
    }

    /// How `training.perturbedSegments` changes a carried state (see `Training.perturbation`).
    public enum Perturbation: String, Codable, Sendable, CaseIterable {
        /// Chosen positions redrawn from the start distribution.
        case redraw
        /// Chosen positions' vectors rotated among themselves.
        case swap
        /// Sudoku: one segment without gradient on the puzzle with a few blank cells given
        /// wrong digits, then the trained segment on the true puzzle from the state it left.
        case wrongClues
    }

    /// Weights of the loss terms and how often the (costly) regularisers run.
    public struct LossWeights: Codable, Sendable, Equatable {
        public var answer: Double = 1
        /// Halting BCE (TRM: `q_halt`; HRM: `q_halt` and `q_continue`).
        public var halting: Double = 0.5
        /// Equilibrium residual `mean ‖z_H − F(z_H + z_L)‖²`.
        public var residual: Double = 0
        /// Hutchinson trace hinge `[ReLU(vᵀJv/K − 1)]²` at the final state.
        public var traceHinge: Double = 0
        /// Its opposite `[ReLU(1 − vᵀJv/K)]²` at the input "repeller" (state 0, `u = x`).
        public var repellerHinge: Double = 0
        /// Frobenius estimate `‖Jv‖²/K`.
        public var frobenius: Double = 0
        /// Spectral-norm estimate by power iteration, `‖Jv‖²/‖v‖²`.
        public var spectral: Double = 0
        /// Margin `m` of the spectral term: it is `ReLU(‖Jv‖²/‖v‖² − m²)`, a hinge that only
        /// acts where the estimated `‖J‖₂` exceeds `m`. 0 = the plain penalty on `‖J‖₂²`,
        /// which pulls every end point toward a constant map.
        public var spectralMargin: Double = 0
        /// Hyperspherical repulsion over the batch's flattened `z_H`.
        public var repulsion: Double = 0
        /// Chord hinge on the segment map `S` between a point `a` of a training trajectory
        /// (the state before this step's segment) and a random start `b` of the same puzzle
        /// (run `chordSegments` segments first): `ReLU(‖S(b) − S(a)‖²/‖b − a‖² − m²)`,
        /// `m = chordMargin`, the gradient through `S(b)` only (`S(a)` is the trajectory's,
        /// held fixed). Where the spectral hinge bounds `J` at one point, this bounds the
        /// map's contraction across the region random starts come from, where distinct basins
        /// would meet (a global contraction has one fixed point). Runs on the Jacobian
        /// regularisers' sub-batch and steps (`chordEvery` gives it its own period):
        /// `chordSegments` untaped segments, one taped segment and its backward pass.
        public var chord: Double = 0
        /// Margin `m` of the chord hinge (0: penalise every chord's ratio).
        public var chordMargin: Double = 0
        /// Segments the random start `b` first runs (no gradient) before the hinge's taped
        /// segment: with 0 the chord is to a fresh start; with a few, `b` is on its way to
        /// its own end point, and two points near two different end points give a ratio near 1.
        public var chordSegments: Int = 0
        /// The chord's other end `b`: 0 = a random start (above); `k > 0` = the trajectory
        /// point `a` itself with the `z_H`/`z_L` pairs of `k` random positions rotated among
        /// themselves (`LatentState.swapPositions`) — a state a few cells away from `a` that
        /// reads confidently as other digits there, where the wrong end points sit (median 4
        /// cells from the right one). A hinge ratio below 1 on every such chord leaves no
        /// second fixed point that near. Then `chordSegments` runs from it.
        public var chordSwaps: Int = 0
        /// The chord's other end `b` as a near miss of the model's own making (Sudoku): `K > 0`
        /// = the trajectory point `a` run one segment (no gradient, no noise) on its puzzle with
        /// `K` blank cells given wrong digits (`TrainingExamples.wrongClues`, as
        /// `training.perturbation = wrongClues` and the basins check's `wrong_clues`), then
        /// `chordSegments` segments on the true puzzle. Where such a start would settle at a
        /// wrong fixed point `w`, `S(w) = w` makes the chord's ratio about 1, so the hinge pushes
        /// exactly the second fixed points the near-miss check finds. 0 = off; not with
        /// `chordSwaps`.
        public var chordWrongClues: Int = 0
        /// The fraction of the schedule from which the chord hinge acts (0: from the first
        /// step), so a model first learns to solve and then has its second fixed points pushed
        /// apart. The budget fit prices the chord's segments for the steps it runs.
        public var chordFrom: Double = 0
        /// The chord hinge runs every `chordEvery` steps (0: with the Jacobian regularisers,
        /// every `regulariserEvery`). Its segments are the costliest regulariser work at full
        /// depth; a longer period buys training steps at the same CPU budget, and a larger
        /// `chord` weight keeps the dose per step.
        public var chordEvery: Int = 0
        /// The wrong-motion hinge (`ReasoningModel.equilibriumTerms`): on every training example
        /// whose answer is wrong after the segment, `ReLU(m − r)` with `r` its relative
        /// equilibrium residual and `m = wrongMotionMargin` (mean over the batch), so a wrong
        /// answer is not left an equilibrium of the map — the residual term alone rewards
        /// settling, right or wrong. Shares the residual's evaluation of `F_H` and its VJP.
        public var wrongMotion: Double = 0
        /// Its margin: the relative residual below which a wrong example counts as at rest
        /// (the basins check calls a start converged below 1e-3).
        public var wrongMotionMargin: Double = 0.01
        /// The fraction of the schedule from which the hinge acts (0: from the first step).
        public var wrongMotionFrom: Double = 0
        /// Halting BCE on swapped end states: for every training example whose answer is right
        /// after the segment, `z_H` with `swappedHaltingPositions` positions rotated among
        /// themselves (a confident grid with cells in the wrong places; the target is whether
        /// the rotated answer still equals the labels), read by the halting head only (no
        /// gradient into the state). Teaches the head to doubt a wrong answer the model is sure
        /// of; useful with `haltReadout = relational` (the mean head cannot see a rotation).
        /// A batch mean (the examples that are not right contribute 0), so each right example's
        /// negative weighs `swappedHalting` against its positive's `halting`.
        public var swappedHalting: Double = 0
        /// Positions rotated per swapped state (≥ 2).
        public var swappedHaltingPositions: Int = 4
        /// The Jacobian regularisers run every `regulariserEvery` steps …
        public var regulariserEvery: Int = 4
        /// … on the first `regulariserBatch` examples, with one probe vector.
        public var regulariserBatch: Int = 16
        /// Power-iteration steps for the spectral norm.
        public var powerIterations: Int = 2
        public init() {}

        enum CodingKeys: String, CodingKey {
            case answer, halting, residual, traceHinge, repellerHinge, frobenius, spectral, spectralMargin, repulsion
            case chord, chordMargin, chordSegments, chordSwaps, chordWrongClues, chordFrom, chordEvery, wrongMotion, wrongMotionMargin, wrongMotionFrom
            case swappedHalting, swappedHaltingPositions
            case regulariserEvery, regulariserBatch, powerIterations
        }

        public init(from decoder: any Decoder) throws {
            let c = try decoder.container(keyedBy: CodingKeys.self)
            answer = try c.decode(Double.self, forKey: .answer)
            halting = try c.decode(Double.self, forKey: .halting)
            residual = try c.decode(Double.self, forKey: .residual)
            traceHinge = try c.decode(Double.self, forKey: .traceHinge)
            repellerHinge = try c.decode(Double.self, forKey: .repellerHinge)
            frobenius = try c.decode(Double.self, forKey: .frobenius)
            spectral = try c.decode(Double.self, forKey: .spectral)
            // Checkpoints written before the margin existed used the plain penalty.
            spectralMargin = try c.decodeIfPresent(Double.self, forKey: .spectralMargin) ?? 0
            repulsion = try c.decode(Double.self, forKey: .repulsion)
            // Checkpoints written before the chord hinge existed had none.
            chord = try c.decodeIfPresent(Double.self, forKey: .chord) ?? 0
            chordMargin = try c.decodeIfPresent(Double.self, forKey: .chordMargin) ?? 0
            chordSegments = try c.decodeIfPresent(Int.self, forKey: .chordSegments) ?? 0
            chordSwaps = try c.decodeIfPresent(Int.self, forKey: .chordSwaps) ?? 0
            chordWrongClues = try c.decodeIfPresent(Int.self, forKey: .chordWrongClues) ?? 0
            chordFrom = try c.decodeIfPresent(Double.self, forKey: .chordFrom) ?? 0
            chordEvery = try c.decodeIfPresent(Int.self, forKey: .chordEvery) ?? 0
            // … nor a wrong-motion hinge.
            wrongMotion = try c.decodeIfPresent(Double.self, forKey: .wrongMotion) ?? 0
            wrongMotionMargin = try c.decodeIfPresent(Double.self, forKey: .wrongMotionMargin) ?? 0.01
            wrongMotionFrom = try c.decodeIfPresent(Double.self, forKey: .wrongMotionFrom) ?? 0
            // … nor swapped halting states.
            swappedHalting = try c.decodeIfPresent(Double.self, forKey: .swappedHalting) ?? 0
            swappedHaltingPositions = try c.decodeIfPresent(Int.self, forKey: .swappedHaltingPositions) ?? 4
            regulariserEvery = try c.decode(Int.self, forKey: .regulariserEvery)
            regulariserBatch = try c.decode(Int.self, forKey: .regulariserBatch)
            powerIterations = try c.decode(Int.self, forKey: .powerIterations)
        }
    }

    /// Optimiser and schedule.
    public struct Training: Codable, Sendable, Equatable {
        public var batch: Int = 64
        public var learningRate: Double = 1e-3
        public var warmupSteps: Int = 100
        public var minimumRateRatio: Double = 0.1
        public var weightDecay: Double = 0.1
        public var beta1: Double = 0.9
        public var beta2: Double = 0.95
        public var emaDecay: Double = 0.999
        /// Adam-style bias correction of the EMA (`ExponentialMovingAverage.correctedDecay`):
        /// the average of the run's own weights from the first step, so evaluation uses it at
        /// any length. Without it the average starts at the initialisation and evaluation
        /// uses the raw weights until `emaDecay^step < 0.01` (≈ 4 600 steps at 0.999), which a
        /// 90-CPU-minute run on a slower machine may never reach. Off in every preset: at 3580
        /// steps of the CMM `tiny` recipe it lost 0.165 at 50 blanks to the same run's raw
        /// weights (the average still held the depth curriculum's shallower stage;
        /// `Docs/Training.md`, round 22).
        public var emaCorrection: Bool = false
        public var clipNorm: Double = 1.0
        /// Steps of the cosine schedule (set from `--steps`, or estimated for `--minutes`).
        public var scheduleSteps: Int = 10_000
        /// Fixed slices of the batch whose gradients are computed separately and summed in
        /// order (`ReasoningTrainer`): the unit of data parallelism. The result depends on
        /// this number, never on how many threads (or MPI ranks) share the slices.
        public var shards: Int = 4
        /// Sudoku: the fraction of training draws shown as an easier copy of the puzzle
        /// (`TrainingExamples.easierFraction`; 0 = the puzzles as they are).
        public var easierCopies: Double = 0
        /// The start of every drawn example: `z_H` and `z_L` drawn from `N(0, startScale²)`
        /// per coordinate, from `(seed, draw)` (EqR's fresh random start per sample), instead
        /// of zero, the model's own initial state. It teaches the model to reach the answer from
        /// starts other than its own, as test-time sampling (`--start-scale`) and the basins
        /// test (`validate equilibrium`) use them. 0 = every example starts at zero.
        public var startScale: Double = 0
        /// A depth curriculum (`DepthCurriculum`): `"2x1@0.2,4x2@0.5"` trains `(lowSteps,
        /// cycles) = (2, 1)` for the first 20% of the schedule, `(4, 2)` until 50%, then the
        /// configured depth. Empty: the configured depth throughout. A stage deeper than the
        /// configured depth runs at it (`DepthCurriculum.capped`); the gradient must be
        /// `lastCycle` or `oneStep` on the `multiRate` discretisation (`applying` drops a
        /// preset's curriculum the assignments made unusable, `dropUnusableDepthCurriculum`).
        public var depthCurriculum: String = ""
        /// Standard deviation of the embedded input `√hidden · E[token]` at initialisation:
        /// 1 (HRM/TRM's truncated normal of std `1/√hidden`, scaled by `√hidden`), or larger so
        /// that the input dominates the state the block sees, `F(z + x)` — the PyTorch
        /// reference's `N(0, 1)` table scaled by `√hidden` is `√hidden` (≈ 11.3 at 128). A fresh
        /// network only: a checkpoint's embedding is what it learned.
        public var embeddingStd: Double = 1
        /// The probability that a carried segment (every segment of an example but its first)
        /// starts from a perturbed state: at `perturbedPositions` of the positions (each drawn
        /// independently), `z_H` and `z_L` are redrawn from the start distribution
        /// (`N(0, startScale²)`, or `N(0, 1)` when the starts are zero), the rest of the state
        /// kept. The model must find its way back from a state that is right in most cells and
        /// scrambled in a few — where a second, wrong end point of the same puzzle would sit —
        /// so the right end point's basin is trained to extend over those states. Seeded by
        /// `(seed, step, slot)`. 0 = carried states are left as they are.
        public var perturbedSegments: Double = 0
        /// The fraction of positions a perturbed segment changes (see `perturbedSegments`).
        public var perturbedPositions: Double = 0.25
        /// How a perturbed segment changes its positions: `redraw` them from the start
        /// distribution (each position with probability `perturbedPositions`), or `swap` —
        /// rotate the `z_H`/`z_L` pairs of `max(2, round(perturbedPositions · L))` random
        /// positions among themselves, so those cells hold a state that reads confidently as
        /// another cell's digit, as at a wrong end point, rather than an uncertain one — or
        /// `wrongClues` (Sudoku only): before the segment, one segment without gradient runs
        /// from the carried state on the puzzle with `max(2, round(perturbedPositions · L))`
        /// of its blank cells given wrong digits (pairs of cells of one row, column or box
        /// exchanging their solution digits where such a pair is left, else a wrong digit of
        /// the cell's own), and the trained segment starts from the state that prelude left —
        /// a confident, self-consistent wrong grid of the model's own making, the kind of state
        /// a wrong end point is, rather than states moved between cells.
        public var perturbation: Perturbation = .redraw
        /// An annealed spectral bound for the `contractive` structure: the projection after
        /// each optimiser step allows spectral norms up to `spectralBoundStart^(1 − s/(f·T))`
        /// at step `s` of a `T`-step schedule (`f = spectralBoundUntil`), so the network
        /// trains nearly free at first and is squeezed geometrically onto the unit ball, where
        /// it stays for the last `1 − f` of the schedule (and the certificate holds at the
        /// end). 1 = the unit ball from the first step.
        public var spectralBoundStart: Double = 1
        /// The fraction of the schedule at which the annealed bound reaches 1.
        public var spectralBoundUntil: Double = 0.7
        public init() {}

        /// The spectral bound the projection enforces after step `step` of `totalSteps`.
        public func spectralBound(step: Int, totalSteps: Int) -> Double {
            guard spectralBoundStart > 1, totalSteps > 0 else { return 1 }
            let progress = Double(step) / (spectralBoundUntil * Double(totalSteps))
            return progress >= 1 ? 1 : Foundation.pow(spectralBoundStart, 1 - progress)
        }

        enum CodingKeys: String, CodingKey {
            case batch, learningRate, warmupSteps, minimumRateRatio, weightDecay, beta1, beta2, emaDecay, clipNorm
            case scheduleSteps, shards, easierCopies, startScale, depthCurriculum, embeddingStd
            case perturbedSegments, perturbedPositions, perturbation, spectralBoundStart, spectralBoundUntil
            case emaCorrection
        }

        public init(from decoder: any Decoder) throws {
            let c = try decoder.container(keyedBy: CodingKeys.self)
            batch = try c.decode(Int.self, forKey: .batch)
            learningRate = try c.decode(Double.self, forKey: .learningRate)
            warmupSteps = try c.decode(Int.self, forKey: .warmupSteps)
            minimumRateRatio = try c.decode(Double.self, forKey: .minimumRateRatio)
            weightDecay = try c.decode(Double.self, forKey: .weightDecay)
            beta1 = try c.decode(Double.self, forKey: .beta1)
            beta2 = try c.decode(Double.self, forKey: .beta2)
            emaDecay = try c.decode(Double.self, forKey: .emaDecay)
            clipNorm = try c.decode(Double.self, forKey: .clipNorm)
            scheduleSteps = try c.decode(Int.self, forKey: .scheduleSteps)
            // Checkpoints written before sharding trained on the whole batch at once.
            shards = try c.decodeIfPresent(Int.self, forKey: .shards) ?? 1
            easierCopies = try c.decodeIfPresent(Double.self, forKey: .easierCopies) ?? 0
            startScale = try c.decodeIfPresent(Double.self, forKey: .startScale) ?? 0
            depthCurriculum = try c.decodeIfPresent(String.self, forKey: .depthCurriculum) ?? ""
            // Networks trained before the choice existed started at 1.
            embeddingStd = try c.decodeIfPresent(Double.self, forKey: .embeddingStd) ?? 1
            // Runs before the perturbation existed carried every state unchanged.
            perturbedSegments = try c.decodeIfPresent(Double.self, forKey: .perturbedSegments) ?? 0
            perturbedPositions = try c.decodeIfPresent(Double.self, forKey: .perturbedPositions) ?? 0.25
            perturbation = try c.decodeIfPresent(Perturbation.self, forKey: .perturbation) ?? .redraw
            spectralBoundStart = try c.decodeIfPresent(Double.self, forKey: .spectralBoundStart) ?? 1
            spectralBoundUntil = try c.decodeIfPresent(Double.self, forKey: .spectralBoundUntil) ?? 0.7
            // Runs before the correction existed kept the plain average.
            emaCorrection = try c.decodeIfPresent(Bool.self, forKey: .emaCorrection) ?? false
        }
    }

    public var model: ModelKind
    public var task: TaskKind
    public var preset: Preset
    public var vocabulary: Int
    /// The shape of each network `F` (`sequence` = puzzle length).
    public var block: BlockConfiguration
    /// 1: one shared `F` (TRM, CMM); 2: `F_L` and `F_H` (HRM).
    public var networks: NetworkSharing
    /// Fast steps per cycle (`n` of TRM, `L_cycles` of HRM).
    public var lowSteps: Int
    /// Cycles per segment (`T` of TRM, `H_cycles` of HRM, macro steps of CMM).
    public var cycles: Int
    public var integrator: Integrator
    /// Step of the high level.
    public var stepSize: Double
    /// Step of the low level.
    public var lowStepSize: Double
    /// Time-scale ratio ε of the low level.
    public var epsilon: Double
    public var noise: NoiseModel
    /// σ of the NSDE in training (`eulerMaruyama` only; 0 = deterministic). Evaluation is
    /// noise-free unless asked (`InferenceOptions.sigma`, `eval --sigma`).
    public var sigma: Double
    /// The forward discretisation of a segment (checkpoints written before this field read
    /// as `joint` when their gradient is `adjoint`, else `multiRate`: their behaviour).
    public var discretisation: Discretisation
    public var gradient: SegmentGradient
    public var implicitIterations: Int
    public var halting: HaltingRule
    /// Outputs of the halting head: 0 (none), 1 (`q_halt`), 2 (`q_halt`, `q_continue`).
    public var haltOutputs: HaltHead
    /// What the halting head reads: the mean of `z_H` over positions (HRM/TRM, the default and
    /// every checkpoint written before this field), or that plus a relational readout.
    public var haltReadout: HaltReadout = .mean
    public var equilibriumTolerance: Double
    /// `N_sup`: the most segments an example gets.
    public var segments: Int
    /// Training exploration probability of ACT (a random minimum number of segments).
    public var exploration: Double
    public var answerLoss: AnswerLoss
    public var loss: LossWeights
    public var training: Training

    /// Scalars in one example's latent state (`sequence · hidden`).
    public var stateWidth: Int { block.sequence * block.hidden }

    /// The one place that says which discretisation and segment gradient go together:
    /// truncated gradients (`oneStep`, `lastCycle`) tape the multi-rate steps; the adjoint
    /// differentiates the joint system, so it needs `joint` (never switches the forward model
    /// itself); the implicit gradients read the final state as an equilibrium and go with
    /// either. `joint` integrates with a deterministic Runge–Kutta tableau.
    public static func validatePair(discretisation: Discretisation, gradient: SegmentGradient, integrator: Integrator,
                                    sigma: Double) throws(ReasoningError) {
        switch (discretisation, gradient) {
        case (.multiRate, .adjoint):
            throw .invalidConfiguration("the adjoint gradient differentiates the joint system: choose discretisation joint (train --set discretisation=joint), a different forward model than multiRate")
        case (.joint, .oneStep), (.joint, .lastCycle):
            throw .invalidConfiguration("the \(gradient.rawValue) gradient tapes the multi-rate steps; with discretisation joint use adjoint, implicit or implicitAnderson")
        default: break
        }
        if discretisation == .joint {
            // Euler–Maruyama with σ = 0 is the Euler method (the CMM tiny preset).
            guard integrator != .direct && !(integrator == .eulerMaruyama && sigma > 0) else {
                throw .invalidConfiguration("the joint discretisation needs a deterministic Runge–Kutta integrator (euler, midpoint, heun, rk4, dopri5, or eulerMaruyama with σ = 0), not \(integrator.rawValue)\(sigma > 0 ? " with σ = \(sigma)" : "")")
            }
        }
    }

    enum CodingKeys: String, CodingKey {
        case model, task, preset, vocabulary, block, networks, lowSteps, cycles, integrator, stepSize, lowStepSize, epsilon
        case noise, sigma, discretisation, gradient, implicitIterations, halting, haltOutputs, haltReadout, equilibriumTolerance, segments
        case exploration, answerLoss, loss, training
    }

    /// Field names of configurations written before the two levels had one name each
    /// (`low`/`high`; these said `fast`): read, never written.
    enum LegacyKeys: String, CodingKey {
        case fastSteps, fastStepSize
    }

    /// The current name of each legacy field, for `--set` and for reading old files.
    static let legacyFieldNames = ["fastSteps": "lowSteps", "fastStepSize": "lowStepSize"]

    /// Throws when the configuration cannot be built, naming the field.
    public func validate() throws(ReasoningError) {
        do { try block.validate() } catch { throw .invalidConfiguration("\(error)") }
        guard vocabulary > 1 else { throw .invalidConfiguration("vocabulary must exceed 1") }
        guard lowSteps >= 1, cycles >= 1, segments >= 1 else {
            throw .invalidConfiguration("lowSteps, cycles and segments must be positive")
        }
        guard stepSize > 0, lowStepSize > 0, epsilon > 0, stepSize.isFinite, lowStepSize.isFinite, epsilon.isFinite else {
            throw .invalidConfiguration("step sizes and ε must be positive and finite")
        }
        guard sigma >= 0, sigma.isFinite else { throw .invalidConfiguration("σ must be non-negative") }
        if sigma > 0 && integrator != .eulerMaruyama {
            throw .invalidConfiguration("noise σ > 0 needs the eulerMaruyama integrator")
        }
        if halting == .haltLogit && haltOutputs == .absent { throw .invalidConfiguration("haltLogit halting needs a halting head") }
        if halting == .qLearning && haltOutputs != .haltAndContinue { throw .invalidConfiguration("Q-learning halting needs 2 halting outputs") }
        if gradient == .implicit && implicitIterations < 0 { throw .invalidConfiguration("implicitIterations must be ≥ 0") }
        if gradient == .implicitAnderson && implicitIterations < 1 {
            throw .invalidConfiguration("implicitAnderson needs implicitIterations ≥ 1 (the iteration cap)")
        }
        try Self.validatePair(discretisation: discretisation, gradient: gradient, integrator: integrator, sigma: sigma)
        guard training.batch >= 1, loss.regulariserEvery >= 1, loss.regulariserBatch >= 1 else {
            throw .invalidConfiguration("batch and regulariser cadence must be positive")
        }
        guard loss.spectralMargin >= 0 && loss.spectralMargin.isFinite else {
            throw .invalidConfiguration("loss.spectralMargin is a bound on ‖J‖₂, ≥ 0, got \(loss.spectralMargin)")
        }
        guard loss.chord >= 0 && loss.chord.isFinite && loss.chordMargin >= 0 && loss.chordMargin.isFinite,
              loss.chordSegments >= 0 else {
            throw .invalidConfiguration("loss.chord, loss.chordMargin and loss.chordSegments must be finite and ≥ 0, got \(loss.chord), \(loss.chordMargin) and \(loss.chordSegments)")
        }
        guard loss.chordEvery >= 0 else {
            throw .invalidConfiguration("loss.chordEvery is a number of steps (0: with the Jacobian regularisers, every loss.regulariserEvery), got \(loss.chordEvery)")
        }
        guard (0...1).contains(loss.chordFrom) else {
            throw .invalidConfiguration("loss.chordFrom is a fraction of the schedule in [0, 1], got \(loss.chordFrom)")
        }
        guard loss.chordSwaps == 0 || (2...block.sequence).contains(loss.chordSwaps) else {
            throw .invalidConfiguration("loss.chordSwaps is 0 (a random start) or a number of positions between 2 and the sequence length \(block.sequence), got \(loss.chordSwaps)")
        }
        if loss.chordWrongClues != 0 {
            guard task == .sudoku && block.sequence == 81 else {
                throw .invalidConfiguration("loss.chordWrongClues gives Sudoku puzzles wrong givens; this is a \(task.rawValue) model")
            }
            guard (2...64).contains(loss.chordWrongClues), loss.chordSwaps == 0 else {
                throw .invalidConfiguration("loss.chordWrongClues is 0 (off) or a number of wrong givens between 2 and 64, and not with loss.chordSwaps; got \(loss.chordWrongClues) with chordSwaps \(loss.chordSwaps)")
            }
        }
        guard loss.wrongMotion >= 0 && loss.wrongMotion.isFinite, loss.wrongMotionMargin > 0 && loss.wrongMotionMargin.isFinite,
              (0...1).contains(loss.wrongMotionFrom) else {
            throw .invalidConfiguration("loss.wrongMotion must be finite and ≥ 0, loss.wrongMotionMargin finite and > 0 (a relative residual), loss.wrongMotionFrom a fraction of the schedule in [0, 1]; got \(loss.wrongMotion), \(loss.wrongMotionMargin) and \(loss.wrongMotionFrom)")
        }
        guard loss.swappedHalting >= 0 && loss.swappedHalting.isFinite,
              (2...block.sequence).contains(loss.swappedHaltingPositions) else {
            throw .invalidConfiguration("loss.swappedHalting must be finite and ≥ 0 and loss.swappedHaltingPositions between 2 and the sequence length \(block.sequence); got \(loss.swappedHalting) and \(loss.swappedHaltingPositions)")
        }
        if loss.swappedHalting > 0 && haltOutputs == .absent {
            throw .invalidConfiguration("loss.swappedHalting trains the halting head: the model has none")
        }
        if haltReadout == .relational && haltOutputs == .absent {
            throw .invalidConfiguration("haltReadout=relational is a halting head's readout: the model has none (haltOutputs 0)")
        }
        guard training.shards >= 1 else { throw .invalidConfiguration("shards must be positive, got \(training.shards)") }
        guard (0...1).contains(training.easierCopies) else {
            throw .invalidConfiguration("training.easierCopies is a fraction of draws in [0, 1], got \(training.easierCopies)")
        }
        guard training.startScale >= 0 && training.startScale.isFinite else {
            throw .invalidConfiguration("training.startScale is a standard deviation ≥ 0, got \(training.startScale)")
        }
        guard (0...1).contains(training.perturbedSegments) else {
            throw .invalidConfiguration("training.perturbedSegments is a probability in [0, 1], got \(training.perturbedSegments)")
        }
        guard training.perturbedPositions > 0 && training.perturbedPositions <= 1 else {
            throw .invalidConfiguration("training.perturbedPositions is a fraction in (0, 1], got \(training.perturbedPositions)")
        }
        if training.perturbedSegments > 0 && training.perturbation == .wrongClues && (task != .sudoku || block.sequence != 81) {
            throw .invalidConfiguration("training.perturbation=wrongClues gives Sudoku puzzles wrong givens; this is a \(task.rawValue) model")
        }
        guard training.spectralBoundStart >= 1 && training.spectralBoundStart.isFinite,
              training.spectralBoundUntil > 0 && training.spectralBoundUntil <= 1 else {
            throw .invalidConfiguration("training.spectralBoundStart must be a finite bound ≥ 1 and training.spectralBoundUntil a fraction in (0, 1], got \(training.spectralBoundStart) and \(training.spectralBoundUntil)")
        }
        if training.spectralBoundStart > 1 && (block.structure != .contractive || !block.spectralBound) {
            throw .invalidConfiguration("training.spectralBoundStart anneals the contractive structure's spectral bound (block.structure=contractive, block.spectralBound=true)")
        }
        guard training.embeddingStd > 0 && training.embeddingStd.isFinite else {
            throw .invalidConfiguration("training.embeddingStd is a standard deviation > 0, got \(training.embeddingStd)")
        }
        guard (0...1).contains(exploration) else { throw .invalidConfiguration("exploration must be in [0, 1]") }
        let curriculum = try DepthCurriculum(parsing: training.depthCurriculum)
        if !curriculum.isEmpty {
            guard discretisation == .multiRate, gradient == .lastCycle || gradient == .oneStep else {
                throw .invalidConfiguration("training.depthCurriculum needs the multiRate discretisation and the lastCycle or oneStep gradient, got \(discretisation.rawValue) and \(gradient.rawValue)")
            }
        }
    }
}

extension ReasoningConfiguration {
    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        model = try c.decode(ModelKind.self, forKey: .model)
        task = try c.decode(TaskKind.self, forKey: .task)
        preset = try c.decode(Preset.self, forKey: .preset)
        vocabulary = try c.decode(Int.self, forKey: .vocabulary)
        block = try c.decode(BlockConfiguration.self, forKey: .block)
        networks = try c.decode(NetworkSharing.self, forKey: .networks)
        let legacy = try decoder.container(keyedBy: LegacyKeys.self)
        lowSteps = try c.decodeIfPresent(Int.self, forKey: .lowSteps) ?? legacy.decode(Int.self, forKey: .fastSteps)
        cycles = try c.decode(Int.self, forKey: .cycles)
        integrator = try c.decode(Integrator.self, forKey: .integrator)
        stepSize = try c.decode(Double.self, forKey: .stepSize)
        lowStepSize = try c.decodeIfPresent(Double.self, forKey: .lowStepSize)
            ?? legacy.decode(Double.self, forKey: .fastStepSize)
        epsilon = try c.decode(Double.self, forKey: .epsilon)
        noise = try c.decode(NoiseModel.self, forKey: .noise)
        sigma = try c.decode(Double.self, forKey: .sigma)
        gradient = try c.decode(SegmentGradient.self, forKey: .gradient)
        // Before this field, choosing the adjoint gradient also chose the joint forward.
        discretisation = try c.decodeIfPresent(Discretisation.self, forKey: .discretisation)
            ?? (gradient == .adjoint ? .joint : .multiRate)
        implicitIterations = try c.decode(Int.self, forKey: .implicitIterations)
        halting = try c.decode(HaltingRule.self, forKey: .halting)
        haltOutputs = try c.decode(HaltHead.self, forKey: .haltOutputs)
        haltReadout = try c.decodeIfPresent(HaltReadout.self, forKey: .haltReadout) ?? .mean
        equilibriumTolerance = try c.decode(Double.self, forKey: .equilibriumTolerance)
        segments = try c.decode(Int.self, forKey: .segments)
        exploration = try c.decode(Double.self, forKey: .exploration)
        answerLoss = try c.decode(AnswerLoss.self, forKey: .answerLoss)
        loss = try c.decode(LossWeights.self, forKey: .loss)
        training = try c.decode(Training.self, forKey: .training)
    }
}
