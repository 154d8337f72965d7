import AttractorNumerics

/// A pointwise nonlinearity with its derivative: SiLU (`x·σ(x)`) or tanh.
public enum Activation: String, Sendable, CaseIterable, Codable {
    case silu
    case tanh

    /// `φ(x)`.
    @inline(__always)
    public func value<T: Scalar>(_ x: T) -> T {
        switch self {
        case .silu: return x / (1 + T.exp(-x))
        case .tanh: return T.tanh(x)
        }
    }

    /// `(φ(x), φ'(x))` in one evaluation.
    @inline(__always)
    public func valueAndDerivative<T: Scalar>(_ x: T) -> (T, T) {
        switch self {
        case .silu:
            let s = 1 / (1 + T.exp(-x))
            return (x * s, s * (1 + x * (1 - s)))
        case .tanh:
            let t = T.tanh(x)
            return (t, 1 - t * t)
        }
    }

    /// `y[i] = φ(x[i])` over `n` scalars (may alias).
    @_specialize(where T == Float)
    @_specialize(where T == Double)
    public func forward<T: Scalar>(_ x: UnsafePointer<T>, count n: Int, into y: UnsafeMutablePointer<T>) {
        for i in 0..<n { y[i] = value(x[i]) }
    }

    /// `dx[i] = dy[i]·φ'(x[i])` over `n` scalars; `x` is the forward input.
    /// With `accumulate`, adds into `dx` instead of overwriting it.
    @_specialize(where T == Float)
    @_specialize(where T == Double)
    public func backward<T: Scalar>(_ dy: UnsafePointer<T>, input x: UnsafePointer<T>, count n: Int,
                                    into dx: UnsafeMutablePointer<T>, accumulate: Bool = false) {
        if accumulate {
            for i in 0..<n { dx[i] += dy[i] * valueAndDerivative(x[i]).1 }
        } else {
            for i in 0..<n { dx[i] = dy[i] * valueAndDerivative(x[i]).1 }
        }
    }
}
