import Attractor
import AttractorMPI
import Foundation

/// The MPI ranks of `attractor train` as the trainer's process group.
final class MPITrainingGroup: TrainingProcessGroup {
    let world: Communicator
    init(_ world: Communicator) { self.world = world }
    var rank: Int { world.rank }
    var size: Int { world.size }
    func allgather(_ bytes: [UInt8]) throws -> [[UInt8]] { try world.allgather(bytes) }
    func orderedSum(_ local: [[Float]], count: Int) throws -> [Float] { try world.orderedSum(local, count: count) }
}

/// `attractor train` over the ranks of an MPI job (one rank: everything as before).
///
/// Every rank builds the same data, model and slots from the seed; each step, rank r runs its
/// consecutive range of the batch's shards and the ranks exchange the shard results and the
/// gradients (`ReasoningTrainer.trainStep(group:)`), so every rank holds the same parameters
/// and a step is bit-identical to one process with the same `--shards`. Rank 0 alone prints
/// (the other ranks' stdout goes to /dev/null), evaluates and writes checkpoints; the time
/// budgets and Ctrl-C are rank 0's decisions, broadcast before every step so that all ranks
/// stop at the same step.
struct TrainingRanks {
    let world: Communicator
    let group: MPITrainingGroup?

    init(_ world: Communicator) {
        self.world = world
        group = world.size > 1 ? MPITrainingGroup(world) : nil
        if world.size > 1 && !world.isRoot { dup2(open("/dev/null", O_WRONLY), STDOUT_FILENO) }
    }

    var isRoot: Bool { world.isRoot }

    /// Threads per rank when `--threads` is not given: the cores shared by the ranks on this node.
    var defaultThreads: Int { Distributed.threadsPerRank(world) }

    func step(_ trainer: ReasoningTrainer) throws(ReasoningError) -> ReasoningTrainer.StepReport {
        if let group { return try trainer.trainStep(group: group) }
        return try trainer.trainStep()
    }

    /// Rank 0's `flags` on every rank.
    func agree(_ flags: [Bool]) throws -> [Bool] {
        guard world.size > 1 else { return flags }
        return try world.broadcast(flags.map { $0 ? 1 : 0 }).map { $0 != 0 }
    }

    /// Rank 0's `total` on every rank.
    func agree(total: Int) throws -> Int {
        guard world.size > 1 else { return total }
        let bytes = try world.broadcast((0..<8).map { UInt8(truncatingIfNeeded: UInt64(total) >> (8 * $0)) })
        return Int((0..<8).reduce(UInt64(0)) { $0 | UInt64(bytes[$1]) << (8 * $1) })
    }

    /// Before a checkpoint: every shard's latent state on every rank.
    func gatherCarries(_ trainer: ReasoningTrainer) throws {
        if let group { try trainer.gatherCarries(group: group) }
    }

    /// The line that says how the batch is spread (nothing for one rank).
    func describe(_ trainer: ReasoningTrainer) -> String? {
        guard world.size > 1 else { return nil }
        let parts = (0..<world.size).map { r -> String in
            let s = trainer.shards(ofProcess: r, of: world.size)
            return s.isEmpty ? "-" : s.count == 1 ? "\(s.lowerBound)" : "\(s.lowerBound)–\(s.upperBound - 1)"
        }
        return "MPI: \(world.size) ranks × \(trainer.threads) threads; shards per rank: \(parts.joined(separator: ", "))"
            + (trainer.shardCount < world.size ? " (more ranks than shards: raise --shards)" : "")
    }
}
