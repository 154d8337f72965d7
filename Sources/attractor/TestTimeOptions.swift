import ArgumentParser
import Attractor

/// The test-time scaling options of `eval` and `solve` (`Docs/TestTimeScaling.md`).
struct TestTimeOptions: ParsableArguments {
    @Option(parsing: .unconditional, help: "Trajectories per puzzle at most (transformed puzzle, own random start and noise each); a puzzle stops at its first verified answer.")
    var samples = 1
    @Option(parsing: .unconditional, help: "Segments per trajectory (default: the model's N_sup); more is test-time depth.")
    var segments: Int?
    @Flag(help: "Check every answer against the rules: a verified answer halts its trajectory and is reported as certified.")
    var verify = false
    @Option(help: "When a trajectory stops early: model (its own halting rule, or a verified answer) or verified (only a verified answer).")
    var halting: InferenceOptions.Halting = .model
    @Option(parsing: .unconditional, help: "Network evaluations per puzzle at most; a sample starts only if its whole trajectory fits.")
    var budget: Int?
    @Option(help: "Test-time noise σ: each step adds σ√h·ξ (per-trajectory seeded streams).")
    var sigma: Double = 0
    @Option(help: "Standard deviation of each trajectory's random initial state (0: the zero state).")
    var startScale: Double = 0
    @Option(parsing: .unconditional, help: "Only the first K segments carry the noise --sigma, the rest run noise-free (the NSDE annealed to its drift); the model's halting waits for them.")
    var noisySegments: Int?
    @Option(help: "Which trajectories carry the noise --sigma in a segment: none (all of them) or halting (only where the model's halting rule does not fire at the segment's start: noise where the model doubts; the last segment runs noise-free).")
    var noiseGate: InferenceOptions.NoiseGate = .none
    @Flag(help: "Samples after the first see the puzzle itself, not a digit-permuted and shuffled copy.")
    var noTransforms = false
    @Option(help: "Seed of the transforms, random starts and noise.")
    var sampleSeed: UInt64 = 0
    @Option(parsing: .unconditional, help: "Confident-cell commitment: when a trajectory's answer is not verified, its K most confident consistent cells become givens and the sample runs again (answers are verified).")
    var commit: Int?

    func validate() throws {
        if samples < 1 { throw ValidationError("--samples must be at least 1, got \(samples)") }
        if let segments, segments < 1 { throw ValidationError("--segments must be at least 1, got \(segments)") }
        if let budget, budget < 1 { throw ValidationError("--budget must be at least 1, got \(budget)") }
        if !(sigma >= 0 && sigma.isFinite) { throw ValidationError("--sigma must be finite and ≥ 0, got \(sigma)") }
        if !(startScale >= 0 && startScale.isFinite) { throw ValidationError("--start-scale must be finite and ≥ 0, got \(startScale)") }
        if let commit, !(1...80).contains(commit) { throw ValidationError("--commit must be in 1…80 cells, got \(commit)") }
        if let noisySegments {
            if noisySegments < 1 { throw ValidationError("--noisy-segments must be at least 1, got \(noisySegments)") }
            if sigma == 0 { throw ValidationError("--noisy-segments needs --sigma > 0 (the noise they carry)") }
        }
        if noiseGate == .halting {
            if sigma == 0 { throw ValidationError("--noise-gate halting needs --sigma > 0 (the noise it gates)") }
            if noisySegments != nil { throw ValidationError("--noise-gate halting and --noisy-segments are two schedules of the noise: choose one") }
        }
    }

    /// Whether any option departs from one plain trajectory.
    var isActive: Bool {
        samples > 1 || segments != nil || verify || halting != .model || budget != nil || sigma > 0 || startScale > 0
            || commit != nil
    }

    /// Answers are checked against the rules.
    var verifies: Bool { verify || samples > 1 || halting == .verified || budget != nil || commit != nil }

    var inferenceOptions: InferenceOptions {
        InferenceOptions(segments: segments, halting: halting, sigma: sigma, startScale: startScale, noisySegments: noisySegments,
                         noiseGate: noiseGate)
    }

    /// Nil for one plain trajectory (the model's own measurement).
    var samplingOptions: SudokuSampling.Options? {
        guard isActive else { return nil }
        var o = SudokuSampling.Options()
        o.samples = samples
        o.transforms = !noTransforms
        o.budget = budget
        o.verify = verifies
        o.inference = inferenceOptions
        o.seed = sampleSeed
        o.commit = commit
        return o
    }
}

extension InferenceOptions.Halting: ExpressibleByArgument {}
extension InferenceOptions.NoiseGate: ExpressibleByArgument {}
