import AttractorDynamics
import AttractorNumerics
import AttractorReasoning
import AttractorTasks

/// A reasoning model (CMM, HRM, TRM) as a `LatentMap`: `F` is one deep-supervision
/// segment (`ReasoningModel.runSegment`, drift only) on the latent `z = (z_L, z_H)`, laid
/// out per row as `[z_L | z_H]` (`dimension = 2 · sequence · hidden`) — the row layout of
/// `ReasoningField` and of the adjoint's joint system — for the inputs
/// bound at `init` (row `i` = input `i`; `RowSelection` may repeat inputs, e.g. `M`
/// random latents for one puzzle). Every batch is embedded afresh (a table lookup, cheap
/// next to a segment), so several maps can share one model.
///
/// CMM (an RK integrator of `dz/dt = F(z) − z`) is `isContinuous`; HRM and TRM (the
/// direct update `z ← F(z)`) are discrete. JVPs are finite differences (two segments);
/// there is no VJP (`hasVectorJacobianProduct` false: no spectral norm, dense Jacobians
/// from JVPs — far too large for these models anyway).
/// - Complexity: `apply` costs one segment, `cycles·(lowSteps + 1)·stages` network
///   evaluations per row, in batches of the model's `maxBatch`.
public final class ReasoningLatentMap: LatentMap {
    public typealias Scalar = Float
    public let model: ReasoningModel<Float>
    /// Token rows of the bound inputs.
    public let inputs: [[Int32]]
    public let dimension: Int
    public var isContinuous: Bool { model.configuration.integrator != .direct }
    public var hasVectorJacobianProduct: Bool { false }
    private let state: LatentState<Float>
    /// Worker 0 is `model`; the others are replicas sharing its weights, each with a state.
    private let replicas: [ReasoningModel<Float>]
    private let states: [LatentState<Float>]
    private let segmentInputs: [SegmentInput<Float>]
    private let pool: WorkerPool

    /// `threads` workers (default: all cores) run the batches of `apply` in parallel; a row's
    /// image does not depend on the thread count.
    public init(model: ReasoningModel<Float>, inputs: [[Int32]], threads: Int = WorkerPool.availableCores) throws(StabilityError) {
        guard !inputs.isEmpty, inputs.allSatisfy({ $0.count == model.sequence }) else {
            throw .invalidArgument("reasoning map: every input needs \(model.sequence) tokens")
        }
        guard threads >= 1 else { throw .invalidArgument("reasoning map: threads must be positive, got \(threads)") }
        self.model = model
        self.inputs = inputs
        dimension = 2 * model.stateWidth
        state = model.makeState()
        var workers = [model]
        do {
            for _ in 1..<threads { workers.append(try ReasoningModel(replicaOf: model, maxBatch: model.maxBatch)) }
        } catch { throw .underlying("reasoning map: \(error)") }
        replicas = workers
        states = [state] + workers.dropFirst().map { $0.makeState() }
        segmentInputs = workers.map { $0.makeInput() }
        pool = WorkerPool(threads: threads)
    }

    /// The model's initial latent (its `reset` state) for `rows` rows.
    public func initialState(rows: Int) -> [Float] {
        let w = model.stateWidth
        state.reset(row: 0)
        var row = [Float](repeating: 0, count: 2 * w)
        for e in 0..<w { row[e] = state.low.pointer[e]; row[w + e] = state.high.pointer[e] }
        return Array([[Float]](repeating: row, count: rows).joined())
    }

    /// Network evaluations per row of one `apply` (one segment), measured.
    public lazy var evaluationsPerStep: Int = {
        let z = initialState(rows: 1)
        var out = z
        let before = model.functionEvaluations
        z.withUnsafeBufferPointer { zp in
            out.withUnsafeMutableBufferPointer { op in apply(state: zp.baseAddress!, image: op.baseAddress!, rows: RowSelection(count: 1)) }
        }
        return model.functionEvaluations - before
    }()

    /// One segment on every row, in batches of the model's `maxBatch` spread over the workers
    /// (batch `c` on worker `c % threads`, at least one batch per worker); rows are independent, so the images are the same
    /// for any thread count. Evaluations are counted on `model` (the replicas' are added).
    public func apply(state z: UnsafePointer<Float>, image: UnsafeMutablePointer<Float>, rows: RowSelection) {
        segment(state: z, image: image, rows: rows, noise: nil)
    }

    /// One segment of the model's NSDE on every row: as `apply`, with test-time noise
    /// `σ√h·ξ` added at every step (`ReasoningModel.sampleSigma`), row `i`'s `ξ` from a
    /// stream seeded `seeds[i]` — so a row's image depends on its own seed only, never on
    /// the batch or thread it runs in.
    public func noisySegment(state z: UnsafePointer<Float>, image: UnsafeMutablePointer<Float>, rows: RowSelection,
                             sigma: Double, seeds: [UInt64]) {
        precondition(sigma >= 0 && sigma.isFinite, "σ must be finite and ≥ 0, got \(sigma)")
        precondition(seeds.count == rows.count, "one noise seed per row")
        segment(state: z, image: image, rows: rows, noise: (sigma, seeds))
    }

    private func segment(state z: UnsafePointer<Float>, image: UnsafeMutablePointer<Float>, rows: RowSelection,
                         noise: (sigma: Double, seeds: [UInt64])?) {
        let w = model.stateWidth, d = dimension
        // At most maxBatch rows per batch, and at least one batch per worker.
        let size = max(1, min(model.maxBatch, (rows.count + pool.threads - 1) / pool.threads))
        let batches = (rows.count + size - 1) / size
        let counts = replicas.map(\.functionEvaluations)
        pool.forEachTask(count: batches) { c, worker in
            let replica = replicas[worker], state = states[worker], input = segmentInputs[worker]
            let start = c * size
            let b = min(size, rows.count - start)
            let origins = (start..<(start + b)).map { rows.originalRow($0) }
            let tokens = origins.flatMap { inputs[$0] }
            do { try replica.embed(tokens, batch: b, into: input) } catch {
                preconditionFailure("reasoning map: embedding validated inputs failed: \(error)")
            }
            for i in 0..<b {
                let src = z + (start + i) * d
                (state.low.pointer + i * w).update(from: src, count: w)
                (state.high.pointer + i * w).update(from: src + w, count: w)
            }
            if let noise {
                replica.sampleSigma = noise.sigma
                replica.seedSampleNoise(Array(noise.seeds[start..<(start + b)]))
            }
            DenormalFlush.run { replica.runSegment(state, input: input, record: false) }
            replica.sampleSigma = 0
            for i in 0..<b {
                let dst = image + (start + i) * d
                dst.update(from: state.low.pointer + i * w, count: w)
                (dst + w).update(from: state.high.pointer + i * w, count: w)
            }
        }
        for k in 1..<replicas.count {
            model.functionEvaluations += replicas[k].functionEvaluations - counts[k]
            replicas[k].functionEvaluations = counts[k]
        }
    }

    /// Not available: writes NaN (`hasVectorJacobianProduct` is false).
    public func vectorJacobianProduct(
        state: UnsafePointer<Float>, cotangent: UnsafePointer<Float>, product: UnsafeMutablePointer<Float>, rows: RowSelection
    ) { product.update(repeating: .nan, count: rows.count * dimension) }

    /// Whether the model's own halting rule fires at one latent row (its heads read `z_H`,
    /// the second half): `q_halt > 0` (TRM, CMM), `q_halt > q_continue` (HRM); nil for rules
    /// the heads do not decide (equilibrium residual, verified, never).
    public func haltingSignal(_ latent: ArraySlice<Double>) -> Bool? {
        let rule = model.configuration.halting
        guard rule == .haltLogit || rule == .qLearning else { return nil }
        computeHeads(latent)
        return rule.signalsHalt(haltLogits: model.haltLogits.pointer, residual: .nan, tolerance: 0)
    }

    /// `haltingSignal` at one latent row with `ReasoningProbe.rotatedPositions` positions'
    /// `z_H` rotated among themselves (position `p_i` gets `p_{i+1}`'s), the positions drawn
    /// from `seed` and redrawn (up to 32 times) until the rotation changes the answer the
    /// heads read; nil when none did, or for rules the heads do not decide.
    public func haltingSignal(rotated latent: ArraySlice<Double>, seed: UInt64) -> Bool? {
        let rule = model.configuration.halting
        guard rule == .haltLogit || rule == .qLearning else { return nil }
        let tokens = answerTokens(latent)
        let w = model.stateWidth, l = model.sequence, d = model.hidden
        let count = min(ReasoningProbe.rotatedPositions, l)
        let random = RandomSource(seed: seed)
        for _ in 0..<32 {
            var order = Array(0..<l)
            for i in 0..<count { order.swapAt(i, i + random.integer(below: l - i)) }
            let positions = order.prefix(count)
            guard positions.contains(where: { tokens[$0] != tokens[positions.first!] }) else { continue }
            let high = Array(latent.dropFirst(w))
            var i = 0
            for v in high { state.high.pointer[i] = Float(v); i += 1 }
            for (k, p) in positions.enumerated() {
                let q = positions[positions.startIndex + (k + 1) % count]
                for e in 0..<d { state.high.pointer[p * d + e] = Float(high[q * d + e]) }
            }
            model.computeHeads(state, batch: 1)
            return rule.signalsHalt(haltLogits: model.haltLogits.pointer, residual: .nan, tolerance: 0)
        }
        return nil
    }

    /// The answer head's least sure cell at one latent row: the smallest over positions of
    /// the probability of the predicted token (`ReasoningModel.predictedConfidence`).
    public func leastCellConfidence(_ latent: ArraySlice<Double>) -> Double {
        computeHeads(latent)
        return Double(model.predictedConfidence(example: 0).min()!)
    }

    /// Runs the heads on `z_H` (the second half) of one latent row, into the model's buffers.
    private func computeHeads(_ latent: ArraySlice<Double>) {
        let w = model.stateWidth
        precondition(latent.count == 2 * w, "a latent row has \(2 * w) scalars, got \(latent.count)")
        var i = 0
        for v in latent.dropFirst(w) { state.high.pointer[i] = Float(v); i += 1 }
        model.computeHeads(state, batch: 1)
    }

    /// The answer tokens the heads read off `z_H` (the second half) of one latent row.
    public func answerTokens(_ latent: ArraySlice<Double>) -> [Int32] {
        computeHeads(latent)
        return model.predictedTokens(example: 0)
    }
}

/// A Sudoku reasoning checkpoint as a `PuzzleModel`: puzzles and answers are digits
/// (0 = blank), converted to and from the model's tokens (`SudokuToken`).
public final class ReasoningSudokuModel: PuzzleModel {
    public let name: String
    public let model: ReasoningModel<Float>
    /// Worker threads of the maps `bind` makes (the results do not depend on it).
    public let threads: Int
    private var map: ReasoningLatentMap?

    public init(name: String, model: ReasoningModel<Float>, threads: Int = WorkerPool.availableCores) {
        self.name = name
        self.model = model
        self.threads = threads
    }

    /// Loads a checkpoint (directory or bundled name) for batches of up to `maxBatch`: its
    /// evaluation weights, or with `rawWeights` the training weights of its last step
    /// (`ReasoningCheckpoint.loadModel(rawWeights:)`; the name then says so).
    public convenience init(checkpoint: String, maxBatch: Int = 64, threads: Int = WorkerPool.availableCores,
                            rawWeights: Bool = false) throws(StabilityError) {
        do {
            let path = try CheckpointLocator.resolve(checkpoint)
            let (model, manifest) = try ReasoningCheckpoint.loadModel(path, maxBatch: maxBatch, task: .sudoku, rawWeights: rawWeights)
            let base = checkpoint.split(separator: "/").last.map(String.init) ?? checkpoint
            let kind = "\(manifest.configuration.model.rawValue)-\(manifest.configuration.preset)"
            let name = base == kind ? kind : "\(kind) [\(base)]"
            self.init(name: rawWeights ? name + " (raw weights)" : name, model: model, threads: threads)
        } catch { throw .underlying("checkpoint \(checkpoint): \(error)") }
    }

    public var evaluationsPerStep: Int { map?.evaluationsPerStep ?? 0 }

    public func bind(puzzles: [[Int]]) throws(StabilityError) -> (map: ReasoningLatentMap, initialState: [Float]) {
        let tokens = puzzles.map { $0.map { Int32($0 == 0 ? Int(SudokuToken.blank) : $0 + 1) } }
        let m = try ReasoningLatentMap(model: model, inputs: tokens, threads: threads)
        map = m
        return (m, m.initialState(rows: puzzles.count))
    }

    public func decode(_ latent: ArraySlice<Double>, row: Int) -> [Int] {
        guard let map else { return [] }
        return map.answerTokens(latent).map { $0 >= 2 ? Int($0) - 1 : 0 }
    }
}

/// Settings of the model probes the basins check reads.
public enum ReasoningProbe {
    /// Positions whose states the rotated-halting probe rotates.
    public static let rotatedPositions = 4
}
