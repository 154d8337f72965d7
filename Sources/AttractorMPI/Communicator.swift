import CMPI
import Foundation

/// An MPI failure turned into a Swift error (the communicator sets `MPI_ERRORS_RETURN`, so a
/// failing call returns here instead of aborting the job inside the library).
public struct MPIError: Error, CustomStringConvertible, Sendable {
    public var description: String
    public init(_ description: String) { self.description = description }
}

/// The processes of one job (`MPI_COMM_WORLD`), or a single rank without MPI.
///
/// `Communicator.world()` starts MPI only when a launcher started this process (`mpirun`,
/// `srun`: see `launchedByMPI`); a plain `attractor` is one rank and never touches the MPI
/// library (no `MPI_Init`, no start-up cost, no warnings). Every collective is called from
/// one thread (`MPI_THREAD_FUNNELED`); threads inside a rank do not call MPI.
///
/// Collectives move bytes (`broadcast`, `gather`, `allgather`) or Float buffers
/// (`orderedSum`). The sum never uses `MPI_Allreduce`'s own arithmetic, whose order depends
/// on the algorithm Open MPI picks: every element is summed in a fixed global order by the
/// one rank that owns it, so the result is bit-identical on every rank and for any rank
/// count that holds the same buffers in the same order.
public final class Communicator: @unchecked Sendable {
    public let rank: Int
    public let size: Int
    /// True when MPI was initialised (launched by mpirun/srun).
    public let usesMPI: Bool
    public var isRoot: Bool { rank == 0 }
    /// True once `finalize()` ran: no collective may follow.
    public private(set) var finalized = false

    /// Environment variables set by the launchers this package supports: Open MPI's `mpirun`
    /// (OMPI_COMM_WORLD_SIZE), Slurm `srun --mpi=pmix` (PMIX_RANK) or `--mpi=pmi2` (PMI_SIZE).
    public static let launcherVariables = ["OMPI_COMM_WORLD_SIZE", "PMIX_RANK", "PMI_SIZE"]

    /// True when a launcher started this process. `ATTRACTOR_MPI=0` forces a single rank,
    /// `ATTRACTOR_MPI=1` forces `MPI_Init` (a singleton job when run by hand).
    public static func launchedByMPI(_ environment: [String: String] = ProcessInfo.processInfo.environment) -> Bool {
        switch environment["ATTRACTOR_MPI"] {
        case "0": return false
        case "1": return true
        default: return launcherVariables.contains { environment[$0] != nil }
        }
    }

    /// A single rank without MPI.
    public static let single = Communicator(rank: 0, size: 1, usesMPI: false)

    nonisolated(unsafe) private static var shared: Communicator?

    /// The job's communicator: MPI is initialised on the first call when `launchedByMPI()`.
    public static func world() throws(MPIError) -> Communicator {
        if let shared { return shared }
        guard launchedByMPI() else { shared = single; return single }
        var provided: Int32 = 0
        let code = MPI_Init_thread(nil, nil, cmpi_thread_funneled(), &provided)
        guard code == cmpi_success() else { throw MPIError("MPI_Init_thread failed (code \(code))") }
        MPI_Comm_set_errhandler(cmpi_comm_world(), cmpi_errors_return())
        var r: Int32 = 0, s: Int32 = 0
        MPI_Comm_rank(cmpi_comm_world(), &r)
        MPI_Comm_size(cmpi_comm_world(), &s)
        let c = Communicator(rank: Int(r), size: Int(s), usesMPI: true)
        shared = c
        return c
    }

    init(rank: Int, size: Int, usesMPI: Bool) {
        self.rank = rank
        self.size = size
        self.usesMPI = usesMPI
    }

    /// The host this rank runs on.
    public var processorName: String {
        guard usesMPI else { return ProcessInfo.processInfo.hostName }
        var buffer = [CChar](repeating: 0, count: Int(cmpi_max_processor_name()) + 1)
        var length: Int32 = 0
        MPI_Get_processor_name(&buffer, &length)
        return String(decoding: buffer.prefix(Int(length)).map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }

    func check(_ code: Int32, _ call: String) throws(MPIError) {
        guard code != cmpi_success() else { return }
        var buffer = [CChar](repeating: 0, count: Int(cmpi_max_error_string()) + 1)
        var length: Int32 = 0
        MPI_Error_string(code, &buffer, &length)
        let text = String(decoding: buffer.prefix(Int(length)).map { UInt8(bitPattern: $0) }, as: UTF8.self)
        throw MPIError("\(call) failed on rank \(rank) of \(size): \(text)")
    }

    /// Blocks until every rank arrives.
    public func barrier() throws(MPIError) {
        guard usesMPI, size > 1 else { return }
        try check(MPI_Barrier(cmpi_comm_world()), "MPI_Barrier")
    }

    /// `root`'s bytes on every rank.
    public func broadcast(_ bytes: [UInt8], root: Int = 0) throws(MPIError) -> [UInt8] {
        guard usesMPI, size > 1 else { return bytes }
        var count = UInt64(bytes.count)
        try check(MPI_Bcast(&count, 1, cmpi_uint64(), Int32(root), cmpi_comm_world()), "MPI_Bcast")
        var out = rank == root ? bytes : [UInt8](repeating: 0, count: Int(count))
        guard count > 0 else { return out }
        let n = try Self.int32(Int(count), "broadcast")
        let code = out.withUnsafeMutableBytes { p in
            MPI_Bcast(p.baseAddress, n, cmpi_byte(), Int32(root), cmpi_comm_world())
        }
        try check(code, "MPI_Bcast")
        return out
    }

    static func int32(_ n: Int, _ what: String) throws(MPIError) -> Int32 {
        guard n <= Int(Int32.max) else { throw MPIError("\(what): \(n) elements exceed MPI's 32-bit counts") }
        return Int32(n)
    }

    /// Every rank's bytes on every rank, in rank order (payloads may differ in size).
    public func allgather(_ bytes: [UInt8]) throws(MPIError) -> [[UInt8]] {
        guard usesMPI, size > 1 else { return [bytes] }
        var mine = try Self.int32(bytes.count, "allgather")
        var counts = [Int32](repeating: 0, count: size)
        try check(MPI_Allgather(&mine, 1, cmpi_int(), &counts, 1, cmpi_int(), cmpi_comm_world()), "MPI_Allgather")
        let (displacements, total) = try Self.displacements(counts, "allgather")
        var out = [UInt8](repeating: 0, count: max(1, total))
        let code = bytes.withUnsafeBytes { s in
            out.withUnsafeMutableBytes { r in
                MPI_Allgatherv(s.baseAddress, mine, cmpi_byte(), r.baseAddress, counts, displacements, cmpi_byte(), cmpi_comm_world())
            }
        }
        try check(code, "MPI_Allgatherv")
        return (0..<size).map { Array(out[Int(displacements[$0])..<Int(displacements[$0] + counts[$0])]) }
    }

    /// Every rank's bytes on `root`, in rank order; other ranks get `[]`.
    public func gather(_ bytes: [UInt8], root: Int = 0) throws(MPIError) -> [[UInt8]] {
        guard usesMPI, size > 1 else { return [bytes] }
        var mine = try Self.int32(bytes.count, "gather")
        var counts = [Int32](repeating: 0, count: size)
        try check(MPI_Gather(&mine, 1, cmpi_int(), &counts, 1, cmpi_int(), Int32(root), cmpi_comm_world()), "MPI_Gather")
        let (displacements, total) = rank == root ? try Self.displacements(counts, "gather") : ([Int32](repeating: 0, count: size), 0)
        var out = [UInt8](repeating: 0, count: max(1, total))
        let code = bytes.withUnsafeBytes { s in
            out.withUnsafeMutableBytes { r in
                MPI_Gatherv(s.baseAddress, mine, cmpi_byte(), r.baseAddress, counts, displacements, cmpi_byte(), Int32(root),
                            cmpi_comm_world())
            }
        }
        try check(code, "MPI_Gatherv")
        guard rank == root else { return [] }
        return (0..<size).map { Array(out[Int(displacements[$0])..<Int(displacements[$0] + counts[$0])]) }
    }

    static func displacements(_ counts: [Int32], _ what: String) throws(MPIError) -> ([Int32], Int) {
        var displacements = [Int32](repeating: 0, count: counts.count)
        var total = 0
        for i in counts.indices {
            displacements[i] = try int32(total, what)
            total += Int(counts[i])
        }
        _ = try int32(total, what)
        return (displacements, total)
    }

    /// The elementwise sum of `rank`'s own buffer over all ranks, in rank order:
    /// `((x₀ + x₁) + x₂) + …` on every rank, bit for bit.
    public func sumInRankOrder(_ buffer: inout [Float]) throws(MPIError) {
        buffer = try orderedSum([buffer], count: buffer.count)
    }

    /// The elementwise sum of buffers spread over the ranks, in their global order.
    ///
    /// Rank r holds `local`: consecutive buffers of the global sequence b₀, b₁, … (rank 0
    /// the first ones, then rank 1, …; a rank may hold none), each of `count` Floats. Every
    /// rank returns `((b₀ + b₁) + b₂) + …` — the same bits a single process gets by adding
    /// the same buffers in order, whatever the number of ranks.
    ///
    /// Communication (reduce-scatter + allgather, like a ring allreduce): the buffer is cut
    /// into `size` chunks; `MPI_Alltoallv` sends chunk j of every local buffer to rank j,
    /// which adds them in global order; `MPI_Allgatherv` returns the summed chunks to all.
    /// With one buffer per rank each rank sends and receives 2·(N−1)/N·count·4 bytes.
    public func orderedSum(_ local: [[Float]], count: Int) throws(MPIError) -> [Float] {
        for b in local where b.count != count {
            throw MPIError("orderedSum: a buffer holds \(b.count) Floats, expected \(count)")
        }
        guard usesMPI, size > 1 else { return Self.foldInOrder(local, count: count, range: 0..<count) }
        _ = try Self.int32(count, "orderedSum")
        // How many buffers each rank holds (they may differ: shards need not divide evenly).
        var mine = Int32(local.count)
        var held = [Int32](repeating: 0, count: size)
        try check(MPI_Allgather(&mine, 1, cmpi_int(), &held, 1, cmpi_int(), cmpi_comm_world()), "MPI_Allgather")
        let chunks = (0..<size).map { Self.chunk($0, of: count, parts: size) }
        // Send: for rank j, chunk j of every local buffer.
        var send = [Float](); send.reserveCapacity(local.count * count)
        var sendCounts = [Int32](), sendDisplacements = [Int32]()
        for j in 0..<size {
            sendDisplacements.append(Int32(send.count))
            for b in local { send += b[chunks[j]] }
            sendCounts.append(Int32(local.count * chunks[j].count))
        }
        let myChunk = chunks[rank]
        var receiveCounts = [Int32](), receiveDisplacements = [Int32]()
        var total = 0
        for i in 0..<size {
            receiveDisplacements.append(try Self.int32(total, "orderedSum"))
            receiveCounts.append(try Self.int32(Int(held[i]) * myChunk.count, "orderedSum"))
            total += Int(held[i]) * myChunk.count
        }
        var received = [Float](repeating: 0, count: max(1, total))
        let code = send.withUnsafeBufferPointer { s in
            received.withUnsafeMutableBufferPointer { r in
                MPI_Alltoallv(s.baseAddress, sendCounts, sendDisplacements, cmpi_float(),
                              r.baseAddress, receiveCounts, receiveDisplacements, cmpi_float(), cmpi_comm_world())
            }
        }
        try check(code, "MPI_Alltoallv")
        // Buffers arrive in rank order, each rank's in its local order: the global order.
        let buffers = Int(held.reduce(0, +))
        var summed = [Float](repeating: 0, count: myChunk.count)
        if buffers > 0 {
            received.withUnsafeBufferPointer { r in
                summed.withUnsafeMutableBufferPointer { s in
                    let n = myChunk.count
                    for e in 0..<n { s[e] = r[e] }
                    for g in 1..<max(1, buffers) {
                        let base = g * n
                        for e in 0..<n { s[e] += r[base + e] }
                    }
                }
            }
        }
        var out = [Float](repeating: 0, count: max(1, count))
        let counts = chunks.map { Int32($0.count) }
        let displacements = chunks.map { Int32($0.lowerBound) }
        let code2 = summed.withUnsafeBufferPointer { s in
            out.withUnsafeMutableBufferPointer { r in
                MPI_Allgatherv(s.baseAddress, Int32(myChunk.count), cmpi_float(), r.baseAddress, counts, displacements,
                               cmpi_float(), cmpi_comm_world())
            }
        }
        try check(code2, "MPI_Allgatherv")
        if count == 0 { return [] }
        return out
    }

    /// `((b₀ + b₁) + b₂) + …` over `range` (zeros when there are no buffers).
    static func foldInOrder(_ buffers: [[Float]], count: Int, range: Range<Int>) -> [Float] {
        guard let first = buffers.first else { return [Float](repeating: 0, count: range.count) }
        var s = Array(first[range])
        for b in buffers.dropFirst() {
            for (k, e) in range.enumerated() { s[k] += b[e] }
        }
        return s
    }

    /// Part `index` of `0..<count` cut into `parts` consecutive ranges whose sizes differ by at most one.
    public static func chunk(_ index: Int, of count: Int, parts: Int) -> Range<Int> {
        (index * count / parts)..<((index + 1) * count / parts)
    }

    /// Ends MPI (every rank must call it, after its last collective). Idempotent.
    public func finalize() {
        guard usesMPI, !finalized else { return }
        finalized = true
        MPI_Finalize()
    }

    /// Ends the whole job now (for a failure only this rank saw, in the middle of collective work).
    public func abort(code: Int32 = 1) -> Never {
        if usesMPI { MPI_Abort(cmpi_comm_world(), code) }
        exit(code)
    }
}
