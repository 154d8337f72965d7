/// The coefficients of an explicit Runge–Kutta method:
/// `k_i = f(t + c_i h, z + h Σ_{j<i} a_ij k_j)`, `z' = z + h Σ b_i k_i`, and for embedded
/// pairs an error estimate `h Σ (b_i − b̂_i) k_i`.
///
/// Stored in Double; solvers convert to their scalar once.
public struct ButcherTableau: Sendable, Equatable {
    public let name: String
    /// Order of the propagated solution.
    public let order: Int
    /// Order of the embedded solution (nil for fixed-step methods).
    public let embeddedOrder: Int?
    /// Strictly lower-triangular `a`, row `i` holds `a_i0 … a_i,i−1`.
    public let a: [[Double]]
    public let b: [Double]
    public let c: [Double]
    /// `b − b̂` (error weights) for embedded pairs.
    public let errorWeights: [Double]?
    /// First-same-as-last: the last stage equals `f` at the new point, so it is reused.
    public let firstSameAsLast: Bool

    public var stages: Int { b.count }

    public init(name: String, order: Int, embeddedOrder: Int? = nil, a: [[Double]], b: [Double], c: [Double],
                errorWeights: [Double]? = nil, firstSameAsLast: Bool = false) {
        precondition(a.count == b.count && c.count == b.count, "tableau \(name): inconsistent stage count")
        for (i, row) in a.enumerated() { precondition(row.count == i, "tableau \(name): row \(i) must have \(i) entries") }
        self.name = name
        self.order = order
        self.embeddedOrder = embeddedOrder
        self.a = a
        self.b = b
        self.c = c
        self.errorWeights = errorWeights
        self.firstSameAsLast = firstSameAsLast
    }
}

extension ButcherTableau {
    /// Explicit Euler: order 1, 1 evaluation per step.
    public static let euler = ButcherTableau(name: "euler", order: 1, a: [[]], b: [1], c: [0])

    /// Explicit midpoint: order 2, 2 evaluations per step.
    public static let midpoint = ButcherTableau(
        name: "midpoint", order: 2, a: [[], [0.5]], b: [0, 1], c: [0, 0.5])

    /// Heun's method (explicit trapezoid): order 2, 2 evaluations per step.
    public static let heun = ButcherTableau(
        name: "heun", order: 2, a: [[], [1]], b: [0.5, 0.5], c: [0, 1])

    /// The classic fourth-order Runge–Kutta method: order 4, 4 evaluations per step.
    public static let rk4 = ButcherTableau(
        name: "rk4", order: 4,
        a: [[], [0.5], [0, 0.5], [0, 0, 1]],
        b: [1.0 / 6, 1.0 / 3, 1.0 / 3, 1.0 / 6], c: [0, 0.5, 0.5, 1])

    /// Dormand–Prince 5(4): order 5 propagated, order 4 embedded, 7 stages with FSAL
    /// (6 new evaluations per accepted step).
    public static let dormandPrince54: ButcherTableau = {
        let b = [35.0 / 384, 0, 500.0 / 1113, 125.0 / 192, -2187.0 / 6784, 11.0 / 84, 0]
        let bHat = [5179.0 / 57600, 0, 7571.0 / 16695, 393.0 / 640, -92097.0 / 339200, 187.0 / 2100, 1.0 / 40]
        return ButcherTableau(
            name: "dopri5", order: 5, embeddedOrder: 4,
            a: [
                [],
                [1.0 / 5],
                [3.0 / 40, 9.0 / 40],
                [44.0 / 45, -56.0 / 15, 32.0 / 9],
                [19372.0 / 6561, -25360.0 / 2187, 64448.0 / 6561, -212.0 / 729],
                [9017.0 / 3168, -355.0 / 33, 46732.0 / 5247, 49.0 / 176, -5103.0 / 18656],
                [35.0 / 384, 0, 500.0 / 1113, 125.0 / 192, -2187.0 / 6784, 11.0 / 84],
            ],
            b: b, c: [0, 1.0 / 5, 3.0 / 10, 4.0 / 5, 8.0 / 9, 1, 1],
            errorWeights: zip(b, bHat).map { $0 - $1 }, firstSameAsLast: true)
    }()
}
