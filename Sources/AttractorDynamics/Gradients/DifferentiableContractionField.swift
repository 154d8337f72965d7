import AttractorNumerics

/// `dz/dt = tanh(W z + b) − z`, the continuous form of a contractive recurrent update
/// `z ← tanh(W z + b)`, with a hand-written vector–Jacobian product.
///
/// Parameters: `W [D, D]` then `b [D]`. With `‖W‖₂ < 1` the map is a contraction and
/// the field has one globally attracting equilibrium.
/// - Complexity: evaluate and VJP each cost one (two) `rows × D × D` gemm(s) plus O(rows·D).
public final class DifferentiableContractionField<Scalar: AttractorNumerics.Scalar>: DifferentiableVectorField {
    public let dimension: Int
    public let parameterLayout: ParameterLayout
    public var parameters: [Scalar] {
        didSet { precondition(parameters.count == parameterLayout.count, "contraction field: wrong parameter count") }
    }
    public var isAutonomous: Bool { true }
    private let preactivation = ScratchBuffer<Scalar>()

    /// A field with `W` (row-major `D × D`) and `b` (`D`).
    public init(weight: [Scalar], bias: [Scalar]) {
        precondition(weight.count == bias.count * bias.count, "W must be D × D for b of length D")
        dimension = bias.count
        parameterLayout = ParameterLayout([("W", [bias.count, bias.count]), ("b", [bias.count])])
        parameters = weight + bias
    }

    /// A random contraction: `W` Gaussian rescaled so that its Frobenius norm (an upper
    /// bound of the spectral norm) is `contraction`, `b` Gaussian with standard deviation 0.5.
    public convenience init(dimension: Int, contraction: Double = 0.8, seed: UInt64) {
        let rng = RandomSource(seed: seed)
        var w = [Double](repeating: 0, count: dimension * dimension)
        rng.fillGaussian(&w)
        let norm = w.reduce(0) { $0 + $1 * $1 }.squareRoot()
        var b = [Double](repeating: 0, count: dimension)
        rng.fillGaussian(&b, sigma: 0.5)
        self.init(weight: w.map { Scalar($0 * contraction / norm) }, bias: b.map { Scalar($0) })
    }

    /// `u = z Wᵀ + b` for `rows` rows into `u`.
    @inline(__always)
    private func computePreactivation(_ state: UnsafePointer<Scalar>, rows: Int, into u: UnsafeMutablePointer<Scalar>, _ theta: UnsafePointer<Scalar>) {
        let d = dimension
        for r in 0..<rows { (u + r * d).update(from: theta + d * d, count: d) }
        Scalar.gemm(transposeA: false, transposeB: true, m: rows, n: d, k: d, alpha: 1,
                    a: state, lda: d, b: theta, ldb: d, beta: 1, c: u, ldc: d)
    }

    public func evaluate(
        t: Scalar, state: UnsafePointer<Scalar>, derivative: UnsafeMutablePointer<Scalar>, rows: RowSelection
    ) {
        let n = rows.count * dimension
        parameters.withUnsafeBufferPointer { theta in
            computePreactivation(state, rows: rows.count, into: derivative, theta.baseAddress!)
        }
        for i in 0..<n { derivative[i] = Scalar.tanh(derivative[i]) - state[i] }
    }

    public func vectorJacobianProduct(
        t: Scalar, state: UnsafePointer<Scalar>, cotangent: UnsafePointer<Scalar>,
        stateCotangent: UnsafeMutablePointer<Scalar>, parameterGradient: UnsafeMutablePointer<Scalar>?,
        rows: RowSelection
    ) {
        let d = dimension, m = rows.count, n = m * d
        let s = preactivation.pointer(count: n)
        parameters.withUnsafeBufferPointer { thetaBuffer in
            let theta = thetaBuffer.baseAddress!
            computePreactivation(state, rows: m, into: s, theta)
            // s = a ⊙ (1 − tanh²u)
            for i in 0..<n { let y = Scalar.tanh(s[i]); s[i] = cotangent[i] * (1 - y * y) }
            // aᵀ∂f/∂z = s W − a
            Scalar.gemm(transposeA: false, transposeB: false, m: m, n: d, k: d, alpha: 1,
                        a: s, lda: d, b: theta, ldb: d, beta: 0, c: stateCotangent, ldc: d)
            for i in 0..<n { stateCotangent[i] -= cotangent[i] }
        }
        guard let g = parameterGradient else { return }
        // ∂/∂W += sᵀ z, ∂/∂b += Σ_rows s
        Scalar.gemm(transposeA: true, transposeB: false, m: d, n: d, k: m, alpha: 1,
                    a: s, lda: d, b: state, ldb: d, beta: 1, c: g, ldc: d)
        let gb = g + d * d
        for r in 0..<m { for j in 0..<d { gb[j] += s[r * d + j] } }
    }
}
