// Counts heap allocations in the steady-state training step of a `tiny`-shaped model:
// embedding → network F (2 post-norm blocks) → answer head → stablemax cross-entropy,
// backward through all of it, global-norm clipping, AdamW with the warm-up/cosine
// schedule, and the EMA update — all parameters in one flat store.
//
//   swift run -c release NeuralAllocations [--batch B] [--steps S]
//
// The counter interposes malloc & co. (Benchmarks/CMallocCounter), so every allocation in
// the process — Swift runtime, Foundation, OpenBLAS — is seen.
import AttractorNeural
import AttractorNumerics
import AttractorReasoning
import CMallocCounter

func option(_ name: String, default value: Int) -> Int {
    let args = CommandLine.arguments
    if let i = args.firstIndex(of: name), i + 1 < args.count, let v = Int(args[i + 1]) { return v }
    return value
}

let batch = option("--batch", default: 64)
let steps = option("--steps", default: 10)

func measure(mixer: BlockConfiguration.Mixer, batch: Int, steps: Int) throws {
    let warmup = 3, vocabulary = 11
    let config = BlockConfiguration.tiny(mixer: mixer)
    var layout = ParameterLayout()
    let embedding = Embedding("embed", vocabulary: vocabulary, dimension: config.hidden,
                              scale: Double(config.hidden).squareRoot(), layout: &layout)
    let stack = try BlockStack(configuration: config, layout: &layout)
    let head = Linear("head", inFeatures: config.hidden, outFeatures: vocabulary, layout: &layout)
    let store = ParameterStore<Float>(layout: layout)
    let random = RandomSource(seed: 1)
    store.initialize(using: random)
    let workspace = BlockStack.Workspace<Float>(stack, maxBatch: batch)
    let rows = batch * config.sequence
    let embedded = ScalarBuffer<Float>(count: rows * config.hidden)
    let logits = ScalarBuffer<Float>(count: rows * vocabulary)
    let dLogits = ScalarBuffer<Float>(count: rows * vocabulary)
    let dHidden = ScalarBuffer<Float>(count: rows * config.hidden)
    var tokens = [Int32](repeating: 0, count: rows), targets = tokens
    for i in 0..<rows {
        tokens[i] = Int32(random.integer(below: vocabulary))
        targets[i] = random.integer(below: 4) == 0 ? -100 : Int32(2 + random.integer(below: 9))
    }
    let adam = AdamW<Float>(count: store.count, beta1: 0.9, beta2: 0.95, weightDecay: 0.1)
    let ema = ExponentialMovingAverage(copying: store, decay: 0.999)
    let schedule = LearningRateSchedule(baseRate: 1e-3, warmupSteps: 100, totalSteps: 10_000)
    let loss = StablemaxCrossEntropy()
    let clock = ContinuousClock()

    var lastLoss = 0.0
    func trainingStep(_ step: Int) throws {
        let p = store.values.pointer, g = store.gradients.pointer
        store.zeroGradients()
        try tokens.withUnsafeBufferPointer { tk in
            try embedding.forward(tk.baseAddress!, rows: rows, parameters: p, into: embedded.pointer)
            let out = stack.forward(embedded.pointer, batch: batch, parameters: p, workspace: workspace)
            head.forward(out, rows: rows, parameters: p, into: logits.pointer)
            lastLoss = try targets.withUnsafeBufferPointer {
                try loss.evaluate(logits: logits.pointer, targets: $0.baseAddress!, rows: rows, classes: vocabulary,
                                  gradient: dLogits.pointer).loss
            }
            head.backward(dLogits.pointer, input: out, rows: rows, parameters: p, gradients: g,
                          inputCotangent: dHidden.pointer)
            let dx = stack.backward(dHidden.pointer, parameters: p, gradients: g, workspace: workspace)
            embedding.backward(dx, tokens: tk.baseAddress!, rows: rows, gradients: g)
        }
        GradientClipping.clipGlobalNorm(store, maxNorm: 1)
        adam.update(store, learningRate: schedule.rate(step: step))
        ema.update(store)
    }

    for step in 1...warmup { try trainingStep(step) }
    let countBefore = attractor_allocation_count(), bytesBefore = attractor_allocation_bytes()
    let t0 = clock.now
    for step in (warmup + 1)...(warmup + steps) { try trainingStep(step) }
    let elapsed = clock.now - t0
    let allocations = attractor_allocation_count() - countBefore
    let bytes = attractor_allocation_bytes() - bytesBefore
    let seconds = Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) * 1e-18
    print("mixer \(mixer.rawValue): \(steps) training steps, batch \(batch), \(store.count) parameters, "
          + "loss \(lastLoss): \(allocations) heap allocations (\(bytes) bytes), "
          + "\(Double(batch * steps) / seconds) examples/s")
}

for mixer in BlockConfiguration.Mixer.allCases { try measure(mixer: mixer, batch: batch, steps: steps) }

// The whole reasoning training step (`ReasoningTrainer.trainStep`: refill, segment, losses,
// backward, shard reduction, optimiser, halting) at 1 and 2 worker threads.
for model in [ModelKind.trm, .hrm, .cmm] {
    for threads in [1, 2] {
        var options = TrainingBenchmark.Options(model: model)
        options.threads = threads
        options.batch = option("--train-batch", default: 16)
        options.steps = option("--train-steps", default: 4)
        options.warmUpSteps = 2
        let r = try TrainingBenchmark.run(options, allocationCount: { Int(attractor_allocation_count()) })
        print("trainer \(model.rawValue)-tiny, batch \(r.batch) in \(r.shards) shards, \(threads) threads: "
              + String(format: "%.1f heap allocations per step, %.1f examples/s", r.allocationsPerStep ?? .nan, r.examplesPerSecond))
    }
}
