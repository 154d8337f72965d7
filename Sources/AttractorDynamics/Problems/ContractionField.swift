import AttractorNumerics

/// The smallest latent-dynamics problem: `dz/dt = tanh(W z + b) − z` with a seeded
/// Gaussian `W` rescaled to spectral norm `contraction` (< 1) and Gaussian `b`.
///
/// `F(z) = tanh(Wz + b)` is then a contraction (`‖J_F‖₂ ≤ ‖W‖₂ < 1`), so the
/// equilibrium `z* = F(z*)` is unique and every trajectory converges to it at rate at
/// least `1 − ‖W‖₂`. Rows are independent; one `gemm` per evaluation covers all rows.
/// Owns scratch space for the pre-activations (grown once if more rows are evaluated).
public final class ContractionField<Scalar: AttractorNumerics.Scalar>: JacobianVectorField {
    public let dimension: Int
    public var isAutonomous: Bool { true }
    /// `W`, `dimension × dimension`, row-major.
    public let weight: [Scalar]
    public let bias: [Scalar]
    /// The spectral norm `W` was scaled to.
    public let contraction: Double
    private var scratch: UnsafeMutablePointer<Scalar>
    private var scratchRows: Int

    /// A field with `W` drawn from `N(0, 1)` by `RandomSource(seed:)`, rescaled to spectral
    /// norm `contraction`, and `b ~ N(0, 0.5²)`.
    public init(dimension: Int, seed: UInt64, contraction: Double = 0.9) {
        precondition(dimension > 0, "ContractionField needs a positive dimension")
        self.dimension = dimension
        self.contraction = contraction
        let random = RandomSource(seed: seed)
        var w = [Double](repeating: 0, count: dimension * dimension)
        random.fillGaussian(&w)
        var b = [Double](repeating: 0, count: dimension)
        random.fillGaussian(&b, sigma: 0.5)
        let norm = ContractionField.spectralNorm(w, dimension: dimension)
        weight = w.map { Scalar($0 * contraction / norm) }
        bias = b.map { Scalar($0) }
        scratchRows = 1
        scratch = .allocate(capacity: dimension)
        scratch.initialize(repeating: 0, count: dimension)
    }

    deinit { scratch.deallocate() }

    /// A seeded initial state of `rows × dimension`, entries `N(0, 1)`.
    public func initialState(rows: Int, seed: UInt64) -> [Scalar] {
        var z = [Double](repeating: 0, count: rows * dimension)
        RandomSource(seed: RandomSource.mix(seed, 1)).fillGaussian(&z)
        return z.map { Scalar($0) }
    }

    public func evaluate(t: Scalar, state: UnsafePointer<Scalar>, derivative: UnsafeMutablePointer<Scalar>, rows: RowSelection) {
        let n = rows.count, d = dimension
        if n > scratchRows {
            scratch.deallocate()
            scratch = .allocate(capacity: n * d)
            scratchRows = n
        }
        // pre = z Wᵀ (rows × d), then f = tanh(pre + b) − z.
        weight.withUnsafeBufferPointer { w in
            Scalar.gemm(transposeA: false, transposeB: true, m: n, n: d, k: d, alpha: 1, a: state, lda: d,
                        b: w.baseAddress!, ldb: d, beta: 0, c: scratch, ldc: d)
        }
        bias.withUnsafeBufferPointer { b in
            for r in 0..<n {
                for c in 0..<d {
                    let e = r * d + c
                    derivative[e] = Scalar.tanh(scratch[e] + b[c]) - state[e]
                }
            }
        }
    }

    /// `J = diag(1 − tanh²(Wz + b)) W − I`.
    public func jacobian(t: Scalar, state: UnsafePointer<Scalar>, jacobian: UnsafeMutablePointer<Scalar>,
                         timeDerivative: UnsafeMutablePointer<Scalar>, row: Int) {
        let d = dimension
        for i in 0..<d {
            var pre = bias[i]
            for j in 0..<d { pre += weight[i * d + j] * state[j] }
            let s = Scalar.tanh(pre)
            for j in 0..<d { jacobian[i * d + j] = (1 - s * s) * weight[i * d + j] - (i == j ? 1 : 0) }
            timeDerivative[i] = 0
        }
    }

    /// Largest singular value by power iteration on `WᵀW`.
    static func spectralNorm(_ w: [Double], dimension d: Int) -> Double {
        var v = [Double](repeating: 1 / Double(d).squareRoot(), count: d)
        var sigma = 0.0
        for _ in 0..<500 {
            var u = [Double](repeating: 0, count: d)
            for i in 0..<d { for j in 0..<d { u[i] += w[i * d + j] * v[j] } }
            var x = [Double](repeating: 0, count: d)
            for j in 0..<d { for i in 0..<d { x[j] += w[i * d + j] * u[i] } }
            let norm = x.reduce(0) { $0 + $1 * $1 }.squareRoot()
            guard norm > 0 else { return 1 }
            let next = norm.squareRoot()
            for j in 0..<d { v[j] = x[j] / norm }
            if abs(next - sigma) <= 1e-13 * next { return next }
            sigma = next
        }
        return sigma
    }
}
