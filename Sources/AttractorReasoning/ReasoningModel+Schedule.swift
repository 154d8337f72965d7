import Foundation
import AttractorDynamics
import AttractorNeural
import AttractorNumerics

extension ReasoningModel {
    /// One deep-supervision segment on the `input.batch` examples of `state` (in place), with
    /// `input`'s embedding `x`: `cycles` × (`lowSteps` low-level steps, one high-level step),
    /// at `depth` (the configured one unless a depth curriculum set another). With `record`, the part chosen by `configuration.gradient` is taped for
    /// `backwardSegment`; everything before it is treated as a constant (detached).
    /// `noise` drives Euler–Maruyama (σ > 0); nil runs the drift only (evaluation).
    /// - Complexity: `cycles·(lowSteps + 1)·stages` evaluations of `F` on `batch` examples.
    @_specialize(where T == Float)
    @_specialize(where T == Double)
    public func runSegment(_ state: LatentState<T>, input: SegmentInput<T>, record: Bool, noise: RandomSource? = nil) {
        checkInput(input, state)
        let batch = input.batch, x = input.embedding
        if record {  // an unrecorded segment (e.g. HRM's Q-target look-ahead) keeps the tape
            tape.removeAll(keepingCapacity: true)
            tapeEvaluations.removeAll(keepingCapacity: true)
            if tapeWorkspaces.count < tapeSlots {
                tapeWorkspaces = (0..<tapeSlots).map { _ in BlockStack.Workspace(networks[0], maxBatch: maxBatch) }
            }
            if configuration.integrator != .direct, tapeStageInputs == nil, tapeSlots > 0 {
                tapeStageInputs = ScalarBuffer(count: (tapeSlots / stageCount) * tapeStageStride)
            }
        }
        let config = configuration
        if config.discretisation == .joint {
            runJointSegment(state, x: x, batch: batch, record: record)
            return
        }
        // A first-same-as-last stage is reused only between untaped low-level steps of one cycle
        // without noise (the addend z_H + x and the state are then exactly the step's own).
        let noiseFree = (config.sigma == 0 || noise == nil) && sampleSigma == 0
        lowStageReusable = false
        let (lowSteps, cycles) = depth  // the configuration's, or a depth curriculum's stage
        for cycle in 0..<cycles {
            let lastCycle = record && cycle == cycles - 1
            func tapedLow(_ s: Int) -> Bool {
                lastCycle && (config.gradient == .lastCycle || (config.gradient == .oneStep && s == lowSteps - 1))
            }
            for s in 0..<lowSteps {
                let reuse = noiseFree && s + 1 < lowSteps && !tapedLow(s + 1)
                takeStep(.low, state, x: x, batch: batch, taped: tapedLow(s), noise: noise, nextReusesLastStage: reuse)
            }
            takeStep(.high, state, x: x, batch: batch, taped: lastCycle && (config.gradient == .lastCycle || config.gradient == .oneStep),
                     noise: noise, nextReusesLastStage: false)
        }
    }

    /// One step of one level. Fast: `y = z_L`, `c = z_H + x`, field `(F_L(y + c) − y)/ε`, step
    /// `lowStepSize`. Slow: `y = z_H`, `c = z_L`, field `F_H(y + c) − y`, step `stepSize`.
    /// `.direct` is the discrete update `y ← F(y + c)`; the explicit integrators take one step
    /// of the solver core's `RungeKuttaKernel` on `LevelStepField`, then (Euler–Maruyama) add
    /// `σ√h·g(y)·ξ` with the pre-step `y`. `nextReusesLastStage`: the next step is an untaped
    /// step of the same level with nothing changed in between, so a first-same-as-last
    /// tableau evaluates its last stage for it (otherwise that evaluation is skipped).
    func takeStep(_ level: Level, _ state: LatentState<T>, x: UnsafePointer<T>, batch: Int, taped: Bool, noise: RandomSource?,
                  nextReusesLastStage: Bool = false) {
        let n = batch * width
        let config = configuration
        let low = level == .low
        let y = low ? state.low.pointer : state.high.pointer
        let c: UnsafePointer<T>
        if low {
            VectorKernels.add(state.high.pointer, x, into: lowAddend.pointer, count: n)
            c = UnsafePointer(lowAddend.pointer)
        } else {
            c = UnsafePointer(state.low.pointer)
        }
        var noiseSlot: Int? = nil
        var stageInputs = 0
        if taped {
            if !tapeNoise.isEmpty { noiseSlot = tape.count }
            stageInputs = tape.count
            tape.append(TapeStep(level: level, firstEvaluation: tapeEvaluations.count, noiseSlot: noiseSlot,
                                 stageInputs: stageInputs))
        }
        if config.integrator == .direct {
            let u = scratchInput.pointer
            VectorKernels.add(y, c, into: u, count: n)
            let out = evaluateLevel(level, UnsafePointer(u), batch: batch, taped: taped)
            VectorKernels.copy(out, y, count: n)
            if noise == nil { addSampleNoise(y, batch: batch, h: 1) }
            return
        }
        let h = low ? config.lowStepSize : config.stepSize
        let field = levelField, kernel = levelKernel
        field.level = level
        field.addend = c
        field.taped = taped
        kernel.setRows(batch)
        if !(low && lowStageReusable && !taped) { kernel.invalidateFirstStage() }
        let store = taped ? tapeStageInputs!.pointer + stageInputs * tapeStageStride : nil
        let next = levelNext.pointer
        kernel.step(t: 0, h: h, z: y, next: next, store: store, evaluatingLastStage: nextReusesLastStage && !taped)
        // Noise term σ√h·g(y)·ξ with the pre-step y (Euler–Maruyama).
        var hasNoise = false
        if config.sigma > 0, let noise {
            hasNoise = true
            let amplitude = config.sigma * Double(T(h)).squareRoot()
            let w = noiseBuffer.pointer
            noise.fillGaussian(UnsafeMutableBufferPointer(start: w, count: n), sigma: amplitude)
            if config.noise == .multiplicative {
                if let slot = noiseSlot { VectorKernels.copy(w, tapeNoise[slot].pointer, count: n) }
                for e in 0..<n { w[e] *= y[e] }
            }
        }
        VectorKernels.copy(next, y, count: n)
        if hasNoise { VectorKernels.accumulate(noiseBuffer.pointer, into: y, count: n) }
        if taped && !hasNoise, let slot = noiseSlot { tapeNoise[slot].fill(0) }
        if noise == nil { addSampleNoise(y, batch: batch, h: Double(T(h))) }
        lowStageReusable = low && nextReusesLastStage && !taped && !hasNoise && sampleSigma == 0
        if lowStageReusable { kernel.accept() } else { kernel.invalidateFirstStage() }
    }

    /// Seeds the test-time noise of `rows` rows: row `r` draws from a stream seeded `seeds[r]`.
    public func seedSampleNoise(_ seeds: [UInt64]) {
        precondition(seeds.count <= maxBatch, "more noise streams than rows")
        while sampleNoise.count < seeds.count { sampleNoise.append(RandomSource(seed: 0)) }
        for (r, seed) in seeds.enumerated() { sampleNoise[r].reseed(seed) }
    }

    /// Adds `σ√h·ξ` to each of `batch` rows of `y` (additive test-time noise; see `sampleSigma`).
    func addSampleNoise(_ y: UnsafeMutablePointer<T>, batch: Int, h: Double) {
        guard sampleSigma > 0 else { return }
        precondition(sampleNoise.count >= batch, "seed the sampling noise of every row (seedSampleNoise)")
        if sampleNoiseBuffer == nil { sampleNoiseBuffer = ScalarBuffer(count: width) }
        let w = sampleNoiseBuffer!.pointer
        let amplitude = sampleSigma * h.squareRoot()
        for r in 0..<batch where sampleRowGate.isEmpty || sampleRowGate[r] {
            sampleNoise[r].fillGaussian(UnsafeMutableBufferPointer(start: w, count: width), sigma: amplitude)
            VectorKernels.accumulate(w, into: y + r * width, count: width)
        }
    }

    // MARK: - Heads

    /// Answer logits (`batch·sequence × vocabulary`, in `logits`) from `z_H`, and halting
    /// logits (`batch × haltOutputs`, in `haltLogits`) from the mean of `z_H` over positions.
    @_specialize(where T == Float)
    @_specialize(where T == Double)
    public func computeHeads(_ state: LatentState<T>, batch: Int) {
        network.heads(UnsafePointer(state.high.pointer), batch: batch, logits: logits.pointer,
                      haltLogits: haltLogits.pointer, pooled: pooled.pointer)
    }

    /// Zeroes the state cotangents before the losses add into them.
    public func clearCotangents(batch: Int) {
        let n = batch * width
        highCotangent.pointer.update(repeating: 0, count: n)
        lowCotangent.pointer.update(repeating: 0, count: n)
    }

    /// Adds the heads' VJP (from `logitsCotangent` and `haltCotangent`) into `highCotangent`
    /// and their parameter gradients into the store.
    @_specialize(where T == Float)
    @_specialize(where T == Double)
    public func backwardHeads(_ state: LatentState<T>, batch: Int) {
        network.backwardHeads(UnsafePointer(state.high.pointer), batch: batch,
                              logitsCotangent: UnsafePointer(logitsCotangent.pointer),
                              haltCotangent: UnsafePointer(haltCotangent.pointer), highCotangent: highCotangent.pointer,
                              pooled: pooled.pointer, pooledCotangent: pooledCotangent.pointer)
    }

    /// The answer tokens (argmax of the logits) of example `b`.
    public func predictedTokens(example b: Int) -> [Int32] {
        let v = vocabulary
        return (0..<sequence).map { t in
            let row = logits.pointer + (b * sequence + t) * v
            var best = 0
            for j in 1..<v where row[j] > row[best] { best = j }
            return Int32(best)
        }
    }

    /// Per position of example `b`, the answer head's probability of its predicted token
    /// (softmax over the vocabulary at that position): how sure the model is of each cell.
    public func predictedConfidence(example b: Int) -> [Float] {
        let v = vocabulary
        return (0..<sequence).map { t in
            let row = logits.pointer + (b * sequence + t) * v
            var best = row[0]
            for j in 1..<v where row[j] > best { best = row[j] }
            var sum = 0.0
            for j in 0..<v { sum += Foundation.exp(Double(row[j] - best)) }
            return Float(1 / sum)
        }
    }

    /// Per-example relative residual of the high level, `‖F_H(z_H + z_L) − z_H‖ / ‖z_H‖`,
    /// one evaluation of `F_H`. The network output stays in its workspace.
    @_specialize(where T == Float)
    @_specialize(where T == Double)
    public func relativeResidual(_ state: LatentState<T>, batch: Int, into out: inout [Double]) {
        if out.count < batch { out = Array(repeating: 0, count: batch) }
        out.withUnsafeMutableBufferPointer { relativeResidual(state, batch: batch, into: $0) }
    }

    /// `relativeResidual` into `out` (at least `batch` entries).
    @_specialize(where T == Float)
    @_specialize(where T == Double)
    public func relativeResidual(_ state: LatentState<T>, batch: Int, into out: UnsafeMutableBufferPointer<Double>) {
        precondition(out.count >= batch, "relativeResidual: room for \(out.count) of \(batch) examples")
        let n = batch * width
        VectorKernels.add(state.high.pointer, state.low.pointer, into: scratchInput.pointer, count: n)
        let f = evaluate(network: highNetwork, scratchInput.pointer, batch: batch)
        for b in 0..<batch {
            var r = 0.0, s = 0.0
            let z = state.high.pointer + b * width, fb = f + b * width
            for e in 0..<width {
                let d = Double(fb[e] - z[e])
                r += d * d
                s += Double(z[e]) * Double(z[e])
            }
            out[b] = (r / max(s, 1e-30)).squareRoot()
        }
    }
}
