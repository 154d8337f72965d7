import ArgumentParser
import Attractor
import AttractorMPI
import Foundation

/// Running a command over the ranks of an MPI job (`mpirun -np N attractor …`, `srun attractor …`).
///
/// A command that supports MPI checks `Communicator.launchedByMPI()` and, when true, runs its
/// distributed path inside `Distributed.run`: MPI starts, the ranks compare build and
/// arguments (`JobFingerprint`), the body runs, MPI ends. Plain `attractor` never gets here.
///
/// Failures: work whose result is gathered (`Distributed.gather`) reports a failure on any rank
/// to every rank, so rank 0 prints one message (naming the rank) and all ranks exit 1 after
/// `MPI_Finalize`. Any other failure on one rank prints `rank r of N: …` and calls `MPI_Abort`,
/// which ends the job; a rank that dies makes `mpirun`/`srun` end the job. No rank is left
/// waiting in a collective.
enum Distributed {
    /// A failure every rank knows of; rank 0 prints it.
    struct AgreedFailure: Error, CustomStringConvertible {
        var description: String
        var status: ExitStatus
    }

    /// What every rank must agree on: the version and the arguments.
    static var configuration: String {
        "attractor \(AttractorCommand.configuration.version) " + CommandLine.arguments.dropFirst().joined(separator: " ")
    }

    static func run(_ body: (Communicator) throws -> Void) throws {
        let world: Communicator
        do { world = try Communicator.world() } catch { throw CommandFailure("\(error)") }
        guard world.size > 1 else {
            defer { world.finalize() }
            try body(world)
            return
        }
        do {
            try JobFingerprint.check(world, configuration: configuration)
        } catch {
            throw failTogether(world, "\(error)", status: .usage)
        }
        do {
            try body(world)
            world.finalize()
        } catch let e as AgreedFailure {
            throw failTogether(world, e.description, status: e.status)
        } catch let e as ExitCode {
            // Rank 0's verdict after the last collective (e.g. a failed validation check).
            world.finalize()
            throw e
        } catch where world.finalized {
            throw error  // after the last collective (rank 0's report): an ordinary local error
        } catch {
            // A failure every rank meets (bad data, a non-finite loss) should read once: rank 0
            // reports and aborts first, which ends the others before they print.
            if !world.isRoot { usleep(500_000) }
            FileHandle.standardError.write(Data("error: rank \(world.rank) of \(world.size): \(ErrorReport.classify(error).message)\n".utf8))
            world.abort(code: ErrorReport.classify(error).status.rawValue)
        }
    }

    /// A failure every rank knows of: rank 0 prints `message`, then all ranks meet in a barrier
    /// (so no rank exits — and makes mpirun end the job — before the message is out), end MPI
    /// and exit with status 1.
    static func failTogether(_ world: Communicator, _ message: String, status: ExitStatus) -> ExitCode {
        if world.isRoot { FileHandle.standardError.write(Data("error: \(message)\n".utf8)) }
        try? world.barrier()
        world.finalize()
        return ExitCode(status.rawValue)
    }

    /// Runs `work` on every rank and gathers its bytes on rank 0 in rank order (other ranks get
    /// `[]`). When `work` throws on any rank, every rank throws `AgreedFailure` with the first
    /// failing rank's message. One rank: `work`'s bytes, its errors unchanged.
    static func gather(_ world: Communicator, _ work: () throws -> [UInt8]) throws -> [[UInt8]] {
        guard world.size > 1 else { return [try work()] }
        var payload: [UInt8]
        do { payload = [1] + (try work()) } catch {
            let (message, status) = ErrorReport.classify(error)
            payload = [0, UInt8(truncatingIfNeeded: status.rawValue)] + Array(message.utf8)
        }
        testOnlyDie(world)
        let all = try world.gather(payload)
        var verdict: [UInt8] = [1]
        if world.isRoot, let bad = all.firstIndex(where: { $0.first != 1 }) {
            let message = String(decoding: all[bad].dropFirst(2), as: UTF8.self)
            verdict = [0, all[bad].dropFirst().first ?? 1] + Array((bad == 0 ? message : "rank \(bad) of \(world.size): \(message)").utf8)
        }
        verdict = try world.broadcast(verdict)
        if verdict.first != 1 {
            throw AgreedFailure(description: String(decoding: verdict.dropFirst(2), as: UTF8.self),
                                status: ExitStatus(rawValue: Int32(verdict.dropFirst().first ?? 1)) ?? .failed)
        }
        return world.isRoot ? all.map { Array($0.dropFirst()) } : []
    }

    /// Test hook (tests of the fault handling): `ATTRACTOR_MPI_TEST_DIE_RANK=r` makes rank r
    /// kill itself with SIGKILL before it sends its results, as a crashed node would.
    static func testOnlyDie(_ world: Communicator) {
        if let r = ProcessInfo.processInfo.environment["ATTRACTOR_MPI_TEST_DIE_RANK"].flatMap(Int.init), r == world.rank {
            kill(getpid(), SIGKILL)
        }
    }

    /// Threads per rank when the command's `--threads` is not given: the node's cores shared by
    /// the ranks on it (`OMPI_COMM_WORLD_LOCAL_SIZE`, else `SLURM_NTASKS_PER_NODE`); all cores for one rank.
    static func threadsPerRank(_ world: Communicator) -> Int {
        guard world.size > 1 else { return WorkerPool.availableCores }
        let environment = ProcessInfo.processInfo.environment
        let local = environment["OMPI_COMM_WORLD_LOCAL_SIZE"].flatMap(Int.init)
            ?? environment["SLURM_NTASKS_PER_NODE"].flatMap(Int.init) ?? world.size
        return max(1, WorkerPool.availableCores / max(1, local))
    }

    /// The puzzles of `rank` when `count` puzzles run in batches of `batch`: whole batches,
    /// consecutive, the same batches a single process forms (so every batch computes the same
    /// bits whatever the rank count), split as evenly as whole batches allow.
    static func batchShard(count: Int, batch: Int, rank: Int, size: Int) -> Range<Int> {
        let batches = (count + batch - 1) / batch
        let mine = Communicator.chunk(rank, of: batches, parts: size)
        return min(count, mine.lowerBound * batch)..<min(count, mine.upperBound * batch)
    }
}

/// Results sent from a rank to rank 0 as JSON bytes; non-finite numbers travel as the strings
/// "inf", "-inf" and "nan", so a diverged check's NaN arrives as NaN.
enum RankPayload {
    static func encode(_ value: some Encodable) throws -> [UInt8] {
        let encoder = JSONEncoder()
        encoder.nonConformingFloatEncodingStrategy = .convertToString(positiveInfinity: "inf", negativeInfinity: "-inf", nan: "nan")
        return Array(try encoder.encode(value))
    }

    static func decode<T: Decodable>(_ type: T.Type, from bytes: [UInt8]) throws -> T {
        let decoder = JSONDecoder()
        decoder.nonConformingFloatDecodingStrategy = .convertFromString(positiveInfinity: "inf", negativeInfinity: "-inf", nan: "nan")
        return try decoder.decode(type, from: Data(bytes))
    }
}
