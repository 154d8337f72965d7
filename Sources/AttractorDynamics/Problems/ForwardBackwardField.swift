import AttractorNumerics
import Foundation

/// The equilibrium of a monotone-operator model as continuous dynamics:
///
///     T(z) = σ(z − α(Gz − u)),        dz/dt = T(z) − z,
///
/// with `G` strongly monotone (`MonotoneLinearOperator`, constant `m`, `‖G‖₂ ≤ L`), `σ` a
/// proximal map and `u` a per-row input. `T` is one forward–backward splitting step; its fixed
/// points are the solutions of `0 ∈ Gz − u + ∂f(z)` whatever `α`, and there is exactly one.
/// For `α` in the certified range `T` is a contraction of the Euclidean norm with factor
///
///     q = max(|1 − αm|, |1 − αL|)     (G symmetric; any 0 < α < 2/L)
///     q = √(1 − 2αm + α²L²)           (general; any 0 < α < 2m/L²)
///
/// (`σ` is non-expansive and `I − αG` has that norm), so the iteration `z ← T(z)` (Euler with
/// step 1 on the flow) converges to the equilibrium from every start at rate `q`, and the flow
/// does at rate `1 − q`: the equilibrium is unique and globally exponentially stable, and
/// `‖z − z*‖ ≤ ‖T(z) − z‖ / (1 − q)` for any `z`. The default `α` minimises `q`: `2/(m + L)`
/// (symmetric, `q = (L − m)/(L + m)`) or `m/L²` (general, `q = √(1 − m²/L²)`).
///
/// Rows are independent and share `G`; a class because it owns scratch space (one row).
public final class ForwardBackwardField<Operator: MonotoneLinearOperator>: VectorField {
    public typealias Scalar = Operator.Scalar
    public let monotone: Operator
    public let proximal: ProximalMap
    /// `u`: one row per state row (`inputRows × dimension`); a single row is shared by all.
    public let input: [Scalar]
    public let inputRows: Int
    /// `α`, the forward step.
    public let stepSize: Double
    /// The certified contraction factor `q < 1` of `T` in the Euclidean norm.
    public let contractionFactor: Double
    @usableFromInline let scratch: UnsafeMutablePointer<Scalar>

    public var dimension: Int { monotone.dimension }
    public var isAutonomous: Bool { true }

    /// - Parameters:
    ///   - input: `u`, `dimension` scalars (shared by every row) or one row per state row.
    ///   - stepSize: `α`; nil picks the one that minimises the certified factor.
    /// - Throws: `SolverError.invalidOption` when `m`, `L` or `α` leave no certified
    ///   contraction (`m ≤ 0`, `L < m`, `α` outside the range above, or a box with
    ///   `lower > upper`); `SolverError.dimensionMismatch` when `input` is not whole rows.
    public init(_ monotone: Operator, input: [Scalar], proximal: ProximalMap = .nonnegative,
                stepSize: Double? = nil) throws(SolverError) {
        let n = monotone.dimension, m = monotone.strongMonotonicity, l = monotone.lipschitzBound
        guard n > 0, !input.isEmpty, input.count % n == 0 else {
            throw .dimensionMismatch(expected: n, got: input.count, what: "input u (whole rows)")
        }
        guard m > 0, m.isFinite, l.isFinite, l >= m else {
            throw .invalidOption("a monotone operator needs 0 < m ≤ L < ∞, got m = \(m), L = \(l)")
        }
        if case let .box(lower, upper) = proximal, !(lower <= upper) {
            throw .invalidOption("the box [\(lower), \(upper)] is empty")
        }
        let alpha = stepSize ?? (monotone.isSymmetric ? 2 / (m + l) : m / (l * l))
        let q = monotone.isSymmetric
            ? max(abs(1 - alpha * m), abs(1 - alpha * l))
            : (max(0, 1 - 2 * alpha * m + alpha * alpha * l * l)).squareRoot()
        guard alpha > 0, alpha.isFinite, q < 1 else {
            let range = monotone.isSymmetric ? "(0, 2/L) = (0, \(2 / l))" : "(0, 2m/L²) = (0, \(2 * m / (l * l)))"
            throw .invalidOption("step size α = \(alpha) gives no certified contraction; it must lie in \(range)")
        }
        self.monotone = monotone
        self.proximal = proximal
        self.input = input
        inputRows = input.count / n
        self.stepSize = alpha
        contractionFactor = q
        scratch = .allocate(capacity: n)
        scratch.initialize(repeating: 0, count: n)
    }

    deinit { scratch.deallocate() }

    /// `T(z)` for one row `z` whose input is row `inputRow` of `u`; `out` may alias `z`.
    @inlinable
    public func map(_ z: UnsafePointer<Scalar>, inputRow: Int, into out: UnsafeMutablePointer<Scalar>) {
        let n = dimension
        monotone.apply(z, into: scratch)
        let alpha = Scalar(stepSize)
        input.withUnsafeBufferPointer { u in
            let row = u.baseAddress! + (inputRows == 1 ? 0 : inputRow) * n
            for i in 0..<n { out[i] = proximal.apply(z[i] - alpha * (scratch[i] - row[i])) }
        }
    }

    @inlinable
    public func evaluate(t: Scalar, state: UnsafePointer<Scalar>, derivative: UnsafeMutablePointer<Scalar>,
                         rows: RowSelection) {
        let n = dimension
        for r in 0..<rows.count {
            let z = state + r * n, f = derivative + r * n
            map(z, inputRow: rows.originalRow(r), into: f)
            for i in 0..<n { f[i] -= z[i] }
        }
    }

    /// The outcome of `iterate`.
    public struct Iteration: Sendable {
        /// The final iterates, `rows × dimension`.
        public var state: [Scalar]
        /// Iterations each row took (it stops once its step is within the tolerance).
        public var iterations: [Int]
        /// `‖T(z) − z‖₂` of each row's last step.
        public var lastStep: [Double]
        /// A certified bound on each row's distance to the equilibrium, `q/(1 − q)·‖last step‖`.
        public var errorBound: [Double]
        /// Whether every row met the tolerance.
        public var converged: Bool

        @inlinable
        init(state: [Scalar], iterations: [Int], lastStep: [Double], errorBound: [Double], converged: Bool) {
            self.state = state
            self.iterations = iterations
            self.lastStep = lastStep
            self.errorBound = errorBound
            self.converged = converged
        }
    }

    /// The fixed-point iteration `z ← T(z)` (forward–backward splitting; Euler with step 1 on
    /// the flow) from `start` (`rows × dimension`), per row until `‖T(z) − z‖₂ ≤ tolerance` or
    /// `maximumIterations`.
    /// - Throws: `SolverError.dimensionMismatch` when `start` is not whole rows (or has more
    ///   rows than a per-row input), `SolverError.nonFiniteState` on NaN or ±Inf.
    @inlinable
    public func iterate(from start: [Scalar], tolerance: Double = 1e-10,
                        maximumIterations: Int = 100_000) throws(SolverError) -> Iteration {
        let n = dimension
        guard start.count % n == 0, !start.isEmpty else {
            throw .dimensionMismatch(expected: n, got: start.count, what: "start (whole rows)")
        }
        let rows = start.count / n
        guard inputRows == 1 || inputRows == rows else {
            throw .dimensionMismatch(expected: inputRows * n, got: start.count, what: "start (one row per input row)")
        }
        var state = start
        var iterations = [Int](repeating: 0, count: rows)
        var last = [Double](repeating: .infinity, count: rows)
        var next = [Scalar](repeating: 0, count: n)
        for r in 0..<rows {
            try state.withUnsafeMutableBufferPointer { (s) throws(SolverError) in
                let z = s.baseAddress! + r * n
                for k in 0..<maximumIterations {
                    next.withUnsafeMutableBufferPointer { map(UnsafePointer(z), inputRow: r, into: $0.baseAddress!) }
                    var step = 0.0
                    for i in 0..<n {
                        let d = Double(next[i] - z[i])
                        step += d * d
                        z[i] = next[i]
                    }
                    step = step.squareRoot()
                    guard step.isFinite else { throw .nonFiniteState(t: Double(k + 1), row: r) }
                    iterations[r] = k + 1
                    last[r] = step
                    if step <= tolerance { break }
                }
            }
        }
        let q = contractionFactor
        return Iteration(state: state, iterations: iterations, lastStep: last,
                         errorBound: last.map { q / (1 - q) * $0 }, converged: last.allSatisfy { $0 <= tolerance })
    }
}
