import AttractorNumerics

/// Robertson's chemical kinetics, the classic stiff test (HNW II, §IV.1):
/// `y1' = −0.04 y1 + 10⁴ y2 y3`, `y2' = 0.04 y1 − 10⁴ y2 y3 − 3·10⁷ y2²`,
/// `y3' = 3·10⁷ y2²`, from `(1, 0, 0)`. Rate constants span nine orders of magnitude,
/// so explicit methods are held to tiny steps by stability; `y1 + y2 + y3 = 1` is conserved.
public struct Robertson: JacobianVectorField {
    public typealias Scalar = Double
    public var dimension: Int { 3 }
    public var isAutonomous: Bool { true }

    public init() {}

    public func evaluate(t: Double, state: UnsafePointer<Double>, derivative: UnsafeMutablePointer<Double>, rows: RowSelection) {
        for r in 0..<rows.count {
            let y = state + 3 * r, f = derivative + 3 * r
            let slow = 0.04 * y[0], coupling = 1e4 * y[1] * y[2], fast = 3e7 * y[1] * y[1]
            f[0] = -slow + coupling
            f[1] = slow - coupling - fast
            f[2] = fast
        }
    }

    public func jacobian(t: Double, state y: UnsafePointer<Double>, jacobian j: UnsafeMutablePointer<Double>,
                         timeDerivative: UnsafeMutablePointer<Double>, row: Int) {
        j[0] = -0.04; j[1] = 1e4 * y[2]; j[2] = 1e4 * y[1]
        j[3] = 0.04; j[4] = -1e4 * y[2] - 6e7 * y[1]; j[5] = -1e4 * y[1]
        j[6] = 0; j[7] = 6e7 * y[1]; j[8] = 0
        timeDerivative.update(repeating: 0, count: 3)
    }
}
