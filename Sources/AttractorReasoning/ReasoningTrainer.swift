import AttractorNeural
import AttractorNumerics

/// Deep-supervision training of a `ReasoningModel<Float>` (HRM's "carry" scheme): the batch
/// is a set of slots, each holding one example and its latent state across segments. Every
/// step runs one segment for all slots, takes one optimiser step, and replaces the examples
/// that halted (halting rule, or `N_sup` segments) with fresh draws. The state is detached
/// between segments (only the segment's taped part is differentiated).
///
/// **Data parallel.** The slots are cut into `training.shards` fixed contiguous shards. A
/// shard's forward, objective and backward run on one worker (a `ReasoningModel` replica
/// sharing the parameter values, with workspaces and gradients of its own); its gradient
/// lands in the shard's own buffer, and the buffers are summed in shard order. Shard `s`
/// always runs on worker `s % threads`, and nothing a shard computes depends on which
/// worker runs it, so a step is bit-identical for any thread count. Every loss is a mean
/// over the whole batch (each shard's part weighted by its share of the rows); the
/// batch-coupled terms — hyperspherical repulsion and the Jacobian regularisers' sub-batch
/// — are taken within each shard.
///
/// Everything random derives from `(seed, step)`, `(seed, step, shard)` or `(seed, draw)`,
/// so a run restored from a checkpoint (`ReasoningCheckpoint`) continues bit for bit, with
/// any thread count.
public final class ReasoningTrainer {
    /// Loss parts and metrics of one step.
    public struct StepReport: Sendable {
        public var step: Int
        public var answerLoss = 0.0
        public var haltingLoss = 0.0
        public var regularisers = ReasoningModel<Float>.RegulariserValues()
        public var totalLoss = 0.0
        public var gradientNorm = 0.0
        public var learningRate = 0.0
        /// Examples that finished (halted) this step, and how many of them were exactly right.
        public var finished = 0
        public var finishedExact = 0
        /// Fraction of cells right over the whole batch this step.
        public var cellAccuracy = 0.0
        /// Mean segments used by the finished examples.
        public var finishedSegments = 0.0
        /// Forward and backward passes of `F` this step, in examples, and their matmul flops.
        public var forwardExamples = 0
        public var backwardExamples = 0
        public var flops = 0.0
        /// The depth the step's segment ran, `(lowSteps, cycles)` (a depth curriculum's stage).
        public var lowSteps = 0
        public var cycles = 0
        /// Whether the chord hinge acted at this step of the schedule (`loss.chordFrom`).
        public var chordActive = false
    }

    /// What one shard contributes to a step (written by its worker, read after the join).
    struct ShardResult {
        var answerLoss = 0.0
        var haltingLoss = 0.0
        var regularisers = ReasoningModel<Float>.RegulariserValues()
        var cellsRight = 0
        var forwardExamples = 0
        var backwardExamples = 0
        var flops = 0.0
        var error: ReasoningError?
    }

    /// The parameters (values, and the summed gradient of a step) and worker 0's replica.
    public let model: ReasoningModel<Float>
    public var configuration: ReasoningConfiguration { model.configuration }
    public let examples: TrainingExamples
    public let seed: UInt64
    public let optimizer: AdamW<Float>
    public let ema: ExponentialMovingAverage<Float>
    public var schedule: LearningRateSchedule
    /// The configuration as the run stands: the model's, with the schedule's current length
    /// (a budgeted run fits it after its first steps). Checkpoints save this one.
    public var runConfiguration: ReasoningConfiguration {
        var c = configuration
        c.training.scheduleSteps = schedule.totalSteps
        return c
    }
    public let batch: Int
    /// Worker threads (the caller included); any count gives the same step.
    public let threads: Int
    /// Shard boundaries: shard `s` holds slots `shardStarts[s]..<shardStarts[s + 1]`.
    public let shardStarts: [Int]
    public var shardCount: Int { shardStarts.count - 1 }
    /// The latent state of each shard's slots (row `r` of shard `s` is slot `shardStarts[s] + r`).
    public let carries: [LatentState<Float>]
    /// Per slot: input and label tokens, segments done, halted flag.
    public internal(set) var slotInputs: [Int32]
    public internal(set) var slotLabels: [Int32]
    public internal(set) var slotSegments: [Int]
    public internal(set) var slotHalted: [Bool]
    /// `training.perturbation = wrongClues`: per slot, whether this step's segment starts with
    /// a prelude on wrong givens, and those givens (`batch × sequence` tokens).
    public internal(set) var slotPrelude: [Bool]
    var preludeTokens: [Int32]
    /// The prelude's state, one per worker (empty without `wrongClues`).
    let preludeStates: [LatentState<Float>]
    /// Optimiser steps taken.
    public internal(set) var step = 0
    /// Examples drawn so far.
    public internal(set) var draws = 0
    /// The pool shared with evaluation during training.
    public let pool: WorkerPool

    /// Replicas: `workers[0]` is `model`; the others share its parameter values.
    let workers: [ReasoningModel<Float>]
    /// Q-learning look-ahead state, one per worker.
    let lookaheads: [LatentState<Float>]
    /// The chord hinge's trajectory points (each shard's state before its segment) and its
    /// random-start states (one per worker); empty without the hinge.
    let chordOrigins: [LatentState<Float>]
    let chordStates: [LatentState<Float>]
    /// `loss.chordWrongClues`: per worker, the embedding of the chord rows' wrong givens.
    let chordInputs: [SegmentInput<Float>]
    /// The embedded shard input, one per worker (a shard's segment, look-ahead, backward and
    /// regularisers all read it).
    let segmentInputs: [SegmentInput<Float>]
    /// `loss.swappedHalting`'s buffers, one per worker (empty without it).
    let swapScratch: [SwapScratch]
    let shardGradients: [ScalarBuffer<Float>]
    /// `training.depthCurriculum`, parsed (empty: the configured depth on every step).
    public let curriculum: DepthCurriculum
    /// Random sources reseeded every step: one per shard (noise, probes), one for exploration.
    let shardRandom: [RandomSource]
    let explorationRandom = RandomSource(seed: 0)
    /// Reseeded per draw for `training.startScale`.
    let startRandom = RandomSource(seed: 0)
    /// Reseeded per step and slot for `training.perturbedSegments`.
    let perturbRandom = RandomSource(seed: 0)
    let shardResults: UnsafeMutablePointer<ShardResult>
    /// Per slot, written by the slot's shard: exactly right, halting logits, relative residual.
    let slotCorrect: UnsafeMutablePointer<Bool>
    let slotHaltLogits: ScalarBuffer<Float>
    let slotResiduals: UnsafeMutablePointer<Double>

    public init(configuration: ReasoningConfiguration, examples: TrainingExamples, seed: UInt64,
                threads: Int = 1) throws(ReasoningError) {
        guard examples.task == configuration.task else {
            throw .mismatch("the data set is a \(examples.task.rawValue) set but the model is configured for \(configuration.task.rawValue)")
        }
        guard examples.sequence == configuration.block.sequence, examples.vocabulary == configuration.vocabulary else {
            throw .mismatch("data sequence \(examples.sequence) / vocabulary \(examples.vocabulary) differ from the model's \(configuration.block.sequence) / \(configuration.vocabulary)")
        }
        guard examples.count > 0 else { throw .invalidInput("no training examples") }
        guard threads >= 1 else { throw .invalidConfiguration("threads must be positive, got \(threads)") }
        try configuration.validate()
        curriculum = try DepthCurriculum(parsing: configuration.training.depthCurriculum)
            .capped(lowSteps: configuration.lowSteps, cycles: configuration.cycles)
        let t = configuration.training
        self.batch = t.batch
        let shards = min(t.shards, t.batch)
        let batch = t.batch
        let starts = (0...shards).map { $0 * batch / shards }
        shardStarts = starts
        let largestShard = (0..<shards).map { starts[$0 + 1] - starts[$0] }.max()!
        self.threads = threads
        pool = WorkerPool(threads: threads)
        let model = try ReasoningModel<Float>(configuration: configuration, maxBatch: largestShard, seed: seed)
        self.model = model
        var replicas = [model]
        for _ in 1..<max(1, min(threads, shards)) { replicas.append(try ReasoningModel(replicaOf: model, maxBatch: largestShard)) }
        workers = replicas
        var examples = examples
        examples.easierFraction = configuration.training.easierCopies  // part of the run's configuration
        self.examples = examples
        self.seed = seed
        optimizer = AdamW(count: model.store.count, beta1: t.beta1, beta2: t.beta2, weightDecay: t.weightDecay)
        ema = ExponentialMovingAverage(copying: model.store, decay: t.emaDecay)
        schedule = LearningRateSchedule(baseRate: t.learningRate, warmupSteps: t.warmupSteps, totalSteps: t.scheduleSteps,
                                        minimumRatio: t.minimumRateRatio)
        carries = (0..<shards).map { _ in model.makeState() }
        lookaheads = configuration.halting == .qLearning ? replicas.map { $0.makeState() } : []
        let chord = configuration.loss.chord > 0
        chordOrigins = chord ? (0..<shards).map { _ in model.makeState() } : []
        chordStates = chord ? replicas.map { $0.makeState() } : []
        chordInputs = chord && configuration.loss.chordWrongClues > 0 ? replicas.map { $0.makeInput() } : []
        segmentInputs = replicas.map { $0.makeInput() }
        let prelude = t.perturbedSegments > 0 && t.perturbation == .wrongClues
        preludeStates = prelude ? replicas.map { $0.makeState() } : []
        swapScratch = configuration.loss.swappedHalting > 0
            ? replicas.map { _ in SwapScratch(rows: largestShard, width: configuration.stateWidth,
                                              outputs: configuration.haltOutputs.count, hidden: configuration.block.hidden) }
            : []
        shardGradients = (0..<shards).map { _ in ScalarBuffer(count: model.store.count) }
        shardRandom = (0..<shards).map { _ in RandomSource(seed: 0) }
        shardResults = .allocate(capacity: shards)
        shardResults.initialize(repeating: ShardResult(), count: shards)
        let l = configuration.block.sequence
        slotInputs = Array(repeating: 0, count: batch * l)
        slotLabels = Array(repeating: 0, count: batch * l)
        slotSegments = Array(repeating: 0, count: batch)
        slotHalted = Array(repeating: true, count: batch)
        slotPrelude = Array(repeating: false, count: batch)
        preludeTokens = prelude ? Array(repeating: 0, count: batch * l) : []
        slotCorrect = .allocate(capacity: batch)
        slotCorrect.initialize(repeating: false, count: batch)
        slotHaltLogits = ScalarBuffer(count: max(1, batch * configuration.haltOutputs.count))
        slotResiduals = .allocate(capacity: batch)
        slotResiduals.initialize(repeating: 0, count: batch)
    }

    deinit {
        shardResults.deinitialize(count: shardCount)
        shardResults.deallocate()
        slotCorrect.deallocate()
        slotResiduals.deallocate()
    }

    /// Whether evaluation (and `model.safetensors`) uses the EMA weights: only once the
    /// average has forgotten its starting point, `decay^step < 0.01` (≈ 4 600 steps at
    /// 0.999). Before that the EMA is still mostly the random initialisation (0.999⁴⁰⁰ =
    /// 0.67), and the raw weights are used.
    /// With `training.emaCorrection` the average is the run's own from the first step on.
    public var evaluationUsesEMA: Bool {
        configuration.training.emaCorrection ? step > 0 : Double.pow(ema.decay, Double(step)) < 0.01
    }

    /// Swaps the evaluation weights into the model (call again to swap back); a no-op
    /// when the raw weights are the evaluation weights.
    public func swapEvaluationWeights() {
        if evaluationUsesEMA { ema.swap(with: model.store) }
    }

    /// Runs `body` with the evaluation weights in the model and the training weights back
    /// afterwards (also when `body` throws).
    public func withEvaluationWeights<R, E: Error>(_ body: () throws(E) -> R) throws(E) -> R {
        let swapped = evaluationUsesEMA
        if swapped { ema.swap(with: model.store) }
        defer { if swapped { ema.swap(with: model.store) } }
        return try body()
    }

    /// The seeded stream `stream` of this step (and shard), reseeding `source` (no allocation).
    func random(_ stream: UInt64, shard: Int? = nil, into source: RandomSource) -> RandomSource {
        let base = RandomSource.mix(RandomSource.mix(seed, stream), UInt64(step))
        source.reseed(shard.map { RandomSource.mix(base, UInt64($0)) } ?? base)
        return source
    }

    /// The slots' latent state in slot order (`level` high or low), `batch × width` scalars.
    public func carryRows(high: Bool) -> [Float] {
        var out: [Float] = []
        out.reserveCapacity(batch * model.stateWidth)
        for s in 0..<shardCount {
            let rows = shardStarts[s + 1] - shardStarts[s]
            let buffer = high ? carries[s].high : carries[s].low
            out += UnsafeBufferPointer(start: buffer.pointer, count: rows * model.stateWidth)
        }
        return out
    }

    /// Restores the slots' latent state from `carryRows` output.
    public func setCarryRows(high: Bool, _ values: [Float]) throws(ReasoningError) {
        let width = model.stateWidth
        guard values.count == batch * width else {
            throw .mismatch("latent state of \(values.count) scalars, the batch holds \(batch * width)")
        }
        values.withUnsafeBufferPointer { v in
            for s in 0..<shardCount {
                let buffer = high ? carries[s].high : carries[s].low
                buffer.pointer.update(from: v.baseAddress! + shardStarts[s] * width,
                                      count: (shardStarts[s + 1] - shardStarts[s]) * width)
            }
        }
    }

    /// One training step: refill halted slots → each shard's forward, objective and backward
    /// (in parallel) → gradients summed in shard order → clip, AdamW, EMA → halting.
    /// Throws `ReasoningError.nonFiniteLoss` (with `lastGoodCheckpoint: nil`; the caller
    /// names its checkpoint) when the loss is NaN or infinite; the weights are then untouched.
    public func trainStep() throws(ReasoningError) -> StepReport {
        var report = StepReport(step: step + 1)
        refillHaltedSlots()
        enterStepDepth(&report)
        defer { leaveStepDepth() }

        // Forward, objective and backward of every shard (shard s on worker s % threads).
        phase = .shards
        pool.run(self)
        try tallyShards(into: &report)
        // Optimiser: the shard gradients summed in shard order, then one update.
        sumShardGradients()
        update(&report)
        return report
    }

    /// The depth of the step about to run (the curriculum's stage at `step` of the schedule),
    /// on every replica; `leaveStepDepth` restores the configured one (evaluation and
    /// checkpoints always see the configured model).
    func enterStepDepth(_ report: inout StepReport) {
        let full = (configuration.lowSteps, configuration.cycles)
        let d = curriculum.isEmpty ? full : curriculum.depth(step: step, totalSteps: schedule.totalSteps, full: full)
        if !curriculum.isEmpty { for w in workers { w.setDepth(lowSteps: d.0, cycles: d.1) } }
        report.lowSteps = d.0
        report.cycles = d.1
        report.chordActive = chordActive
    }

    func leaveStepDepth() {
        if !curriculum.isEmpty { for w in workers { w.resetDepth() } }
    }

    /// The schedule length a budget fit proposes: the last step `N` such that steps
    /// `step..<N` cost at most `remainingSeconds`, measured at `secondsPerStep` on steps of
    /// depth `measured`. Without a curriculum or a delayed chord hinge every step costs the
    /// same and this is `step + ⌊remainingSeconds / secondsPerStep⌋`; with one, each stage's
    /// steps are priced by `DepthCurriculum.segmentCost` relative to the measured depth (the
    /// stages move with `N`, so `N` is searched). `passes`, the forward and backward passes of
    /// `F` per example counted on the measured steps, give the overhead that does not shrink
    /// with the depth. The chord hinge's passes (`chordSegmentShare`) do scale with it: they
    /// are priced per stage, on the steps from `loss.chordFrom · N` on; `chordMeasured` is the
    /// fraction of the measured steps on which it acted (default: all of them when it acts
    /// from the first step, none otherwise).
    public func fittedScheduleLength(remainingSeconds: Double, secondsPerStep: Double,
                                     measured: (lowSteps: Int, cycles: Int),
                                     passes: (forward: Double, backward: Double)? = nil,
                                     chordMeasured: Double? = nil) -> Int {
        let affordable = max(0, remainingSeconds / secondsPerStep)
        let chord = chordSegmentShare, from = configuration.loss.chordFrom
        let chordSeen = chordMeasured ?? (from == 0 ? 1 : 0)
        let chordUniform = chord.forward == 0 || (from == 0 && chordSeen == 1)
        guard !curriculum.isEmpty || !chordUniform else { return step + Int(affordable.rounded(.down)) }
        let gradient = configuration.gradient
        let taped: (Int) -> Int = { n in gradient == .oneStep ? 2 : n + 1 }
        func chordCost(_ n: Int, _ t: Int) -> Double {
            chord.forward * Double((n + 1) * t) + 2 * chord.backward * Double(taped(n))
        }
        // The measured passes include the chord's where it acted; it is priced on its own.
        let overhead = passes.map {
            DepthCurriculum.Overhead(measuredForward: $0.forward - chordSeen * chord.forward * Double((measured.lowSteps + 1) * measured.cycles),
                                     backward: $0.backward - chordSeen * chord.backward * Double(taped(measured.lowSteps)),
                                     lowSteps: measured.lowSteps, cycles: measured.cycles, tapedSteps: taped)
        } ?? .none
        let unit = DepthCurriculum.segmentCost(lowSteps: measured.lowSteps, cycles: measured.cycles,
                                               tapedSteps: taped, overhead: overhead)
            + chordSeen * chordCost(measured.lowSteps, measured.cycles)
        let full = (configuration.lowSteps, configuration.cycles)
        func fits(_ n: Int) -> Bool {
            let chordStart = max(step, Int((from * Double(n)).rounded(.up)))
            let cost = curriculum.cost(from: step, to: n, totalSteps: n, full: full, tapedSteps: taped, overhead: overhead)
                + curriculum.cost(from: chordStart, to: n, totalSteps: n, full: full) { chordCost($0, $1) }
            return cost / unit <= affordable
        }
        // The cheapest step costs at least 1/unit of a measured one, so N ≤ step + affordable·unit.
        var low = step, high = step + Int((affordable * unit).rounded(.up)) + 1
        while high - low > 1 {
            let mid = (low + high) / 2
            if fits(mid) { low = mid } else { high = mid }
        }
        return low
    }

    /// Adds every shard's loss parts and counts into `report`; throws a shard's error, or
    /// `nonFiniteLoss` when the total is NaN or infinite.
    func tallyShards(into report: inout StepReport) throws(ReasoningError) {
        var cellsRight = 0
        for s in 0..<shardCount {
            let r = shardResults[s]
            if let error = r.error { throw error }
            report.answerLoss += r.answerLoss
            report.haltingLoss += r.haltingLoss
            report.regularisers.residual += r.regularisers.residual
            report.regularisers.repulsion += r.regularisers.repulsion
            report.regularisers.traceHinge += r.regularisers.traceHinge
            report.regularisers.repellerHinge += r.regularisers.repellerHinge
            report.regularisers.frobenius += r.regularisers.frobenius
            report.regularisers.spectral += r.regularisers.spectral
            report.regularisers.chord += r.regularisers.chord
            report.regularisers.wrongMotion += r.regularisers.wrongMotion
            report.regularisers.swappedHalting += r.regularisers.swappedHalting
            cellsRight += r.cellsRight
            report.forwardExamples += r.forwardExamples
            report.backwardExamples += r.backwardExamples
            report.flops += r.flops
        }
        report.cellAccuracy = Double(cellsRight) / Double(batch * configuration.block.sequence)
        report.totalLoss = report.answerLoss + report.haltingLoss + report.regularisers.total
        guard report.totalLoss.isFinite else { throw .nonFiniteLoss(step: step + 1, lastGoodCheckpoint: nil) }
    }

    /// With the summed gradient in the model's store: clip, AdamW, EMA, halting decisions,
    /// and the step count.
    func update(_ report: inout StepReport) {
        report.gradientNorm = GradientClipping.clipGlobalNorm(model.store, maxNorm: configuration.training.clipNorm)
        report.learningRate = schedule.rate(step: step + 1)
        optimizer.update(model.store, learningRate: report.learningRate)
        let bound = configuration.training.spectralBound(step: step + 1, totalSteps: schedule.totalSteps)
        model.network.projectSpectralNorms(bound: bound)
        if configuration.training.emaCorrection {
            ema.update(model.store, decay: ExponentialMovingAverage<Float>.correctedDecay(ema.decay, update: step + 1))
        } else {
            ema.update(model.store)
        }
        if configuration.training.spectralBoundStart > 1 {
            // An average of weights from a looser bound can sit outside the current one: the
            // evaluated (EMA) weights are held to it too, so the certificate holds at the end.
            model.network.projectSpectralNorms(of: ema.shadow.pointer, bound: bound)
        }
        decideHalting(&report)
        step += 1
    }

    /// Draws fresh examples into the slots that halted last step (in slot order, so the draw
    /// sequence does not depend on sharding).
    func refillHaltedSlots() {
        let l = configuration.block.sequence
        if configuration.training.perturbedSegments > 0 {
            for b in 0..<batch { slotPrelude[b] = false }
            for b in 0..<batch where !slotHalted[b] { perturbCarriedSlot(b) }
        }
        for b in 0..<batch where slotHalted[b] {
            let (input, label) = examples.draw(draws, seed: seed)
            for t in 0..<l { slotInputs[b * l + t] = input[t]; slotLabels[b * l + t] = label[t] }
            let s = shard(ofSlot: b)
            startExample(draw: draws, row: b - shardStarts[s], of: carries[s])
            draws += 1
            slotSegments[b] = 0
            slotHalted[b] = false
        }
        for b in 0..<batch { slotSegments[b] += 1 }  // the segment this step runs
    }

    /// Row `row` of `state` to the start of draw `draw`: zero, or with `training.startScale`
    /// a Gaussian start from `(seed, draw)` alone (so it does not depend on the batch, the
    /// sharding or the threads).
    func startExample(draw: Int, row: Int, of state: LatentState<Float>) {
        let scale = configuration.training.startScale
        if scale > 0 {
            startRandom.reseed(RandomSource.mix(RandomSource.mix(seed, ReasoningInference.Stream.start.rawValue), UInt64(draw)))
        }
        state.randomStart(row: row, scale: scale, random: startRandom)
    }

    /// `training.perturbedSegments`: with that probability, slot `b`'s carried state has
    /// `z_H` and `z_L` redrawn at each position with probability `perturbedPositions` (from
    /// the start distribution), or swapped among that fraction of positions
    /// (`training.perturbation`), from `(seed, step, b)` alone — so the draws do not depend on
    /// the sharding or the threads, and a resumed run repeats them.
    func perturbCarriedSlot(_ b: Int) {
        let t = configuration.training
        perturbRandom.reseed(RandomSource.mix(RandomSource.mix(RandomSource.mix(seed, Self.perturbStream), UInt64(step)), UInt64(b)))
        guard perturbRandom.uniform() < t.perturbedSegments else { return }
        let s = shard(ofSlot: b), l = configuration.block.sequence
        switch t.perturbation {
        case .redraw:
            carries[s].redrawPositions(row: b - shardStarts[s], sequence: l, fraction: t.perturbedPositions,
                                       scale: t.startScale > 0 ? t.startScale : 1, random: perturbRandom)
        case .swap:
            carries[s].swapPositions(row: b - shardStarts[s], sequence: l,
                                     count: Int((t.perturbedPositions * Double(l)).rounded()), random: perturbRandom)
        case .wrongClues:
            let range = (b * l)..<((b + 1) * l)
            let wrong = TrainingExamples.wrongClues(Array(slotInputs[range]), label: Array(slotLabels[range]),
                                                    cells: max(2, Int((t.perturbedPositions * Double(l)).rounded())),
                                                    using: perturbRandom)
            preludeTokens.replaceSubrange(range, with: wrong)
            slotPrelude[b] = true
        }
    }

    /// `training.perturbation = wrongClues`: the shard's slots marked for a prelude, gathered
    /// into the worker's prelude state, run one segment without gradient (and without noise)
    /// on their wrong givens, and scattered back into the carried state. Uses the worker's
    /// segment input, which `forward` then embeds the true puzzles into.
    func runPrelude(_ pass: ShardPass) throws(ReasoningError) {
        let rows = (0..<pass.rows).filter { slotPrelude[pass.start + $0] }
        guard !rows.isEmpty else { return }
        let state = preludeStates[pass.worker], w = configuration.stateWidth, l = configuration.block.sequence
        var tokens: [Int32] = []
        tokens.reserveCapacity(rows.count * l)
        for (i, r) in rows.enumerated() {
            (state.high.pointer + i * w).update(from: pass.carry.high.pointer + r * w, count: w)
            (state.low.pointer + i * w).update(from: pass.carry.low.pointer + r * w, count: w)
            tokens += preludeTokens[((pass.start + r) * l)..<((pass.start + r + 1) * l)]
        }
        try pass.replica.embed(tokens, batch: rows.count, into: pass.input)
        pass.replica.runSegment(state, input: pass.input, record: false)
        for (i, r) in rows.enumerated() {
            (pass.carry.high.pointer + r * w).update(from: state.high.pointer + i * w, count: w)
            (pass.carry.low.pointer + r * w).update(from: state.low.pointer + i * w, count: w)
        }
    }

    /// The stream `perturbCarriedSlot` mixes into the seed.
    static let perturbStream: UInt64 = 0x9E27B

    func shard(ofSlot b: Int) -> Int {
        var s = 0
        while shardStarts[s + 1] <= b { s += 1 }
        return s
    }

    /// `Σ_s shardGradients[s]` in shard order into the model's gradients, split over the
    /// workers by parameter range (each element's sum order is the same for any split).
    func sumShardGradients() {
        phase = .reduce
        pool.run(self)
    }

    /// What `work(worker:)` does on the pool's next run.
    enum Phase { case shards, reduce }
    var phase = Phase.shards

    /// `Σ_s shardGradients[s]` over parameters `range`, in shard order.
    func sumShardGradients(_ range: Range<Int>) {
        let out = model.store.gradients.pointer
        for i in range { out[i] = shardGradients[0].pointer[i] }
        for s in 1..<shardCount {
            let g = shardGradients[s].pointer
            for i in range { out[i] += g[i] }
        }
    }

    /// What one shard's passes work on: its slots, its worker's replica and segment input,
    /// its carried latent state and its share of every batch mean.
    struct ShardPass {
        let index: Int
        let worker: Int
        let start: Int
        let rows: Int
        let share: Double
        let replica: ReasoningModel<Float>
        let input: SegmentInput<Float>
        let carry: LatentState<Float>
    }

    /// One shard's forward → objective → backward on worker `w`'s replica; the gradient goes
    /// to `shardGradients[s]`, the per-slot outcomes to the slot arrays.
    func runShard(_ s: Int, on w: Int) {
        let replica = workers[w]
        let rows = shardStarts[s + 1] - shardStarts[s]
        let pass = ShardPass(index: s, worker: w, start: shardStarts[s], rows: rows, share: Double(rows) / Double(batch),
                             replica: replica, input: segmentInputs[w], carry: carries[s])
        var result = ShardResult()
        defer { shardResults[s] = result }
        replica.functionEvaluations = 0
        replica.backwardEvaluations = 0
        replica.store.zeroGradients()
        do throws(ReasoningError) {
            try forward(pass)
            try objective(pass, into: &result)
            try backward(pass, into: &result)
        } catch {
            result.error = error
            return
        }
        shardGradients[s].pointer.update(from: replica.store.gradients.pointer, count: replica.store.count)
        result.forwardExamples = replica.functionEvaluations
        result.backwardExamples = replica.backwardEvaluations
        result.flops = replica.matmulFlops(forwardExamples: replica.functionEvaluations,
                                           backwardExamples: replica.backwardEvaluations, headRows: rows)
    }

    /// Forward: embed the shard's slots, one recorded deep-supervision segment from the
    /// carried state (training noise from the shard's stream), the heads.
    func forward(_ pass: ShardPass) throws(ReasoningError) {
        let config = configuration, replica = pass.replica
        if !preludeStates.isEmpty { try runPrelude(pass) }
        try slotInputs.withUnsafeBufferPointer { (p) throws(ReasoningError) in
            try replica.embed(p.baseAddress! + pass.start * config.block.sequence, batch: pass.rows, into: pass.input)
        }
        if isChordStep { chordOrigins[pass.index].copy(from: pass.carry, rows: regulariserRows(pass)) }
        replica.runSegment(pass.carry, input: pass.input, record: true,
                           noise: config.sigma > 0 ? random(0x5EED, shard: pass.index, into: shardRandom[pass.index]) : nil)
        replica.computeHeads(pass.carry, batch: pass.rows)
    }

    /// Objective: the answer loss (and each slot's correctness), the halting loss (with
    /// HRM's Q-learning look-ahead target), the equilibrium residual and the repulsion —
    /// values into `result`, cotangents into the replica's buffers, each weighted by the
    /// shard's share of the batch.
    func objective(_ pass: ShardPass, into result: inout ShardResult) throws(ReasoningError) {
        let config = configuration, replica = pass.replica
        let start = pass.start, rows = pass.rows, share = pass.share, carry = pass.carry
        let l = config.block.sequence, v = config.vocabulary
        replica.clearCotangents(batch: rows)

        // Answer loss and correctness.
        let value: LossValue
        do {
            value = try slotLabels.withUnsafeBufferPointer { (tg) throws(NeuralError) -> LossValue in
                let targets = tg.baseAddress! + start * l
                switch config.answerLoss {
                case .stablemax:
                    return try StablemaxCrossEntropy().evaluate(logits: replica.logits.pointer, targets: targets, rows: rows * l,
                                                                classes: v, gradient: replica.logitsCotangent.pointer)
                case .softmax:
                    return try SoftmaxCrossEntropy().evaluate(logits: replica.logits.pointer, targets: targets, rows: rows * l,
                                                              classes: v, gradient: replica.logitsCotangent.pointer)
                }
            }
        } catch { throw .invalidInput("\(error)") }
        let answerScale = config.loss.answer * share
        result.answerLoss = answerScale * value.loss
        let weight = Float(answerScale)
        for i in 0..<(rows * l * v) { replica.logitsCotangent.pointer[i] *= weight }
        for r in 0..<rows {
            var right = true
            for t in 0..<l {
                let row = replica.logits.pointer + (r * l + t) * v
                var best = 0
                for j in 1..<v where row[j] > row[best] { best = j }
                if Int32(best) == slotLabels[(start + r) * l + t] { result.cellsRight += 1 } else { right = false }
            }
            slotCorrect[start + r] = right
        }

        // Halting loss.
        let outputs = config.haltOutputs.count
        if outputs > 0 {
            let q = slotHaltLogits.pointer + start * outputs
            q.update(from: replica.haltLogits.pointer, count: rows * outputs)
            let targets = replica.haltTargets.pointer
            for r in 0..<rows { targets[r * outputs] = slotCorrect[start + r] ? 1 : 0 }
            if config.halting == .qLearning && outputs == 2 {
                // Q-learning target for "continue": the next segment's best Q (no gradient).
                let lookahead = lookaheads[pass.worker]
                lookahead.copy(from: carry)
                replica.runSegment(lookahead, input: pass.input, record: false)
                replica.computeHeads(lookahead, batch: rows)
                for r in 0..<rows {
                    let qh = replica.haltLogits.pointer[r * 2], qc = replica.haltLogits.pointer[r * 2 + 1]
                    let isLast = slotSegments[start + r] >= config.segments
                    let target = isLast ? qh : max(qh, qc)
                    targets[r * 2 + 1] = 1 / (1 + Float.exp(-target))
                }
            }
            let bce = BinaryCrossEntropy().evaluate(logits: q, targets: targets, count: rows * outputs,
                                                    gradient: replica.haltCotangent.pointer)
            let scale = config.loss.halting * Double(outputs) * share
            result.haltingLoss = scale * bce.loss
            for i in 0..<(rows * outputs) { replica.haltCotangent.pointer[i] *= Float(scale) }
            result.regularisers.swappedHalting = swappedHaltingLoss(pass)
        }

        // Equilibrium residual (also the CMM halting signal) and repulsion.
        let motion = wrongMotionActive
            ? ReasoningModel<Float>.WrongMotion(weight: config.loss.wrongMotion * share, margin: config.loss.wrongMotionMargin,
                                                correct: UnsafePointer(slotCorrect + start))
            : nil
        if config.halting == .equilibrium || config.loss.residual > 0 || motion != nil {
            let terms = replica.equilibriumTerms(
                carry, batch: rows, residualWeight: config.loss.residual * share, motion: motion,
                relative: UnsafeMutableBufferPointer(start: slotResiduals + start, count: rows))
            result.regularisers.residual = terms.residual
            result.regularisers.wrongMotion = terms.wrongMotion
        }
        result.regularisers.repulsion = replica.repulsion(carry, batch: rows, weight: config.loss.repulsion * share)
    }

    /// Backward: the heads, the taped segment and the embedding; then the Jacobian
    /// regularisers on their steps (each computes its value and its parameter gradient).
    func backward(_ pass: ShardPass, into result: inout ShardResult) throws(ReasoningError) {
        let replica = pass.replica
        replica.backwardHeads(pass.carry, batch: pass.rows)
        try replica.backwardSegment(pass.carry, input: pass.input)
        let lw = configuration.loss
        if (lw.traceHinge > 0 || lw.repellerHinge > 0 || lw.frobenius > 0 || lw.spectral > 0) && step % lw.regulariserEvery == 0 {
            let jac = replica.jacobianRegularisers(pass.carry, input: pass.input, batch: regulariserRows(pass),
                                                   random: random(0x1AC0, shard: pass.index, into: shardRandom[pass.index]),
                                                   scale: 1 / Double(shardCount))
            result.regularisers.traceHinge = jac.traceHinge
            result.regularisers.repellerHinge = jac.repellerHinge
            result.regularisers.frobenius = jac.frobenius
            result.regularisers.spectral = jac.spectral
        }
        if isChordStep { result.regularisers.chord = try chordHinge(pass) }
    }

    /// The shard's rows the Jacobian regularisers and the chord hinge use: its share of
    /// `loss.regulariserBatch`, at least one.
    func regulariserRows(_ pass: ShardPass) -> Int {
        min(pass.rows, max(1, configuration.loss.regulariserBatch / shardCount))
    }

    /// Whether this step trains with the wrong-motion hinge (`loss.wrongMotion`, from
    /// `loss.wrongMotionFrom` of the schedule on).
    var wrongMotionActive: Bool {
        let l = configuration.loss
        return l.wrongMotion > 0 && Double(step) >= l.wrongMotionFrom * Double(schedule.totalSteps)
    }

    /// Whether the chord hinge acts at this step of the schedule (`loss.chordFrom` on).
    var chordActive: Bool {
        let l = configuration.loss
        return l.chord > 0 && Double(step) >= l.chordFrom * Double(schedule.totalSteps)
    }

    /// Steps between two chord-hinge steps (`loss.chordEvery`, else `loss.regulariserEvery`).
    var chordPeriod: Int {
        let l = configuration.loss
        return l.chordEvery > 0 ? l.chordEvery : l.regulariserEvery
    }

    /// Whether this step runs the chord hinge (every `chordPeriod` steps, from
    /// `loss.chordFrom` of the schedule on).
    var isChordStep: Bool { chordActive && step % chordPeriod == 0 }

    /// The chord hinge's passes of `F` per example and step while it acts, in segments: every
    /// `chordPeriod` steps its rows run the misled segment (`chordWrongClues`), the
    /// `chordSegments` ones and the hinge's own taped segment forward, and that one backward.
    /// These scale with the depth (the budget fit prices them per stage); zero without a chord.
    public var chordSegmentShare: (forward: Double, backward: Double) {
        let l = configuration.loss
        guard l.chord > 0 else { return (0, 0) }
        let perShard = max(1, l.regulariserBatch / shardCount)
        let rows = (0..<shardCount).reduce(0) { $0 + min(shardStarts[$1 + 1] - shardStarts[$1], perShard) }
        let share = Double(rows) / Double(batch) / Double(chordPeriod)
        let segments = l.chordSegments + 1 + (l.chordWrongClues > 0 ? 1 : 0)
        return (share * Double(segments), share)
    }

    /// The chord hinge (`ReasoningModel.chordHinge`) on the shard's first
    /// `regulariserBatch / shards` rows: each row's trajectory point `a` (saved before this
    /// step's segment; the carry now holds `S(a)`) against a random start `b` of the same
    /// puzzle (`training.startScale`, 1 when the starts are zero) — or, with
    /// `loss.chordSwaps = k`, `a` with `k` positions rotated; with `loss.chordWrongClues = K`,
    /// `a` run one segment on its puzzle with `K` wrong givens — advanced
    /// `loss.chordSegments` segments without gradient. Runs after the main
    /// backward pass (it reuses the tape). Returns the weighted value (this shard's share).
    func chordHinge(_ pass: ShardPass) throws(ReasoningError) -> Double {
        let lw = configuration.loss, input = pass.input
        let sub = regulariserRows(pass)
        let other = chordStates[pass.worker]
        let source = random(0xC40D, shard: pass.index, into: shardRandom[pass.index])
        if lw.chordSwaps > 0 || lw.chordWrongClues > 0 {
            let origin = chordOrigins[pass.index], n = sub * other.width, l = configuration.block.sequence
            other.high.pointer.update(from: origin.high.pointer, count: n)
            other.low.pointer.update(from: origin.low.pointer, count: n)
            for r in 0..<sub where lw.chordSwaps > 0 {
                other.swapPositions(row: r, sequence: l, count: lw.chordSwaps, random: source)
            }
            if lw.chordWrongClues > 0 {
                var tokens: [Int32] = []
                tokens.reserveCapacity(sub * l)
                for r in 0..<sub {
                    let range = ((pass.start + r) * l)..<((pass.start + r + 1) * l)
                    tokens += TrainingExamples.wrongClues(Array(slotInputs[range]), label: Array(slotLabels[range]),
                                                          cells: lw.chordWrongClues, using: source)
                }
                let misled = chordInputs[pass.worker]
                try pass.replica.embed(tokens, batch: sub, into: misled)
                pass.replica.runSegment(other, input: misled, record: false)
            }
        } else {
            let scale = configuration.training.startScale > 0 ? configuration.training.startScale : 1
            for r in 0..<sub { other.randomStart(row: r, scale: scale, random: source) }
        }
        let full = input.batch
        input.batch = sub
        defer { input.batch = full }
        for _ in 0..<lw.chordSegments { pass.replica.runSegment(other, input: input, record: false) }
        return try pass.replica.chordHinge(start: other, origin: chordOrigins[pass.index], image: pass.carry, input: input,
                                           weight: lw.chord / Double(shardCount), margin: lw.chordMargin)
    }

    /// Halting decisions of every slot (training: with exploration), in slot order.
    func decideHalting(_ report: inout StepReport) {
        let config = configuration
        let outputs = config.haltOutputs.count
        let explore = random(0xE4B1, into: explorationRandom)
        var finishedSegments = 0
        for b in 0..<batch {
            var halted = slotSegments[b] >= config.segments
            if config.segments > 1 {
                halted = halted || config.halting.signalsHalt(haltLogits: slotHaltLogits.pointer + b * outputs,
                                                              residual: slotResiduals[b], tolerance: config.equilibriumTolerance,
                                                              verified: slotCorrect[b])
                if explore.uniform() < config.exploration {
                    let minimum = 2 + explore.integer(below: config.segments - 1)
                    halted = halted && slotSegments[b] >= minimum
                }
            }
            slotHalted[b] = halted
            if halted {
                report.finished += 1
                finishedSegments += slotSegments[b]
                if slotCorrect[b] { report.finishedExact += 1 }
            }
        }
        report.finishedSegments = report.finished > 0 ? Double(finishedSegments) / Double(report.finished) : 0
    }
}

extension ReasoningTrainer: WorkerJob {
    /// One worker's part of the current phase: shards `worker, worker + threads, …`, or its
    /// contiguous slice of the parameters for the shard sum.
    public func work(worker: Int) {
        DenormalFlush.run { work(phase, worker: worker) }
    }

    func work(_ phase: Phase, worker: Int) {
        switch phase {
        case .shards:
            var s = worker
            while s < shardCount {
                runShard(s, on: worker)
                s += threads
            }
        case .reduce:
            let count = model.store.count
            let base = count / threads, extra = count % threads
            let start = worker * base + min(worker, extra)
            sumShardGradients(start..<(start + base + (worker < extra ? 1 : 0)))
        }
    }
}
