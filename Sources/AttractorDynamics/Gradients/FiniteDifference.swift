import AttractorNumerics

/// Central finite differences, the reference every hand-written VJP and gradient strategy
/// is checked against: `∂L/∂x_i ≈ (L(x + ε e_i) − L(x − ε e_i)) / 2ε`, error O(ε²)
/// truncation plus O(u/ε) rounding (ε ≈ 1e-5 to 1e-6 balances them in Double).
public enum FiniteDifference {
    /// The central-difference gradient of `loss` at `x` with step `epsilon · max(1, |x_i|)`.
    /// - Complexity: `2 · x.count` evaluations of `loss`.
    public static func gradient<S: Scalar, E: Error>(
        at x: [S], epsilon: S = 1e-6, _ loss: ([S]) throws(E) -> S
    ) throws(E) -> [S] {
        var g = [S](repeating: 0, count: x.count)
        var probe = x
        for i in x.indices {
            let step = epsilon * max(1, abs(x[i]))
            probe[i] = x[i] + step
            let plus = try loss(probe)
            probe[i] = x[i] - step
            let minus = try loss(probe)
            probe[i] = x[i]
            g[i] = (plus - minus) / (2 * step)
        }
        return g
    }

    /// `‖a − b‖₂ / max(‖b‖₂, floor)`: the relative error reported by gradient checks.
    public static func relativeError<S: Scalar>(_ a: [S], _ b: [S], floor: S = 1e-12) -> S {
        precondition(a.count == b.count, "relativeError: length mismatch")
        var d: S = 0, nb: S = 0
        for i in a.indices { d += (a[i] - b[i]) * (a[i] - b[i]); nb += b[i] * b[i] }
        return d.squareRoot() / max(nb.squareRoot(), floor)
    }
}
