import AttractorNumerics

/// Small fused loops over unsafe buffers used by the schedules (no allocation).
enum VectorKernels {
    @inline(__always)
    static func add<T: Scalar>(_ a: UnsafePointer<T>, _ b: UnsafePointer<T>, into y: UnsafeMutablePointer<T>, count n: Int) {
        for i in 0..<n { y[i] = a[i] + b[i] }
    }

    /// `y ← y + α·x`.
    @inline(__always)
    static func axpy<T: Scalar>(_ alpha: T, _ x: UnsafePointer<T>, _ y: UnsafeMutablePointer<T>, count n: Int) {
        for i in 0..<n { y[i] += alpha * x[i] }
    }

    /// `y ← y + x`.
    @inline(__always)
    static func accumulate<T: Scalar>(_ x: UnsafePointer<T>, into y: UnsafeMutablePointer<T>, count n: Int) {
        for i in 0..<n { y[i] += x[i] }
    }

    @inline(__always)
    static func copy<T: Scalar>(_ x: UnsafePointer<T>, _ y: UnsafeMutablePointer<T>, count n: Int) {
        y.update(from: x, count: n)
    }

    @inline(__always)
    static func dot<T: Scalar>(_ x: UnsafePointer<T>, _ y: UnsafePointer<T>, count n: Int) -> Double {
        var a0: T = 0, a1: T = 0
        var i = 0
        while i + 2 <= n { a0 += x[i] * y[i]; a1 += x[i + 1] * y[i + 1]; i += 2 }
        if i < n { a0 += x[i] * y[i] }
        return Double(a0) + Double(a1)
    }

    @inline(__always)
    static func isFinite<T: Scalar>(_ x: UnsafePointer<T>, count n: Int) -> Bool {
        for i in 0..<n where !x[i].isFinite { return false }
        return true
    }
}
