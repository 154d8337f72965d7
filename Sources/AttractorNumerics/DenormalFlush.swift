import CKernels
#if canImport(Glibc)
import Glibc
#endif

/// Runs work with denormal floats flushed to zero on the calling thread (x86 FTZ + DAZ),
/// restoring the thread's previous mode afterwards. The training step and batched inference
/// run inside it on every worker: denormal operands cost the FMA units about a hundred cycles
/// each, and trained networks produce them (a training step slowed by a third after a few
/// dozen steps without it). Every worker uses the same mode, so results stay independent of
/// the thread count.
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
