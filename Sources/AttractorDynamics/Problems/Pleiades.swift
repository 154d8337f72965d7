import AttractorNumerics

/// The Pleiades problem (Hairer, Nørsett & Wanner I, §II.10): seven bodies with masses
/// `1…7` in the plane under gravity (G = 1). State `(x1…x7, y1…y7, vx1…vx7, vy1…vy7)`,
/// 28 components; non-stiff with several close encounters on `[0, 3]`.
public struct Pleiades: VectorField {
    public typealias Scalar = Double
    public var dimension: Int { 28 }
    public var isAutonomous: Bool { true }

    public init() {}

    /// `(x0, y0, vx0, vy0)` of the standard initial value.
    public static let initialState: [Double] = [
        3, 3, -1, -3, 2, -2, 2,
        3, -3, 2, 0, 0, -4, 4,
        0, 0, 0, 0, 0, 1.75, -1.5,
        0, 0, 0, -1.25, 1, 0, 0,
    ]

    public func evaluate(t: Double, state: UnsafePointer<Double>, derivative: UnsafeMutablePointer<Double>, rows: RowSelection) {
        for r in 0..<rows.count {
            let z = state + 28 * r, f = derivative + 28 * r
            for i in 0..<7 {
                f[i] = z[14 + i]
                f[7 + i] = z[21 + i]
                f[14 + i] = 0
                f[21 + i] = 0
            }
            // Pairwise forces, each pair once.
            for i in 0..<7 {
                for j in (i + 1)..<7 {
                    let dx = z[j] - z[i], dy = z[7 + j] - z[7 + i]
                    let r2 = dx * dx + dy * dy
                    let inv = 1 / (r2 * r2.squareRoot())
                    let mi = Double(i + 1), mj = Double(j + 1)
                    f[14 + i] += mj * dx * inv
                    f[21 + i] += mj * dy * inv
                    f[14 + j] -= mi * dx * inv
                    f[21 + j] -= mi * dy * inv
                }
            }
        }
    }
}
