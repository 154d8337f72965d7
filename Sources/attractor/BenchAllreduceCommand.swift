import ArgumentParser
import AttractorMPI
import Foundation

/// `attractor bench allreduce`: the deterministic gradient sum over MPI ranks — its time and
/// a bit-for-bit check against the sum in global order.
struct BenchAllreduceCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "allreduce",
        abstract: "Time the deterministic ordered sum of Float buffers over MPI ranks and check it bit for bit.",
        discussion: "Run under mpirun/srun (one rank without). Every rank holds --buffers-per-rank seeded buffers of --floats Floats; each rank checks that Communicator.orderedSum returns exactly ((b0 + b1) + b2) + … in global order, and rank 0 checks that every rank got the same bits.")

    enum Format: String, ExpressibleByArgument, CaseIterable { case text, json }

    @Option(help: "Floats per buffer (the tiny models hold 0.4–0.8 M parameters).") var floats: Int = 850_000
    @Option(help: "Buffers each rank holds (e.g. gradient shards).") var buffersPerRank: Int = 1
    @Option(name: .customLong("repeat"), help: "Timed sums (median and best are reported).") var repeats: Int = 20
    @Option(help: "Output format: text or json.") var format: Format = .text

    struct Report: Codable {
        var ranks: Int
        var floats: Int
        var buffersPerRank: Int
        var bytesPerBuffer: Int
        var medianSeconds: Double
        var bestSeconds: Double
        var bitIdenticalToOrderedSum: Bool
        var identicalOnEveryRank: Bool

        enum CodingKeys: String, CodingKey {
            case ranks, floats
            case buffersPerRank = "buffers_per_rank"
            case bytesPerBuffer = "bytes_per_buffer"
            case medianSeconds = "median_seconds"
            case bestSeconds = "best_seconds"
            case bitIdenticalToOrderedSum = "bit_identical_to_ordered_sum"
            case identicalOnEveryRank = "identical_on_every_rank"
        }
    }

    func validate() throws {
        guard floats > 0, floats <= 1 << 28 else { throw ValidationError("--floats must be between 1 and 2^28") }
        guard buffersPerRank >= 0, buffersPerRank <= 64 else { throw ValidationError("--buffers-per-rank must be between 0 and 64") }
        guard repeats > 0 else { throw ValidationError("--repeat must be positive") }
    }

    /// A seeded value in [−1, 1) for element `e` of global buffer `g` (splitmix64), with
    /// magnitudes spread over several binades so the order of the additions matters.
    static func value(_ g: Int, _ e: Int) -> Float {
        var z = UInt64(truncatingIfNeeded: g) &* 0x9E37_79B9_7F4A_7C15 &+ UInt64(truncatingIfNeeded: e) &+ 0x1234_5678
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        z ^= z >> 31
        let u = Float(z >> 40) / Float(1 << 24) * 2 - 1
        return u * Float(1 << Int(z & 7)) / 8
    }

    func run() throws {
        try Distributed.run { world in
            let n = floats, k = buffersPerRank
            let first = world.rank * k
            let local = (0..<k).map { j in (0..<n).map { Self.value(first + j, $0) } }
            var times: [Double] = []
            var result: [Float] = []
            let clock = ContinuousClock()
            for _ in 0..<repeats {
                try world.barrier()
                let t0 = clock.now
                result = try world.orderedSum(local, count: n)
                let d = clock.now - t0
                times.append(Double(d.components.seconds) + Double(d.components.attoseconds) * 1e-18)
            }
            // The reference: every global buffer regenerated here, added in global order.
            var expected = (0..<n).map { Self.value(0, $0) }
            for g in 1..<max(1, world.size * k) { for e in 0..<n { expected[e] += Self.value(g, e) } }
            if k == 0 { expected = [Float](repeating: 0, count: n) }
            let same = zip(result, expected).allSatisfy { $0.bitPattern == $1.bitPattern } && result.count == n
            let digest = result.withUnsafeBytes { JobFingerprint.hash($0) }
            var mine: [UInt8] = [same ? 1 : 0]
            withUnsafeBytes(of: digest) { mine += $0 }
            let all = try world.gather(mine)
            world.finalize()
            guard world.isRoot else { return }
            times.sort()
            let report = Report(ranks: world.size, floats: n, buffersPerRank: k, bytesPerBuffer: 4 * n,
                                medianSeconds: times[times.count / 2], bestSeconds: times[0],
                                bitIdenticalToOrderedSum: all.allSatisfy { $0.first == 1 },
                                identicalOnEveryRank: Set(all.map { Array($0.dropFirst()) }).count == 1)
            switch format {
            case .json: try printJSON(report)
            case .text:
                print(String(format: "%d ranks × %d buffer(s) of %d Floats (%.2f MB): median %.3f ms, best %.3f ms",
                             report.ranks, k, n, Double(4 * n) / 1e6, report.medianSeconds * 1e3, report.bestSeconds * 1e3))
                print("bit-identical to the sum in global order: \(report.bitIdenticalToOrderedSum ? "yes" : "NO"); "
                      + "identical on every rank: \(report.identicalOnEveryRank ? "yes" : "NO")")
            }
            if !report.bitIdenticalToOrderedSum || !report.identicalOnEveryRank { throw ExitCode(1) }
        }
    }
}
