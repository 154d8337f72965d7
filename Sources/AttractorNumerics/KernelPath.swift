import CKernels
import Foundation

/// Which micro-kernel `Float.gemm` runs (`CKernels/sgemm.c`): AVX-512F, AVX2+FMA or portable
/// C. The best available path is chosen at first use unless the environment variable
/// `ATTRACTOR_KERNELS` (`avx512`, `avx2` or `portable`, read once) or `KernelPath.force(_:)`
/// says otherwise.
///
/// Every path is deterministic on its own — an element of `C` depends only on the operands
/// along `k`, never on the shape or how the product is split — but the paths round
/// differently from one another, so bit-identical runs need the same path.
public enum KernelPath: String, CaseIterable, Sendable, CustomStringConvertible {
    case avx512
    case avx2
    case portable

    /// Forcing a path this CPU cannot run, or a bad `ATTRACTOR_KERNELS` value.
    public struct Unavailable: Error, CustomStringConvertible, Sendable {
        public var description: String
    }

    public var description: String { rawValue }

    var code: Int32 {
        switch self {
        case .avx512: Int32(ATTRACTOR_KERNELS_AVX512)
        case .avx2: Int32(ATTRACTOR_KERNELS_AVX2)
        case .portable: Int32(ATTRACTOR_KERNELS_PORTABLE)
        }
    }

    init(code: Int32) {
        switch code {
        case Int32(ATTRACTOR_KERNELS_AVX512): self = .avx512
        case Int32(ATTRACTOR_KERNELS_AVX2): self = .avx2
        default: self = .portable
        }
    }

    /// Whether this CPU can run the path (`portable` always).
    public var isAvailable: Bool { attractor_kernels_available(code) != 0 }

    /// The paths this CPU can run, fastest first.
    public static var available: [KernelPath] { allCases.filter(\.isAvailable) }

    /// The best available path (what is used unless forced).
    public static var automatic: KernelPath { KernelPath(code: attractor_kernels_automatic()) }

    /// The path `Float.gemm` uses now.
    public static var current: KernelPath {
        _ = environmentChoice
        return KernelPath(code: attractor_kernels_current())
    }

    /// Makes `Float.gemm` use `path` from now on, process-wide (nil: back to the automatic
    /// choice). Throws, leaving the current path unchanged, when the CPU cannot run it.
    public static func force(_ path: KernelPath?) throws {
        _ = environmentChoice
        guard let path else {
            _ = attractor_kernels_force(-1)
            return
        }
        guard attractor_kernels_force(path.code) == 0 else {
            throw Unavailable(description: "kernel path \(path) is not available on this CPU (available: "
                              + available.map(\.rawValue).joined(separator: ", ") + ")")
        }
    }

    /// Runs `body` with `path` forced, then restores the previous path. The path is process-wide:
    /// other threads calling `Float.gemm` meanwhile use it too.
    public static func withForced<R>(_ path: KernelPath, _ body: () throws -> R) throws -> R {
        let previous = current
        try force(path)
        defer { try? force(previous) }
        return try body()
    }

    /// The path named by `ATTRACTOR_KERNELS`, nil when unset or empty; throws on a name that is
    /// not a path or a path this CPU lacks.
    public static func fromEnvironment() throws -> KernelPath? {
        try parse(environmentValue: ProcessInfo.processInfo.environment["ATTRACTOR_KERNELS"])
    }

    /// `fromEnvironment` on a given value (nil or empty: no choice).
    public static func parse(environmentValue raw: String?) throws -> KernelPath? {
        guard let raw, !raw.isEmpty else { return nil }
        guard let path = KernelPath(rawValue: raw.lowercased()) else {
            throw Unavailable(description: "ATTRACTOR_KERNELS=\(raw) is not a kernel path (expected one of "
                              + allCases.map(\.rawValue).joined(separator: ", ") + ")")
        }
        guard path.isAvailable else {
            throw Unavailable(description: "ATTRACTOR_KERNELS=\(raw): kernel path \(path) is not available on this CPU "
                              + "(available: " + available.map(\.rawValue).joined(separator: ", ") + ")")
        }
        return path
    }

    /// Applies `ATTRACTOR_KERNELS` once, at first use of the kernels. A bad value stops the
    /// process with the reason: running silently on another path than the one asked for
    /// would make results and timings lie. (The CLI checks it first and exits cleanly.)
    static let environmentChoice: Void = {
        do {
            if let path = try fromEnvironment() { _ = attractor_kernels_force(path.code) }
        } catch {
            fatalError("\(error)")
        }
    }()
}

extension KernelPath {
    /// One core's arithmetic ceiling for a path, measured by a loop of independent
    /// multiply-add chains that never touches memory.
    public struct Peak: Sendable, Codable {
        public var path: String
        /// Single-precision GFLOP/s of one core.
        public var gflops: Double
        /// What was measured (the instruction mix), for reports.
        public var measures: String
    }

    /// Measures this path's one-core peak in about 0.1 s: AVX-512 and AVX2 run FMA chains of
    /// 16 and 8 lanes; the portable path runs what its baseline instruction set has (on
    /// x86-64, SSE2 4-lane multiplies and adds issued side by side — no FMA). Best of 5 timings
    /// in the thread's CPU time, so other processes on a shared machine do not lower it.
    public func measurePeak() -> Peak {
        precondition(isAvailable, "KernelPath.measurePeak: \(self) is not available on this CPU")
        let rounds = 2_000_000
        let flopsPerRound: Double
        let measures: String
        let body: () -> Float
        switch self {
        case .avx512:
            flopsPerRound = 384; measures = "AVX-512 FMA, 16 lanes"
            body = { attractor_fma_peak_avx512(rounds) }
        case .avx2:
            flopsPerRound = 192; measures = "AVX2 FMA, 8 lanes"
            body = { attractor_fma_peak_avx2(rounds) }
        case .portable:
            flopsPerRound = Double(attractor_mul_add_peak_baseline_flops())
            measures = flopsPerRound == 56
                ? "SSE2 4-lane multiplies and adds side by side (baseline x86-64 has no FMA)" : "scalar multiply-add"
            body = { attractor_mul_add_peak_baseline(rounds) }
        }
        var best = Double.infinity
        for _ in 0..<5 {
            let t0 = threadCPUSeconds()
            let sink = body()
            best = min(best, threadCPUSeconds() - t0)
            precondition(sink.isFinite, "FMA loop overflowed")
        }
        return Peak(path: rawValue, gflops: Double(rounds) * flopsPerRound / best / 1e9, measures: measures)
    }
}

/// CPU time consumed by the calling thread, in seconds (excludes time the thread waited for a
/// core: benchmarks on a shared machine stay meaningful).
public func threadCPUSeconds() -> Double {
    var t = timespec()
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &t)
    return Double(t.tv_sec) + Double(t.tv_nsec) * 1e-9
}

/// The general single-precision product on an explicit path (tests and benchmarks; the
/// library goes through `Float.gemm`, which uses `KernelPath.current`).
public enum SGEMM {
    /// `C ← α·op(A)·op(B) + β·C`, row-major, on `path`, whatever the current path is. `β = 0`
    /// does not read `C`. Throws when the CPU cannot run `path`.
    public static func multiply(
        path: KernelPath, transposeA: Bool, transposeB: Bool, m: Int, n: Int, k: Int,
        alpha: Float, a: UnsafePointer<Float>, lda: Int, b: UnsafePointer<Float>, ldb: Int,
        beta: Float, c: UnsafeMutablePointer<Float>, ldc: Int
    ) throws {
        precondition(m >= 0 && n >= 0 && k >= 0, "SGEMM: negative dimension")
        guard attractor_sgemm_on_path(path.code, transposeA ? 1 : 0, transposeB ? 1 : 0, m, n, k, alpha, a, lda, b, ldb,
                                      beta, c, ldc) == 0
        else {
            throw KernelPath.Unavailable(description: "kernel path \(path) is not available on this CPU")
        }
    }
}
