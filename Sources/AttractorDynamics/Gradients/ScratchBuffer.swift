import AttractorNumerics

/// A growable, uninitialised scratch allocation owned by a field or solver, so that
/// evaluations reuse memory instead of allocating. Not thread-safe.
final class ScratchBuffer<S: Scalar> {
    private(set) var capacity = 0
    private var storage: UnsafeMutablePointer<S>?

    init(capacity: Int = 0) { if capacity > 0 { _ = pointer(count: capacity) } }
    deinit { storage?.deallocate() }

    /// At least `count` scalars (contents unspecified after growth).
    @inline(__always)
    func pointer(count: Int) -> UnsafeMutablePointer<S> {
        if count > capacity || storage == nil {
            storage?.deallocate()
            storage = .allocate(capacity: max(count, 1))
            capacity = max(count, 1)
        }
        return storage!
    }
}
