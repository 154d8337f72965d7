/// An error tolerance: one value for every component, or one value per component of a
/// row (the same for every batch row).
public enum Tolerance: Sendable, Equatable, ExpressibleByFloatLiteral, ExpressibleByIntegerLiteral,
    ExpressibleByArrayLiteral, CustomStringConvertible
{
    case uniform(Double)
    case componentwise([Double])

    public init(floatLiteral value: Double) { self = .uniform(value) }
    public init(integerLiteral value: Int) { self = .uniform(Double(value)) }
    public init(arrayLiteral elements: Double...) { self = .componentwise(elements) }

    /// The smallest value (used where one number must stand for all components).
    public var smallest: Double {
        switch self {
        case let .uniform(v): return v
        case let .componentwise(v): return v.min() ?? 0
        }
    }

    public var description: String {
        switch self {
        case let .uniform(v): return "\(v)"
        case let .componentwise(v): return "\(v)"
        }
    }

    /// One value per component, checked against `dimension`.
    func values(dimension: Int) throws(SolverError) -> [Double] {
        switch self {
        case let .uniform(v): return Array(repeating: v, count: dimension)
        case let .componentwise(v):
            guard v.count == dimension else {
                throw .dimensionMismatch(expected: dimension, got: v.count, what: "componentwise tolerance")
            }
            return v
        }
    }

    /// Checks a (rtol, atol) pair: finite, non-negative, and not both zero in any component.
    static func validated(
        relative: Tolerance, absolute: Tolerance, dimension: Int
    ) throws(SolverError) -> (relative: [Double], absolute: [Double]) {
        let r = try relative.values(dimension: dimension)
        let a = try absolute.values(dimension: dimension)
        for i in 0..<dimension {
            let ok = r[i].isFinite && a[i].isFinite && r[i] >= 0 && a[i] >= 0 && (r[i] > 0 || a[i] > 0)
            if !ok { throw .invalidTolerance(rtol: r[i], atol: a[i]) }
        }
        return (r, a)
    }
}
