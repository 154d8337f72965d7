import AttractorNumerics

/// A linear operator `G` on `ℝⁿ` that is **strongly monotone**, `⟨Gz, z⟩ ≥ m‖z‖²` for every
/// `z` (its symmetric part is `⪰ m·I`), with `‖G‖₂ ≤ L`.
///
/// This is the structure of a monotone-operator equilibrium model (Winston & Kolter, 2020):
/// for any proximal map `σ` (the resolvent of a convex function's subdifferential: ReLU, a
/// clip to a box, the identity) the inclusion `0 ∈ Gz − u + ∂f(z)`, equivalently the fixed
/// point `z = σ(z − α(Gz − u))` for any `α > 0`, has **exactly one** solution for every input
/// `u`. `G` may have an unbounded skew-symmetric part; only its symmetric part is bounded
/// below. `ForwardBackwardField` iterates and integrates to that solution.
public protocol MonotoneLinearOperator<Scalar> {
    associatedtype Scalar: AttractorNumerics.Scalar
    /// `n`, the length of one state row.
    var dimension: Int { get }
    /// `m > 0` with `⟨Gz, z⟩ ≥ m‖z‖²`.
    var strongMonotonicity: Double { get }
    /// `L ≥ ‖G‖₂`, an upper bound (not an estimate).
    var lipschitzBound: Double { get }
    /// Whether `G = Gᵀ` (the forward–backward map then contracts by `max(|1 − αm|, |1 − αL|)`
    /// instead of `√(1 − 2αm + α²L²)`).
    var isSymmetric: Bool { get }
    /// Writes `G z` for one row `z` (`dimension` scalars) into `out` (not aliasing `z`).
    func apply(_ z: UnsafePointer<Scalar>, into out: UnsafeMutablePointer<Scalar>)
}

/// The proximal map `σ = prox_f` of a forward–backward step, applied componentwise: the
/// resolvent of a convex `f`'s subdifferential, so 1-Lipschitz and monotone.
public enum ProximalMap: Sendable, Equatable, CustomStringConvertible {
    /// `f = 0`: the fixed point solves the linear system `Gz = u`.
    case identity
    /// `f` the indicator of `z ≥ 0`: ReLU, the monotone-operator network's activation.
    case nonnegative
    /// `f` the indicator of `[lower, upper]` componentwise: a clip.
    case box(lower: Double, upper: Double)

    @inlinable
    public func apply<T: Scalar>(_ x: T) -> T {
        switch self {
        case .identity: return x
        case .nonnegative: return x > 0 ? x : 0
        case let .box(lower, upper): return min(max(x, T(lower)), T(upper))
        }
    }

    public var description: String {
        switch self {
        case .identity: return "identity"
        case .nonnegative: return "ReLU"
        case let .box(lower, upper): return "clip to [\(lower), \(upper)]"
        }
    }
}

/// `G = AᵀA + m·I + S − Sᵀ` from any real `A` (`k × n`) and `S` (`n × n`): strongly monotone
/// with constant `m` by construction (`⟨(S − Sᵀ)z, z⟩ = 0`), the parameterisation of a
/// monotone-operator network — no constraint on `A` or `S`, so nothing has to be projected.
/// Dense and row-major; `L = ‖A‖₂² + m + 2‖S‖₂` with each norm bounded from above by
/// `SpectralNormBound.upperBound`.
public struct DenseMonotoneOperator<Scalar: AttractorNumerics.Scalar>: MonotoneLinearOperator {
    public let dimension: Int
    public let strongMonotonicity: Double
    public let lipschitzBound: Double
    public let isSymmetric: Bool
    /// `G`, `dimension × dimension`, row-major.
    public let matrix: [Scalar]

    /// - Parameters:
    ///   - a: `A`, `rows × dimension` row-major (`rows = a.count / dimension`).
    ///   - skew: `S`, `dimension × dimension` row-major, or nil for a symmetric `G`.
    /// - Throws: `SolverError.invalidOption` for `m ≤ 0` or non-finite `m`;
    ///   `SolverError.dimensionMismatch` for matrices of the wrong size.
    public init(a: [Double], skew: [Double]? = nil, dimension n: Int, strongMonotonicity m: Double) throws(SolverError) {
        guard n > 0 else { throw .invalidOption("a monotone operator needs a positive dimension, got \(n)") }
        guard m > 0, m.isFinite else {
            throw .invalidOption("strong monotonicity m must be positive and finite, got \(m)")
        }
        guard !a.isEmpty, a.count % n == 0 else {
            throw .dimensionMismatch(expected: n, got: a.count, what: "A (a multiple of the dimension)")
        }
        if let skew, skew.count != n * n {
            throw .dimensionMismatch(expected: n * n, got: skew.count, what: "S")
        }
        let k = a.count / n
        var g = [Double](repeating: 0, count: n * n)
        for i in 0..<n {
            for j in 0..<n {
                var s = 0.0
                for r in 0..<k { s += a[r * n + i] * a[r * n + j] }
                g[i * n + j] = s + (i == j ? m : 0) + (skew.map { $0[i * n + j] - $0[j * n + i] } ?? 0)
            }
        }
        let normA = SpectralNormBound.upperBound(a, rows: k, columns: n)
        let normS = skew.map { SpectralNormBound.upperBound($0, rows: n, columns: n) } ?? 0
        dimension = n
        strongMonotonicity = m
        lipschitzBound = normA * normA + m + 2 * normS
        isSymmetric = skew == nil
        matrix = g.map { Scalar($0) }
    }

    public func apply(_ z: UnsafePointer<Scalar>, into out: UnsafeMutablePointer<Scalar>) {
        matrix.withUnsafeBufferPointer { g in
            for i in 0..<dimension {
                var s: Scalar = 0
                for j in 0..<dimension { s += g[i * dimension + j] * z[j] }
                out[i] = s
            }
        }
    }
}
