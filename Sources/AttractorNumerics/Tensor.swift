/// A contiguous, row-major array of scalars with a shape.
///
/// Value semantics (copy-on-write through `Array`). Hot loops reach the storage through
/// `withUnsafeBufferPointer` / `withUnsafeMutableBufferPointer`.
public struct Tensor<T: Scalar>: Equatable, Sendable {
    public private(set) var shape: [Int]
    public var scalars: [T]

    /// A tensor of `shape` filled with `value`.
    public init(shape: [Int], repeating value: T = 0) {
        precondition(shape.allSatisfy { $0 >= 0 }, "Tensor shape must be non-negative: \(shape)")
        self.shape = shape
        self.scalars = Array(repeating: value, count: shape.reduce(1, *))
    }

    /// A tensor of `shape` over `scalars` (count must match).
    public init(shape: [Int], scalars: [T]) {
        precondition(shape.reduce(1, *) == scalars.count,
                     "Tensor shape \(shape) needs \(shape.reduce(1, *)) scalars, got \(scalars.count)")
        self.shape = shape
        self.scalars = scalars
    }

    /// Number of scalars.
    @inlinable public var count: Int { scalars.count }
    /// Number of dimensions.
    @inlinable public var rank: Int { shape.count }

    /// Reinterprets the same scalars with another shape of equal element count.
    public func reshaped(_ newShape: [Int]) -> Tensor {
        Tensor(shape: newShape, scalars: scalars)
    }

    /// Row `i` of a rank-2 tensor.
    public func row(_ i: Int) -> ArraySlice<T> {
        precondition(rank == 2, "row(_:) needs a rank-2 tensor")
        let d = shape[1]
        return scalars[(i * d)..<((i + 1) * d)]
    }

    @inlinable public subscript(flat i: Int) -> T {
        get { scalars[i] }
        set { scalars[i] = newValue }
    }

    @inlinable public subscript(i: Int, j: Int) -> T {
        get { scalars[i * shape[1] + j] }
        set { scalars[i * shape[1] + j] = newValue }
    }

    public func withUnsafeBufferPointer<R>(_ body: (UnsafeBufferPointer<T>) throws -> R) rethrows -> R {
        try scalars.withUnsafeBufferPointer(body)
    }

    public mutating func withUnsafeMutableBufferPointer<R>(
        _ body: (inout UnsafeMutableBufferPointer<T>) throws -> R
    ) rethrows -> R {
        try scalars.withUnsafeMutableBufferPointer(body)
    }

    /// Converts the element type (e.g. a Float network state to Double for checks).
    public func converted<U: Scalar>(to: U.Type = U.self) -> Tensor<U> {
        Tensor<U>(shape: shape, scalars: scalars.map { U($0) })
    }
}

extension Tensor {
    /// Largest absolute difference to `other` (same shape required).
    public func maxAbsoluteDifference(_ other: Tensor) -> T {
        precondition(shape == other.shape, "shape mismatch \(shape) vs \(other.shape)")
        var m: T = 0
        for i in 0..<count { m = Swift.max(m, abs(scalars[i] - other.scalars[i])) }
        return m
    }

    /// Euclidean norm of all scalars.
    public var norm: T {
        scalars.withUnsafeBufferPointer { T.nrm2(n: $0.count, x: $0.baseAddress!) }
    }
}
