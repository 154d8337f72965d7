import CGSL
import CKernels
import RealModule

/// The floating-point types Attractor computes in: `Float` (networks) and `Double`
/// (classical problems, gradient checks). Generic code is written once against this
/// protocol; BLAS-backed operations dispatch to the `s`/`d` CBLAS routines.
public protocol Scalar: Real, BinaryFloatingPoint, Sendable, CustomStringConvertible
where Self.RawSignificand: FixedWidthInteger {
    /// `C ← α·op(A)·op(B) + β·C`, row-major. `op(X)` is `Xᵀ` when the flag is set. `β = 0`
    /// does not read `C`.
    /// - Complexity: `2·m·n·k` floating-point operations (`Float`: Attractor's own kernels,
    ///   `CKernels/sgemm.c`, on `KernelPath.current`; `Double`: OpenBLAS).
    static func gemm(
        transposeA: Bool, transposeB: Bool, m: Int, n: Int, k: Int,
        alpha: Self, a: UnsafePointer<Self>, lda: Int,
        b: UnsafePointer<Self>, ldb: Int,
        beta: Self, c: UnsafeMutablePointer<Self>, ldc: Int)
    /// `y ← α·op(A)·x + β·y`, row-major `A` of `m × n`.
    static func gemv(
        transpose: Bool, m: Int, n: Int, alpha: Self, a: UnsafePointer<Self>, lda: Int,
        x: UnsafePointer<Self>, beta: Self, y: UnsafeMutablePointer<Self>)
    /// `y ← α·x + y` over `n` contiguous elements.
    static func axpy(n: Int, alpha: Self, x: UnsafePointer<Self>, y: UnsafeMutablePointer<Self>)
    /// `xᵀy` over `n` contiguous elements.
    static func dot(n: Int, x: UnsafePointer<Self>, y: UnsafePointer<Self>) -> Self
    /// Euclidean norm of `n` contiguous elements (overflow-safe, BLAS `nrm2`).
    static func nrm2(n: Int, x: UnsafePointer<Self>) -> Self
    /// Name used in file formats and reports (`"F32"`, `"F64"`).
    static var dtypeName: String { get }
}

@inline(__always)
private func cblasTranspose(_ t: Bool) -> CBLAS_TRANSPOSE { t ? CblasTrans : CblasNoTrans }

extension Float: Scalar {
    @inlinable public static var dtypeName: String { "F32" }
    public static func gemm(
        transposeA: Bool, transposeB: Bool, m: Int, n: Int, k: Int,
        alpha: Float, a: UnsafePointer<Float>, lda: Int,
        b: UnsafePointer<Float>, ldb: Int,
        beta: Float, c: UnsafeMutablePointer<Float>, ldc: Int
    ) {
        // Our blocked kernels (OpenBLAS 0.3.21 runs its Prescott kernels on this CPU class):
        // deterministic per element, so a batch split across threads gives bit-identical
        // results. They fail only if the per-thread packing buffers cannot be allocated.
        _ = KernelPath.environmentChoice
        assert(m >= 0 && n >= 0 && k >= 0 && ldc >= max(n, 1), "Float.gemm: bad shape")
        if attractor_sgemm(transposeA ? 1 : 0, transposeB ? 1 : 0, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc) == 0 {
            return
        }
        cblas_sgemm(CblasRowMajor, cblasTranspose(transposeA), cblasTranspose(transposeB),
                    blasint(m), blasint(n), blasint(k), alpha, a, blasint(lda), b, blasint(ldb),
                    beta, c, blasint(ldc))
    }
    public static func gemv(
        transpose: Bool, m: Int, n: Int, alpha: Float, a: UnsafePointer<Float>, lda: Int,
        x: UnsafePointer<Float>, beta: Float, y: UnsafeMutablePointer<Float>
    ) {
        cblas_sgemv(CblasRowMajor, cblasTranspose(transpose), blasint(m), blasint(n), alpha,
                    a, blasint(lda), x, 1, beta, y, 1)
    }
    /// A plain loop, not `cblas_saxpy`: OpenBLAS splits a long `saxpy` over its own thread
    /// pool, whose workers then spin beside the caller's threads. On the damped CMM step
    /// (331 776-element states) that doubled the CPU time of a `--threads 1` training run.
    /// Elementwise (a multiply, then an add, as the SSE kernel does), so no order changes.
    public static func axpy(n: Int, alpha: Float, x: UnsafePointer<Float>, y: UnsafeMutablePointer<Float>) {
        for i in 0..<n { y[i] += alpha * x[i] }
    }
    public static func dot(n: Int, x: UnsafePointer<Float>, y: UnsafePointer<Float>) -> Float {
        cblas_sdot(blasint(n), x, 1, y, 1)
    }
    public static func nrm2(n: Int, x: UnsafePointer<Float>) -> Float {
        cblas_snrm2(blasint(n), x, 1)
    }
}

extension Double: Scalar {
    @inlinable public static var dtypeName: String { "F64" }
    public static func gemm(
        transposeA: Bool, transposeB: Bool, m: Int, n: Int, k: Int,
        alpha: Double, a: UnsafePointer<Double>, lda: Int,
        b: UnsafePointer<Double>, ldb: Int,
        beta: Double, c: UnsafeMutablePointer<Double>, ldc: Int
    ) {
        cblas_dgemm(CblasRowMajor, cblasTranspose(transposeA), cblasTranspose(transposeB),
                    blasint(m), blasint(n), blasint(k), alpha, a, blasint(lda), b, blasint(ldb),
                    beta, c, blasint(ldc))
    }
    public static func gemv(
        transpose: Bool, m: Int, n: Int, alpha: Double, a: UnsafePointer<Double>, lda: Int,
        x: UnsafePointer<Double>, beta: Double, y: UnsafeMutablePointer<Double>
    ) {
        cblas_dgemv(CblasRowMajor, cblasTranspose(transpose), blasint(m), blasint(n), alpha,
                    a, blasint(lda), x, 1, beta, y, 1)
    }
    public static func axpy(n: Int, alpha: Double, x: UnsafePointer<Double>, y: UnsafeMutablePointer<Double>) {
        cblas_daxpy(blasint(n), alpha, x, 1, y, 1)
    }
    public static func dot(n: Int, x: UnsafePointer<Double>, y: UnsafePointer<Double>) -> Double {
        cblas_ddot(blasint(n), x, 1, y, 1)
    }
    public static func nrm2(n: Int, x: UnsafePointer<Double>) -> Double {
        cblas_dnrm2(blasint(n), x, 1)
    }
}
