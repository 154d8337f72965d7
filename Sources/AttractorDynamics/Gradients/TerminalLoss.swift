import AttractorNumerics

/// A loss of the final state: returns `L(z)` and writes `∂L/∂z` into the cotangent buffer.
public struct TerminalLoss<Scalar: AttractorNumerics.Scalar>: Sendable {
    public let name: String
    private let body: @Sendable (UnsafeBufferPointer<Scalar>, UnsafeMutableBufferPointer<Scalar>) -> Scalar

    public init(name: String, _ body: @escaping @Sendable (UnsafeBufferPointer<Scalar>, UnsafeMutableBufferPointer<Scalar>) -> Scalar) {
        self.name = name
        self.body = body
    }

    /// `L(z)`, with `∂L/∂z` written into `cotangent` (same count as `state`).
    public func callAsFunction(_ state: UnsafeBufferPointer<Scalar>, cotangent: UnsafeMutableBufferPointer<Scalar>) -> Scalar {
        body(state, cotangent)
    }

    /// `L(z)` alone (allocates a cotangent; for finite differences and reports).
    public func value(_ state: [Scalar]) -> Scalar {
        var g = [Scalar](repeating: 0, count: state.count)
        return state.withUnsafeBufferPointer { s in g.withUnsafeMutableBufferPointer { self(s, cotangent: $0) } }
    }

    /// `½ Σ z²` with gradient `z`.
    public static var halfSquaredNorm: TerminalLoss {
        TerminalLoss(name: "½‖z‖²") { z, g in
            var s: Scalar = 0
            for i in z.indices { s += z[i] * z[i]; g[i] = z[i] }
            return s / 2
        }
    }

    /// `Σ z` with gradient one (the pathwise gradient of `X_T` itself).
    public static var sum: TerminalLoss {
        TerminalLoss(name: "Σz") { z, g in
            var s: Scalar = 0
            for i in z.indices { s += z[i]; g[i] = 1 }
            return s
        }
    }
}
