import CKernels
#if canImport(Glibc)
import Glibc
#endif

/// Runs work with denormal floats flushed to zero on the calling thread (x86 FTZ + DAZ),
/// restoring the thread's previous mode afterwards. The training step and batched inference
/// run inside it on every worker, so a step's cost cannot depend on denormal operands (which
/// can cost the FP units about a hundred cycles each). Every worker uses the same mode, so
/// results stay independent of the thread count. (Measured on trm-tiny after 30 steps: no
/// difference beyond this host's ±15% run-to-run noise; see Docs/Models.md.)
public enum DenormalFlush {
    /// `ATTRACTOR_DENORMALS=keep` leaves the thread's mode alone (for comparisons).
    static let enabled = getenv("ATTRACTOR_DENORMALS").map { String(cString: $0) != "keep" } ?? true

    @inline(__always)
    public static func run<R, E: Error>(_ body: () throws(E) -> R) throws(E) -> R {
        guard enabled else { return try body() }
        let state = attractor_flush_denormals_begin()
        defer { attractor_flush_denormals_end(state) }
        return try body()
    }
}
