import AttractorNumerics

/// The implicit gradient at an equilibrium `f(z*; θ) = 0` of `dz/dt = f` (for
/// `f = F − z`, a fixed point `z* = F(z*)`): by the implicit function theorem
/// `∂L/∂θ = wᵀ ∂f/∂θ` where `w` solves `(I − J_Fᵀ) w = ∂L/∂z*`, `J_F = I + ∂f/∂z`.
/// The trajectory that reached `z*` is not needed, so memory is O(state) whatever the
/// number of steps; `∂L/∂z0` is zero (a stable equilibrium forgets its start).
///
/// `w` is found without forming `J`: by the fixed-point iteration
/// `w ← J_Fᵀ w + ∂L/∂z* = w + (∂f/∂z)ᵀ w + ∂L/∂z*` (one VJP per iteration, converges
/// when the spectral radius of `J_F` is below 1), or by Anderson acceleration of the same
/// map. Stops when `‖(I − J_Fᵀ) w − ∂L/∂z*‖ ≤ tolerance · ‖∂L/∂z*‖`; otherwise throws
/// `GradientError.implicitSolveDidNotConverge` rather than return a wrong answer.
public struct ImplicitGradient<Field: DifferentiableVectorField> {
    public typealias Scalar = Field.Scalar

    public enum Method: Sendable, Equatable, CustomStringConvertible {
        /// Plain fixed-point (Neumann series) iteration.
        case fixedPoint
        /// Anderson acceleration (type II) over the last `memory` iterates; the small
        /// least-squares problem is regularised by `regularization · trace`.
        case anderson(memory: Int, regularization: Double)

        public static var anderson: Method { .anderson(memory: 5, regularization: 1e-10) }

        public var description: String {
            switch self {
            case .fixedPoint: return "fixed-point"
            case let .anderson(m, _): return "anderson(m=\(m))"
            }
        }
    }

    /// The outcome: loss, the adjoint `w`, `∂L/∂θ` and the solve's cost.
    public struct Result: Sendable {
        public var loss: Scalar
        public var adjoint: [Scalar]
        public var parameterGradient: [Scalar]
        public var iterations: Int
        /// Final relative residual `‖(I − J_Fᵀ) w − ∂L/∂z*‖ / ‖∂L/∂z*‖`.
        public var residual: Double
        public var vectorJacobianProducts: Int
        /// Bytes of iteration workspace (state-sized vectors and Anderson history).
        public var peakBytes: Int
    }

    public var field: Field
    public var method: Method
    public var tolerance: Double
    public var maximumIterations: Int
    /// Time at which the (autonomous) field is linearised.
    public var time: Double

    public init(field: Field, method: Method = .fixedPoint, tolerance: Double = 1e-10,
                maximumIterations: Int = 1000, time: Double = 0) {
        self.field = field
        self.method = method
        self.tolerance = tolerance
        self.maximumIterations = maximumIterations
        self.time = time
    }

    /// `∂L/∂θ` at the equilibrium `equilibrium` (`rows × dimension`).
    public func gradient(equilibrium z: [Scalar], rows: Int, loss: TerminalLoss<Scalar>) throws(GradientError) -> Result {
        let n = z.count
        guard rows > 0, n == rows * field.dimension else {
            throw .solver(.dimensionMismatch(expected: rows * field.dimension, got: n, what: "equilibrium"))
        }
        guard tolerance > 0, tolerance.isFinite, maximumIterations > 0 else {
            throw .invalidArgument("implicit gradient needs a positive tolerance and iteration cap")
        }
        var rhs = [Scalar](repeating: 0, count: n)
        let value = z.withUnsafeBufferPointer { zp in rhs.withUnsafeMutableBufferPointer { loss(zp, cotangent: $0) } }
        let rhsNorm = max(Double(norm(rhs)), Double.leastNormalMagnitude)
        let selection = RowSelection(count: rows)
        var vjp = [Scalar](repeating: 0, count: n)
        var products = 0

        /// `G(w) = w + (∂f/∂z)ᵀ w + rhs` into `out`; returns the residual `G(w) − w`'s norm.
        func apply(_ w: [Scalar], into out: inout [Scalar], residual: inout [Scalar]) -> Double {
            field.vectorJacobianProduct(t: Scalar(time), state: z, cotangent: w, stateCotangent: &vjp,
                                        parameterGradient: nil, rows: selection)
            products += 1
            for i in 0..<n { residual[i] = vjp[i] + rhs[i]; out[i] = w[i] + residual[i] }
            return Double(norm(residual))
        }

        var w = rhs
        var g = [Scalar](repeating: 0, count: n), r = g
        var iterations = 0
        var relative = Double.infinity
        var peak = 5 * n * MemoryLayout<Scalar>.stride
        switch method {
        case .fixedPoint:
            while iterations < maximumIterations {
                relative = apply(w, into: &g, residual: &r) / rhsNorm
                iterations += 1
                if relative <= tolerance { break }
                swap(&w, &g)
            }
        case let .anderson(memory, regularization):
            guard memory > 0 else { throw .invalidArgument("Anderson memory must be positive") }
            var deltaG: [[Scalar]] = [], deltaF: [[Scalar]] = []
            var previousG: [Scalar]? = nil, previousF: [Scalar]? = nil
            peak += 2 * memory * n * MemoryLayout<Scalar>.stride
            while iterations < maximumIterations {
                relative = apply(w, into: &g, residual: &r) / rhsNorm
                iterations += 1
                if relative <= tolerance { break }
                if let pg = previousG, let pf = previousF {
                    deltaG.append(zip(g, pg).map { $0 - $1 })
                    deltaF.append(zip(r, pf).map { $0 - $1 })
                    if deltaG.count > memory { deltaG.removeFirst(); deltaF.removeFirst() }
                }
                previousG = g
                previousF = r
                if deltaF.isEmpty {
                    w = g
                } else if let gamma = Self.leastSquares(deltaF, r, regularization: regularization) {
                    w = g
                    for (j, dg) in deltaG.enumerated() {
                        for i in 0..<n { w[i] -= gamma[j] * dg[i] }
                    }
                } else {
                    // Singular history: restart from the plain iterate.
                    deltaG.removeAll(); deltaF.removeAll()
                    w = g
                }
            }
        }
        guard relative <= tolerance else {
            throw .implicitSolveDidNotConverge(method: method.description, iterations: iterations,
                                               residual: relative, tolerance: tolerance)
        }
        // ∂L/∂θ = wᵀ ∂f/∂θ with the converged w (which is the last one applied).
        var gradient = [Scalar](repeating: 0, count: field.parameterCount)
        gradient.withUnsafeMutableBufferPointer { gp in
            field.vectorJacobianProduct(t: Scalar(time), state: z, cotangent: w, stateCotangent: &vjp,
                                        parameterGradient: gp.count > 0 ? gp.baseAddress! : nil, rows: selection)
        }
        products += 1
        return Result(loss: value, adjoint: w, parameterGradient: gradient, iterations: iterations,
                      residual: relative, vectorJacobianProducts: products, peakBytes: peak)
    }

    private func norm(_ v: [Scalar]) -> Scalar {
        v.withUnsafeBufferPointer { Scalar.nrm2(n: $0.count, x: $0.baseAddress!) }
    }

    /// `argmin_γ ‖r − ΔF γ‖` through the regularised normal equations (Gaussian
    /// elimination with partial pivoting on an m × m system; m is small). Nil if singular.
    static func leastSquares(_ deltaF: [[Scalar]], _ r: [Scalar], regularization: Double) -> [Scalar]? {
        let m = deltaF.count
        var a = [Double](repeating: 0, count: m * m), b = [Double](repeating: 0, count: m)
        for i in 0..<m {
            for j in 0...i {
                var s = 0.0
                for p in r.indices { s += Double(deltaF[i][p]) * Double(deltaF[j][p]) }
                a[i * m + j] = s; a[j * m + i] = s
            }
            var s = 0.0
            for p in r.indices { s += Double(deltaF[i][p]) * Double(r[p]) }
            b[i] = s
        }
        var trace = 0.0
        for i in 0..<m { trace += a[i * m + i] }
        for i in 0..<m { a[i * m + i] += regularization * max(trace, Double.leastNormalMagnitude) }
        for col in 0..<m {
            var pivot = col
            for row in (col + 1)..<m where abs(a[row * m + col]) > abs(a[pivot * m + col]) { pivot = row }
            guard a[pivot * m + col] != 0, a[pivot * m + col].isFinite else { return nil }
            if pivot != col {
                for k in 0..<m { a.swapAt(col * m + k, pivot * m + k) }
                b.swapAt(col, pivot)
            }
            for row in (col + 1)..<m {
                let factor = a[row * m + col] / a[col * m + col]
                for k in col..<m { a[row * m + k] -= factor * a[col * m + k] }
                b[row] -= factor * b[col]
            }
        }
        var x = [Double](repeating: 0, count: m)
        for i in stride(from: m - 1, through: 0, by: -1) {
            var s = b[i]
            for k in (i + 1)..<m { s -= a[i * m + k] * x[k] }
            x[i] = s / a[i * m + i]
        }
        return x.allSatisfy(\.isFinite) ? x.map { Scalar($0) } : nil
    }
}
