import AttractorDynamics
import AttractorNumerics

/// The affine map `F(z) = A z + c` (one `A`, `c` for every row), with exact JVPs and
/// VJPs: the system with a known answer for every diagnostic (`J = A`, spectral
/// radius `ρ(A)`, largest Lyapunov exponent `log ρ(A)`, one fixed point
/// `(I − A)⁻¹c` when `1 ∉ λ(A)`).
/// - Complexity: one `rows × D × D` gemm per apply, JVP or VJP.
public final class LinearLatentMap<Scalar: AttractorNumerics.Scalar>: LatentMap {
    public let dimension: Int
    /// `A`, `D × D` row-major.
    public let matrix: [Scalar]
    public let offset: [Scalar]
    public let isContinuous: Bool
    public var hasExactJacobianVectorProduct: Bool { true }

    /// `matrix` is `D × D` row-major, `offset` has `D` entries (nil: zero).
    public init(matrix: [Scalar], offset: [Scalar]? = nil, isContinuous: Bool = false) throws(StabilityError) {
        let d = Int(Double(matrix.count).squareRoot().rounded())
        guard d > 0, d * d == matrix.count else {
            throw .invalidArgument("linear map: matrix must be D × D, got \(matrix.count) entries")
        }
        let c = offset ?? [Scalar](repeating: 0, count: d)
        guard c.count == d else { throw .invalidArgument("linear map: offset must have \(d) entries, got \(c.count)") }
        dimension = d
        self.matrix = matrix
        self.offset = c
        self.isContinuous = isContinuous
    }

    private func multiply(_ x: UnsafePointer<Scalar>, _ y: UnsafeMutablePointer<Scalar>, rows: Int, transpose: Bool) {
        let d = dimension
        matrix.withUnsafeBufferPointer { a in
            // Row-major rows × D: y = x Aᵀ (F = A z per row), or y = x A (aᵀA per row).
            Scalar.gemm(transposeA: false, transposeB: !transpose, m: rows, n: d, k: d, alpha: 1,
                        a: x, lda: d, b: a.baseAddress!, ldb: d, beta: 0, c: y, ldc: d)
        }
    }

    public func apply(state: UnsafePointer<Scalar>, image: UnsafeMutablePointer<Scalar>, rows: RowSelection) {
        multiply(state, image, rows: rows.count, transpose: false)
        let d = dimension
        for r in 0..<rows.count { for c in 0..<d { image[r * d + c] += offset[c] } }
    }

    public func jacobianVectorProduct(
        state: UnsafePointer<Scalar>, tangent: UnsafePointer<Scalar>, product: UnsafeMutablePointer<Scalar>,
        rows: RowSelection
    ) { multiply(tangent, product, rows: rows.count, transpose: false) }

    public func vectorJacobianProduct(
        state: UnsafePointer<Scalar>, cotangent: UnsafePointer<Scalar>, product: UnsafeMutablePointer<Scalar>,
        rows: RowSelection
    ) { multiply(cotangent, product, rows: rows.count, transpose: true) }
}
