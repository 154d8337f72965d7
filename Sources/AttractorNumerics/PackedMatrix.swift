import CGSL
import CKernels

/// The right operand `B [k × n]` of `C = A·B`, prepared once for products that reuse it many
/// times — a network's weights, multiplied at every stage of every solver step.
///
/// On CPUs with AVX-512 (and `n` a multiple of 16) `B` is packed into 32-column panels and the
/// product runs a hand-written kernel (`CKernels/packed_gemm.c`): 8 rows × 32 columns of `C`
/// in registers over the whole `k`, then a fused epilogue — bias, `tanh` or the `tanh`
/// derivative factor — before the one store. Small products (64 × 256 × 64) reach about 110
/// GFLOP/s on one core here, against about 88 for OpenBLAS's `sgemm`, and the bias and
/// activation passes over `C` disappear. Elsewhere `B` is kept in row-major order and the
/// same product runs on `Float.gemm` (Attractor's general kernels, `CKernels/sgemm.c`) plus
/// separate passes. Both paths give the same result
/// up to rounding.
///
/// Not thread-safe to `pack` while another thread multiplies; concurrent `multiply` calls
/// with disjoint outputs are fine.
public final class PackedMatrix: @unchecked Sendable {
    public enum Path: String, Sendable, CaseIterable {
        /// Packed panels and the AVX-512 kernel.
        case avx512
        /// Row-major copy and `Float.gemm` (formerly OpenBLAS `sgemm`, hence the name).
        case blas
    }

    /// What happens to `A·B + bias` before it is stored.
    public enum Epilogue {
        case identity
        /// `tanh(x)`.
        case tanh
        /// `x · (1 − t²)` with `t [m × n]` (leading dimension `ldt`): the chain rule through
        /// `tanh`, given the activation `t` it produced.
        case tanhDerivative(activation: UnsafePointer<Float>, ldt: Int)
    }

    /// Whether the AVX-512 kernel can run on this CPU.
    public static let isAVX512Available = attractor_cpu_has_avx512f() != 0 && attractor_cpu_has_avx2_fma() != 0

    /// Rows of `B` (the inner dimension of the product).
    public let k: Int
    /// Columns of `B` and `C`.
    public let n: Int
    public let path: Path
    private let storage: UnsafeMutablePointer<Float>

    /// Space for a `k × n` operand. `path` nil picks the AVX-512 kernel when it can run
    /// (`n` a multiple of 16 on an AVX-512 CPU), else BLAS; asking for `.avx512` where it
    /// cannot run gives BLAS.
    public init(k: Int, n: Int, path: Path? = nil) {
        precondition(k > 0 && n > 0, "PackedMatrix: k and n must be positive (got \(k), \(n))")
        self.k = k
        self.n = n
        let kernelFits = Self.isAVX512Available && n % 16 == 0
        self.path = (path ?? .avx512) == .avx512 && kernelFits ? .avx512 : .blas
        storage = .allocate(capacity: k * n)
        storage.initialize(repeating: 0, count: k * n)
    }

    deinit { storage.deallocate() }

    /// Copies `B` in: `transposed == false` reads `B[i][j] = b[i·ldb + j]` (`b` is `k × n`);
    /// `transposed == true` reads `B[i][j] = b[j·ldb + i]` (`b` is `n × k`, as a PyTorch
    /// `Linear` weight, so the product is `A·bᵀ`).
    public func pack(_ b: UnsafePointer<Float>, ldb: Int, transposed: Bool) {
        precondition(ldb >= (transposed ? k : n), "PackedMatrix.pack: leading dimension \(ldb) too small")
        switch path {
        case .avx512:
            attractor_sgemm_pack_b(b, ldb, transposed ? 1 : 0, k, n, storage)
        case .blas:
            for i in 0..<k {
                for j in 0..<n { storage[i * n + j] = transposed ? b[j * ldb + i] : b[i * ldb + j] }
            }
        }
    }

    /// `C[m × n] = epilogue(A[m × k]·B + bias)`, row-major, `bias` of length `n` or nil.
    public func multiply(
        m: Int, a: UnsafePointer<Float>, lda: Int, bias: UnsafePointer<Float>? = nil, epilogue: Epilogue = .identity,
        c: UnsafeMutablePointer<Float>, ldc: Int
    ) {
        precondition(m >= 0 && lda >= k && ldc >= n, "PackedMatrix.multiply: bad shape (m \(m), lda \(lda), ldc \(ldc))")
        if m == 0 { return }
        switch path {
        case .avx512:
            switch epilogue {
            case .identity:
                attractor_sgemm_packed_avx512(m, n, k, a, lda, storage, bias, Int32(ATTRACTOR_EPILOGUE_NONE), nil, 0, c, ldc)
            case .tanh:
                attractor_sgemm_packed_avx512(m, n, k, a, lda, storage, bias, Int32(ATTRACTOR_EPILOGUE_TANH), nil, 0, c, ldc)
            case .tanhDerivative(let t, let ldt):
                precondition(ldt >= n, "PackedMatrix.multiply: activation leading dimension \(ldt) too small")
                attractor_sgemm_packed_avx512(m, n, k, a, lda, storage, bias, Int32(ATTRACTOR_EPILOGUE_TANH_DERIVATIVE),
                                              t, ldt, c, ldc)
            }
        case .blas:
            for r in 0..<m {
                if let bias { (c + r * ldc).update(from: bias, count: n) } else { (c + r * ldc).update(repeating: 0, count: n) }
            }
            Float.gemm(transposeA: false, transposeB: false, m: m, n: n, k: k, alpha: 1, a: a, lda: lda,
                       b: storage, ldb: n, beta: 1, c: c, ldc: ldc)
            switch epilogue {
            case .identity: break
            case .tanh:
                for r in 0..<m { TanhKernel.apply(c + r * ldc, count: n) }
            case .tanhDerivative(let t, let ldt):
                precondition(ldt >= n, "PackedMatrix.multiply: activation leading dimension \(ldt) too small")
                for r in 0..<m {
                    for j in 0..<n { let v = t[r * ldt + j]; c[r * ldc + j] *= 1 - v * v }
                }
            }
        }
    }

    /// `C[m × n] += Aᵀ·B` with `A [k × m]` and `B [k × n]` read in place (row-major): a layer's
    /// weight gradient, summed over the batch rows. AVX-512 kernel when `n` is a multiple of
    /// 16 on an AVX-512 CPU (`path` nil or `.avx512`), else `Float.gemm`.
    public static func accumulateTransposedProduct(
        m: Int, n: Int, k: Int, a: UnsafePointer<Float>, lda: Int, b: UnsafePointer<Float>, ldb: Int,
        c: UnsafeMutablePointer<Float>, ldc: Int, path: Path? = nil
    ) {
        precondition(m >= 0 && n >= 0 && k >= 0 && lda >= m && ldb >= n && ldc >= n,
                     "PackedMatrix.accumulateTransposedProduct: bad shape")
        if m == 0 || n == 0 || k == 0 { return }
        if (path ?? .avx512) == .avx512 && isAVX512Available && n % 16 == 0 {
            attractor_sgemm_tn_accumulate_avx512(m, n, k, a, lda, b, ldb, c, ldc)
        } else {
            Float.gemm(transposeA: true, transposeB: false, m: m, n: n, k: k, alpha: 1, a: a, lda: lda,
                       b: b, ldb: ldb, beta: 1, c: c, ldc: ldc)
        }
    }

    /// `out[j] += Σ_r A[r][j]` over `m` rows and `n` columns (row-major, leading dimension
    /// `lda`): a bias gradient, summed over the batch, in one pass.
    public static func accumulateColumnSums(m: Int, n: Int, a: UnsafePointer<Float>, lda: Int, into out: UnsafeMutablePointer<Float>) {
        precondition(m >= 0 && n >= 0 && lda >= n, "PackedMatrix.accumulateColumnSums: bad shape")
        attractor_add_column_sums_f32(m, n, a, lda, out)
    }
}
