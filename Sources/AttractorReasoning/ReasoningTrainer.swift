import AttractorNeural
import AttractorNumerics

/// Deep-supervision training of a `ReasoningModel<Float>` (HRM's "carry" scheme): the batch
/// is a set of slots, each holding one example and its latent state across segments. Every
/// step runs one segment for all slots, takes one optimiser step, and replaces the examples
/// that halted (halting rule, or `N_sup` segments) with fresh draws. The state is detached
/// between segments (only the segment's taped part is differentiated).
///
/// Everything random derives from `(seed, step)` or `(seed, draw)`, so a run restored from
/// a checkpoint (`ReasoningCheckpoint`) continues bit for bit.
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
    }

    public let model: ReasoningModel<Float>
    public var configuration: ReasoningConfiguration { model.configuration }
    public let examples: TrainingExamples
    public let seed: UInt64
    public let optimizer: AdamW<Float>
    public let ema: ExponentialMovingAverage<Float>
    public var schedule: LearningRateSchedule
    public let carry: LatentState<Float>
    let lookahead: LatentState<Float>
    public let batch: Int
    /// Per slot: input and label tokens, segments done, halted flag.
    public internal(set) var slotInputs: [Int32]
    public internal(set) var slotLabels: [Int32]
    public internal(set) var slotSegments: [Int]
    public internal(set) var slotHalted: [Bool]
    /// Optimiser steps taken.
    public internal(set) var step = 0
    /// Examples drawn so far.
    public internal(set) var draws = 0
    var residuals: [Double] = []
    var haltTargets: [Float] = []
    var savedHalt: [Float] = []

    public init(configuration: ReasoningConfiguration, examples: TrainingExamples, seed: UInt64) throws(ReasoningError) {
        guard examples.task == configuration.task else {
            throw .mismatch("the data set is a \(examples.task.rawValue) set but the model is configured for \(configuration.task.rawValue)")
        }
        guard examples.sequence == configuration.block.sequence, examples.vocabulary == configuration.vocabulary else {
            throw .mismatch("data sequence \(examples.sequence) / vocabulary \(examples.vocabulary) differ from the model's \(configuration.block.sequence) / \(configuration.vocabulary)")
        }
        guard examples.count > 0 else { throw .invalidInput("no training examples") }
        let t = configuration.training
        batch = t.batch
        model = try ReasoningModel(configuration: configuration, maxBatch: t.batch, seed: seed)
        self.examples = examples
        self.seed = seed
        optimizer = AdamW(count: model.store.count, beta1: t.beta1, beta2: t.beta2, weightDecay: t.weightDecay)
        ema = ExponentialMovingAverage(copying: model.store, decay: t.emaDecay)
        schedule = LearningRateSchedule(baseRate: t.learningRate, warmupSteps: t.warmupSteps, totalSteps: t.scheduleSteps,
                                        minimumRatio: t.minimumRateRatio)
        carry = model.makeState()
        lookahead = configuration.halting == .qLearning ? model.makeState() : LatentState(capacity: 1, width: 1)
        let l = configuration.block.sequence
        slotInputs = Array(repeating: 0, count: batch * l)
        slotLabels = Array(repeating: 0, count: batch * l)
        slotSegments = Array(repeating: 0, count: batch)
        slotHalted = Array(repeating: true, count: batch)
        haltTargets = Array(repeating: 0, count: max(1, batch * configuration.haltOutputs))
        savedHalt = haltTargets
    }

    /// Whether evaluation (and `model.safetensors`) uses the EMA weights: only once the
    /// average has forgotten its starting point, `decay^step < 0.01` (≈ 4 600 steps at
    /// 0.999). Before that the EMA is still mostly the random initialisation (0.999⁴⁰⁰ =
    /// 0.67), and the raw weights are used.
    public var evaluationUsesEMA: Bool { Double.pow(ema.decay, Double(step)) < 0.01 }

    /// Swaps the evaluation weights into the model (call again to swap back); a no-op
    /// when the raw weights are the evaluation weights.
    public func swapEvaluationWeights() {
        if evaluationUsesEMA { ema.swap(with: model.store) }
    }

    func random(_ stream: UInt64) -> RandomSource {
        RandomSource(seed: RandomSource.mix(RandomSource.mix(seed, stream), UInt64(step)))
    }

    /// One training step (one segment for every slot, one AdamW update).
    /// Throws `ReasoningError.nonFiniteLoss` (with `lastGoodCheckpoint: nil`; the caller
    /// names its checkpoint) when the loss is NaN or infinite; the weights are then untouched.
    public func trainStep() throws(ReasoningError) -> StepReport {
        let config = configuration
        let l = config.block.sequence, v = config.vocabulary
        var report = StepReport(step: step + 1)
        // 1. Refill halted slots.
        for b in 0..<batch where slotHalted[b] {
            let (input, label) = examples.draw(draws, seed: seed)
            draws += 1
            for t in 0..<l { slotInputs[b * l + t] = input[t]; slotLabels[b * l + t] = label[t] }
            carry.reset(row: b)
            slotSegments[b] = 0
            slotHalted[b] = false
        }
        // 2. Segment.
        model.functionEvaluations = 0
        model.backwardEvaluations = 0
        model.store.zeroGradients()
        try model.embed(slotInputs, batch: batch)
        model.runSegment(carry, batch: batch, record: true, noise: config.sigma > 0 ? random(0x5EED) : nil)
        for b in 0..<batch { slotSegments[b] += 1 }
        model.computeHeads(carry, batch: batch)
        model.clearCotangents(batch: batch)

        // 3. Answer loss and correctness.
        let rows = batch * l
        let value: LossValue
        do {
            value = try slotLabels.withUnsafeBufferPointer { (tg) throws(NeuralError) -> LossValue in
                switch config.answerLoss {
                case .stablemax:
                    return try StablemaxCrossEntropy().evaluate(logits: model.logits.pointer, targets: tg.baseAddress!, rows: rows,
                                                                classes: v, gradient: model.logitsCotangent.pointer)
                case .softmax:
                    return try SoftmaxCrossEntropy().evaluate(logits: model.logits.pointer, targets: tg.baseAddress!, rows: rows,
                                                              classes: v, gradient: model.logitsCotangent.pointer)
                }
            }
        } catch { throw .invalidInput("\(error)") }
        report.answerLoss = config.loss.answer * value.loss
        if config.loss.answer != 1 {
            let w = Float(config.loss.answer)
            for i in 0..<(rows * v) { model.logitsCotangent.pointer[i] *= w }
        }
        var correct = [Bool](repeating: true, count: batch)
        var cellsRight = 0
        for b in 0..<batch {
            for t in 0..<l {
                let row = model.logits.pointer + (b * l + t) * v
                var best = 0
                for j in 1..<v where row[j] > row[best] { best = j }
                if Int32(best) == slotLabels[b * l + t] { cellsRight += 1 } else { correct[b] = false }
            }
        }
        report.cellAccuracy = Double(cellsRight) / Double(rows)

        // 4. Halting loss.
        let outputs = config.haltOutputs
        if outputs > 0 {
            for i in 0..<(batch * outputs) { savedHalt[i] = model.haltLogits.pointer[i] }
            for b in 0..<batch { haltTargets[b * outputs] = correct[b] ? 1 : 0 }
            if config.halting == .qLearning && outputs == 2 {
                // Q-learning target for "continue": the next segment's best Q (no gradient).
                lookahead.copy(from: carry)
                model.runSegment(lookahead, batch: batch, record: false)
                model.computeHeads(lookahead, batch: batch)
                for b in 0..<batch {
                    let qh = model.haltLogits.pointer[b * 2], qc = model.haltLogits.pointer[b * 2 + 1]
                    let isLast = slotSegments[b] >= config.segments
                    let target = isLast ? qh : max(qh, qc)
                    haltTargets[b * 2 + 1] = 1 / (1 + Float.exp(-target))
                }
            }
            let bce = savedHalt.withUnsafeBufferPointer { q in
                haltTargets.withUnsafeBufferPointer { y in
                    BinaryCrossEntropy().evaluate(logits: q.baseAddress!, targets: y.baseAddress!, count: batch * outputs,
                                                  gradient: model.haltCotangent.pointer)
                }
            }
            let scale = config.loss.halting * Double(outputs)
            report.haltingLoss = scale * bce.loss
            for i in 0..<(batch * outputs) { model.haltCotangent.pointer[i] *= Float(scale) }
        }

        // 5. Equilibrium residual (also the CMM halting signal) and repulsion.
        if config.halting == .equilibrium || config.loss.residual > 0 {
            report.regularisers.residual = model.equilibriumResidual(carry, batch: batch, weight: config.loss.residual,
                                                                     relative: &residuals)
        }
        report.regularisers.repulsion = model.repulsion(carry, batch: batch, weight: config.loss.repulsion)

        // 6. Backward through heads and the taped segment; Jacobian regularisers.
        model.backwardHeads(carry, batch: batch)
        try model.backwardSegment(carry, batch: batch)
        let w = config.loss
        if (w.traceHinge > 0 || w.repellerHinge > 0 || w.frobenius > 0 || w.spectral > 0) && step % w.regulariserEvery == 0 {
            try model.embed(slotInputs, batch: batch)  // x for the repeller at the full batch (embed is cheap)
            let jac = model.jacobianRegularisers(carry, batch: min(batch, w.regulariserBatch), random: random(0x1AC0))
            report.regularisers.traceHinge = jac.traceHinge
            report.regularisers.repellerHinge = jac.repellerHinge
            report.regularisers.frobenius = jac.frobenius
            report.regularisers.spectral = jac.spectral
        }
        report.totalLoss = report.answerLoss + report.haltingLoss + report.regularisers.total
        guard report.totalLoss.isFinite else { throw .nonFiniteLoss(step: step + 1, lastGoodCheckpoint: nil) }

        // 7. Optimiser.
        report.gradientNorm = GradientClipping.clipGlobalNorm(model.store, maxNorm: config.training.clipNorm)
        report.learningRate = schedule.rate(step: step + 1)
        optimizer.update(model.store, learningRate: report.learningRate)
        ema.update(model.store)

        // 8. Halting decisions (training: with exploration).
        let explore = random(0xE4B1)
        var finishedSegments = 0
        for b in 0..<batch {
            var halted = slotSegments[b] >= config.segments
            if config.segments > 1 {
                switch config.halting {
                case .haltLogit: halted = halted || savedHalt[b * outputs] > 0
                case .qLearning: halted = halted || savedHalt[b * 2] > savedHalt[b * 2 + 1]
                case .equilibrium: halted = halted || residuals[b] < config.equilibriumTolerance
                case .never: break
                }
                if explore.uniform() < config.exploration {
                    let minimum = 2 + explore.integer(below: config.segments - 1)
                    halted = halted && slotSegments[b] >= minimum
                }
            }
            slotHalted[b] = halted
            if halted {
                report.finished += 1
                finishedSegments += slotSegments[b]
                if correct[b] { report.finishedExact += 1 }
            }
        }
        report.forwardExamples = model.functionEvaluations
        report.backwardExamples = model.backwardEvaluations
        report.flops = Double(model.forwardFlopsPerExample) * Double(model.functionEvaluations + 2 * model.backwardEvaluations)
        report.finishedSegments = report.finished > 0 ? Double(finishedSegments) / Double(report.finished) : 0
        step += 1
        return report
    }
}
