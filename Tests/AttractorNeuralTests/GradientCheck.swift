import AttractorNeural
import AttractorNumerics

/// Central finite differences against a hand-written VJP, in Double.
///
/// For `y = f(x, θ)` and a random cotangent `w`, the scalar `L = ⟨w, f(x, θ)⟩` has gradient
/// `(∂L/∂x, ∂L/∂θ) = VJP(w)`. Every coordinate is checked with `(L(+h) − L(−h)) / 2h`;
/// the error is measured norm-wise: `‖fd − vjp‖ / max(‖fd‖, ‖vjp‖)`.
struct GradientCheck {
    var step = 1e-5

    struct Result {
        var inputError: Double
        var parameterError: Double
        var inputNorm: Double
        var parameterNorm: Double
    }

    static func relativeError(_ a: [Double], _ b: [Double]) -> Double {
        precondition(a.count == b.count)
        var diff = 0.0, na = 0.0, nb = 0.0
        for i in a.indices {
            diff += (a[i] - b[i]) * (a[i] - b[i])
            na += a[i] * a[i]
            nb += b[i] * b[i]
        }
        let scale = max(na, nb).squareRoot()
        return scale == 0 ? 0 : diff.squareRoot() / scale
    }

    static func norm(_ a: [Double]) -> Double { a.reduce(0) { $0 + $1 * $1 }.squareRoot() }

    /// `forward(x, θ) → y`; `vjp(x, θ, w) → (dx, dθ)`.
    func check(x: [Double], theta: [Double], cotangent w: [Double],
               forward: ([Double], [Double]) -> [Double],
               vjp: ([Double], [Double], [Double]) -> (dx: [Double], dTheta: [Double])) -> Result {
        func objective(_ x: [Double], _ t: [Double]) -> Double {
            let y = forward(x, t)
            precondition(y.count == w.count, "cotangent size \(w.count) vs output \(y.count)")
            var s = 0.0
            for i in y.indices { s += w[i] * y[i] }
            return s
        }
        let (dx, dt) = vjp(x, theta, w)
        var fdx = [Double](repeating: 0, count: x.count)
        var xp = x
        for i in x.indices {
            xp[i] = x[i] + step
            let plus = objective(xp, theta)
            xp[i] = x[i] - step
            let minus = objective(xp, theta)
            xp[i] = x[i]
            fdx[i] = (plus - minus) / (2 * step)
        }
        var fdt = [Double](repeating: 0, count: theta.count)
        var tp = theta
        for i in theta.indices {
            tp[i] = theta[i] + step
            let plus = objective(x, tp)
            tp[i] = theta[i] - step
            let minus = objective(x, tp)
            tp[i] = theta[i]
            fdt[i] = (plus - minus) / (2 * step)
        }
        return Result(inputError: dx.isEmpty ? 0 : Self.relativeError(fdx, dx),
                      parameterError: dt.isEmpty ? 0 : Self.relativeError(fdt, dt),
                      inputNorm: Self.norm(dx), parameterNorm: Self.norm(dt))
    }
}

/// Seeded test data.
func gaussianArray(_ count: Int, seed: UInt64, sigma: Double = 1) -> [Double] {
    let r = RandomSource(seed: seed)
    return (0..<count).map { _ in r.gaussian(sigma: sigma) }
}

/// Runs `body` with a Double parameter store for `layout`, values set to `theta`.
func withStore<R>(_ layout: ParameterLayout, _ theta: [Double], _ body: (ParameterStore<Double>) -> R) -> R {
    let store = ParameterStore<Double>(layout: layout)
    store.values.assign(theta)
    return body(store)
}

extension Array where Element == Double {
    func withPointer<R>(_ body: (UnsafePointer<Double>) -> R) -> R { withUnsafeBufferPointer { body($0.baseAddress!) } }
}
