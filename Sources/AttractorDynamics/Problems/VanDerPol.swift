import AttractorNumerics

/// The Van der Pol oscillator `x' = y`, `y' = μ(1 − x²)y − x`: a limit cycle,
/// increasingly stiff as `μ` grows (`μ ≳ 100`).
public struct VanDerPol: JacobianVectorField {
    public typealias Scalar = Double
    public var mu: Double
    public var dimension: Int { 2 }
    public var isAutonomous: Bool { true }

    public init(mu: Double = 1) { self.mu = mu }

    public func evaluate(t: Double, state: UnsafePointer<Double>, derivative: UnsafeMutablePointer<Double>, rows: RowSelection) {
        for r in 0..<rows.count {
            let z = state + 2 * r, f = derivative + 2 * r
            f[0] = z[1]
            f[1] = mu * (1 - z[0] * z[0]) * z[1] - z[0]
        }
    }

    public func jacobian(t: Double, state z: UnsafePointer<Double>, jacobian j: UnsafeMutablePointer<Double>,
                         timeDerivative: UnsafeMutablePointer<Double>, row: Int) {
        j[0] = 0; j[1] = 1
        j[2] = -2 * mu * z[0] * z[1] - 1; j[3] = mu * (1 - z[0] * z[0])
        timeDerivative.update(repeating: 0, count: 2)
    }
}
