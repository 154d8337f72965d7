import AttractorNeural
import AttractorNumerics

/// How the processes of a multi-process (MPI) training job talk, seen from the trainer. The
/// library knows nothing of MPI: the `attractor` executable implements this over its
/// communicator.
public protocol TrainingProcessGroup: AnyObject {
    var rank: Int { get }
    var size: Int { get }
    /// Every process's bytes on every process, in process order.
    func allgather(_ bytes: [UInt8]) throws -> [[UInt8]]
    /// `((b₀ + b₁) + b₂) + …` over the buffers of all processes in global order (process 0's
    /// buffers first, each process's in its order), bit-identical on every process.
    func orderedSum(_ local: [[Float]], count: Int) throws -> [Float]
}

/// Data parallelism over processes: each process runs a fixed consecutive range of the
/// shards (`shards(ofProcess:)`); everything else — drawing examples into slots, halting,
/// clipping, AdamW, EMA — runs on every process on identical values, so every process holds
/// the same parameters after every step.
///
/// A step exchanges (1) what each shard measured (loss parts, per-slot correctness, halting
/// logits, residuals: a few bytes per slot) with `allgather`, and (2) the shard gradients with
/// `orderedSum`, which adds them in shard order exactly as `sumShardGradients` does in one
/// process. The step is therefore bit-identical to `trainStep()` in one process with the same
/// shards, for any number of processes and threads. The latent state of a shard lives on the
/// process that runs it; `gatherCarries` copies every shard's state to every process before a
/// checkpoint is written, so a checkpoint holds the whole batch and resumes with any process count.
extension ReasoningTrainer {
    /// The shards process `rank` of `size` runs: consecutive, sizes differing by at most one.
    public func shards(ofProcess rank: Int, of size: Int) -> Range<Int> {
        (rank * shardCount / size)..<((rank + 1) * shardCount / size)
    }

    /// One training step with the shards spread over `group`'s processes (see above).
    public func trainStep(group: TrainingProcessGroup) throws(ReasoningError) -> StepReport {
        guard group.size > 1 else { return try trainStep() }
        var report = StepReport(step: step + 1)
        refillHaltedSlots()
        enterStepDepth(&report)
        defer { leaveStepDepth() }

        let mine = shards(ofProcess: group.rank, of: group.size)
        pool.forEachTask(count: mine.count) { i, worker in
            DenormalFlush.run { runShard(mine.lowerBound + i, on: worker) }  // the mode `work(worker:)` uses
        }

        // Exchange what the shards measured; every process then holds every shard's result.
        var bytes: [UInt8] = []
        for s in mine { encodeShard(s, into: &bytes) }
        let all: [[UInt8]]
        do { all = try group.allgather(bytes) } catch { throw .invalidInput("exchanging shard results: \(error)") }
        for (process, part) in all.enumerated() where process != group.rank {
            var reader = ByteReader(bytes: part)
            for s in shards(ofProcess: process, of: group.size) {
                guard decodeShard(s, from: &reader) else { throw .invalidInput("shard \(s): malformed results from process \(process)") }
            }
        }

        try tallyShards(into: &report)

        // The shard gradients summed in shard order over all processes.
        let n = model.store.count
        let local = mine.map { Array(UnsafeBufferPointer(start: shardGradients[$0].pointer, count: n)) }
        let sum: [Float]
        do { sum = try group.orderedSum(local, count: n) } catch { throw .invalidInput("summing the gradients: \(error)") }
        sum.withUnsafeBufferPointer { model.store.gradients.pointer.update(from: $0.baseAddress!, count: n) }

        update(&report)
        return report
    }

    /// Copies every shard's latent state from the process that runs it to every process
    /// (before a checkpoint: `carryRows` then covers the whole batch).
    public func gatherCarries(group: TrainingProcessGroup) throws(ReasoningError) {
        guard group.size > 1 else { return }
        let width = model.stateWidth
        var bytes: [UInt8] = []
        for s in shards(ofProcess: group.rank, of: group.size) {
            let count = (shardStarts[s + 1] - shardStarts[s]) * width
            for buffer in [carries[s].high, carries[s].low] {
                UnsafeRawBufferPointer(start: buffer.pointer, count: count * MemoryLayout<Float>.size).withUnsafeBytes { bytes += $0 }
            }
        }
        let all: [[UInt8]]
        do { all = try group.allgather(bytes) } catch { throw .invalidInput("gathering the latent state: \(error)") }
        for (process, part) in all.enumerated() where process != group.rank {
            var at = 0
            for s in shards(ofProcess: process, of: group.size) {
                let count = (shardStarts[s + 1] - shardStarts[s]) * width
                for buffer in [carries[s].high, carries[s].low] {
                    let length = count * MemoryLayout<Float>.size
                    guard at + length <= part.count else { throw .invalidInput("latent state of process \(process) is truncated") }
                    part.withUnsafeBytes { p in
                        UnsafeMutableRawPointer(buffer.pointer).copyMemory(from: p.baseAddress! + at, byteCount: length)
                    }
                    at += length
                }
            }
        }
    }

    /// Shard `s`'s result and its slots' outcomes as bytes (doubles and floats as bit patterns).
    func encodeShard(_ s: Int, into out: inout [UInt8]) {
        func put(_ v: UInt64) { withUnsafeBytes(of: v.littleEndian) { out += $0 } }
        func put(_ d: Double) { put(d.bitPattern) }
        let r = shardResults[s]
        let message = r.error.map { "\($0)" } ?? ""
        put(UInt64(message.utf8.count)); out += message.utf8
        for d in [r.answerLoss, r.haltingLoss, r.regularisers.residual, r.regularisers.repulsion, r.regularisers.traceHinge,
                  r.regularisers.repellerHinge, r.regularisers.frobenius, r.regularisers.spectral, r.regularisers.chord, r.flops,
                  r.regularisers.wrongMotion] { put(d) }
        put(UInt64(r.cellsRight)); put(UInt64(r.forwardExamples)); put(UInt64(r.backwardExamples))
        let outputs = configuration.haltOutputs.count
        for b in shardStarts[s]..<shardStarts[s + 1] {
            out.append(slotCorrect[b] ? 1 : 0)
            put(slotResiduals[b])
            for k in 0..<outputs { put(UInt64(slotHaltLogits.pointer[b * outputs + k].bitPattern)) }
        }
    }

    func decodeShard(_ s: Int, from reader: inout ByteReader) -> Bool {
        guard let length = reader.u64(), let message = reader.take(Int(length)) else { return false }
        var d = [Double]()
        for _ in 0..<11 { guard let v = reader.u64() else { return false }; d.append(Double(bitPattern: v)) }
        guard let cells = reader.u64(), let forward = reader.u64(), let backward = reader.u64() else { return false }
        var r = ShardResult()
        r.answerLoss = d[0]; r.haltingLoss = d[1]
        r.regularisers.residual = d[2]; r.regularisers.repulsion = d[3]; r.regularisers.traceHinge = d[4]
        r.regularisers.repellerHinge = d[5]; r.regularisers.frobenius = d[6]; r.regularisers.spectral = d[7]
        r.regularisers.chord = d[8]; r.flops = d[9]; r.regularisers.wrongMotion = d[10]
        r.cellsRight = Int(cells); r.forwardExamples = Int(forward); r.backwardExamples = Int(backward)
        if !message.isEmpty { r.error = .invalidInput("shard \(s): " + String(decoding: message, as: UTF8.self)) }
        shardResults[s] = r
        let outputs = configuration.haltOutputs.count
        for b in shardStarts[s]..<shardStarts[s + 1] {
            guard let c = reader.take(1), let residual = reader.u64() else { return false }
            slotCorrect[b] = c.first == 1
            slotResiduals[b] = Double(bitPattern: residual)
            for k in 0..<outputs {
                guard let q = reader.u64() else { return false }
                slotHaltLogits.pointer[b * outputs + k] = Float(bitPattern: UInt32(truncatingIfNeeded: q))
            }
        }
        return true
    }
}

/// Little-endian reads from a byte array.
struct ByteReader {
    let bytes: [UInt8]
    var at = 0

    init(bytes: [UInt8]) { self.bytes = bytes }

    mutating func take(_ n: Int) -> ArraySlice<UInt8>? {
        guard n >= 0, at + n <= bytes.count else { return nil }
        defer { at += n }
        return bytes[at..<(at + n)]
    }

    mutating func u64() -> UInt64? {
        guard let b = take(8) else { return nil }
        return b.reversed().reduce(UInt64(0)) { ($0 << 8) | UInt64($1) }
    }
}
