import AttractorNumerics

/// The Lorenz system `x' = σ(y − x)`, `y' = x(ρ − z) − y`, `z' = xy − βz`
/// (σ 10, ρ 28, β 8/3 by default): chaotic, so errors grow like `e^{0.9 t}`.
public struct Lorenz: JacobianVectorField {
    public typealias Scalar = Double
    public var sigma: Double
    public var rho: Double
    public var beta: Double
    public var dimension: Int { 3 }
    public var isAutonomous: Bool { true }

    public init(sigma: Double = 10, rho: Double = 28, beta: Double = 8.0 / 3) {
        self.sigma = sigma
        self.rho = rho
        self.beta = beta
    }

    public func evaluate(t: Double, state: UnsafePointer<Double>, derivative: UnsafeMutablePointer<Double>, rows: RowSelection) {
        for r in 0..<rows.count {
            let z = state + 3 * r, f = derivative + 3 * r
            f[0] = sigma * (z[1] - z[0])
            f[1] = z[0] * (rho - z[2]) - z[1]
            f[2] = z[0] * z[1] - beta * z[2]
        }
    }

    public func jacobian(t: Double, state z: UnsafePointer<Double>, jacobian j: UnsafeMutablePointer<Double>,
                         timeDerivative: UnsafeMutablePointer<Double>, row: Int) {
        j[0] = -sigma; j[1] = sigma; j[2] = 0
        j[3] = rho - z[2]; j[4] = -1; j[5] = -z[0]
        j[6] = z[1]; j[7] = z[0]; j[8] = -beta
        timeDerivative.update(repeating: 0, count: 3)
    }
}
