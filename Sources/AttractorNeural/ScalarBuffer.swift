import AttractorNumerics

/// A fixed-size, 64-byte-aligned, zero-initialised buffer of scalars that owns its memory.
///
/// Workspaces and parameter stores are built from these: they are allocated once, at
/// construction, and reused by every forward/backward pass, so the hot path never calls
/// `malloc`. Reference type: copies share storage.
public final class ScalarBuffer<T: Scalar>: @unchecked Sendable {
    /// Number of scalars.
    public let count: Int
    /// Start of the storage (valid for `count` scalars while the buffer lives).
    public let pointer: UnsafeMutablePointer<T>

    /// Allocates `count` scalars, all zero.
    public init(count: Int) {
        precondition(count >= 0, "ScalarBuffer count must be non-negative")
        self.count = count
        let raw = UnsafeMutableRawPointer.allocate(
            byteCount: Swift.max(1, count) * MemoryLayout<T>.stride, alignment: 64)
        pointer = raw.bindMemory(to: T.self, capacity: Swift.max(1, count))
        pointer.initialize(repeating: 0, count: Swift.max(1, count))
    }

    deinit { UnsafeMutableRawPointer(pointer).deallocate() }

    /// The storage as a buffer pointer.
    @inlinable public var buffer: UnsafeMutableBufferPointer<T> {
        UnsafeMutableBufferPointer(start: pointer, count: count)
    }

    /// Sets every scalar to `value`. - Complexity: O(count).
    public func fill(_ value: T) { pointer.update(repeating: value, count: count) }

    /// A copy of the contents as an array (allocates; for tests and I/O).
    public var array: [T] { Array(buffer) }

    /// Copies `values` (same count) into the buffer.
    public func assign(_ values: [T]) {
        precondition(values.count == count, "assign: expected \(count) scalars, got \(values.count)")
        values.withUnsafeBufferPointer { pointer.update(from: $0.baseAddress!, count: count) }
    }
}
