import AttractorNumerics

/// Root-mean-square normalisation over the last axis, `y = w ∘ x / √(mean(x²) + ε)`;
/// parameter-free (`w = 1`, as in HRM/TRM blocks) or with a learned weight.
///
/// The forward pass caches the normalised rows `x̂` and the per-row `1/rms`; the VJP is
/// `dx = r·(g − x̂·mean(g∘x̂))` with `g = w ∘ dy`. - Complexity: O(rows·dimension).
public struct RMSNorm: Sendable, Equatable {
    public let dimension: Int
    public let epsilon: Double
    public let weight: ParameterView?

    public init(_ name: String, dimension: Int, weighted: Bool = false, epsilon: Double = Neural.rmsNormEpsilon,
                layout: inout ParameterLayout) {
        self.dimension = dimension
        self.epsilon = epsilon
        weight = weighted ? layout.add("\(name).weight", shape: [dimension], initializer: .ones) : nil
    }

    /// Normalises `x (+ residual)` row by row. Writes `x̂` to `normalized`, `1/rms` to
    /// `inverseRMS` (one per row) and, when weighted, `w∘x̂` to `output` (which may equal
    /// `normalized` when parameter-free). `x` may alias `normalized`.
    @_specialize(where T == Float)
    @_specialize(where T == Double)
    public func forward<T: Scalar>(_ x: UnsafePointer<T>, adding residual: UnsafePointer<T>? = nil, rows: Int,
                                   parameters p: UnsafePointer<T>,
                                   normalized: UnsafeMutablePointer<T>, inverseRMS: UnsafeMutablePointer<T>,
                                   output: UnsafeMutablePointer<T>) {
        let d = dimension
        let eps = T(epsilon), invD = 1 / T(d)
        for r in 0..<rows {
            let xr = x + r * d, nr = normalized + r * d
            let ss: T
            if let residual {
                let rr = residual + r * d
                for j in 0..<d { nr[j] = xr[j] + rr[j] }
                ss = Kernels.dot(nr, nr, count: d)
            } else {
                ss = Kernels.dot(xr, xr, count: d)
            }
            let inv = 1 / T.sqrt(ss * invD + eps)
            inverseRMS[r] = inv
            if residual != nil {
                for j in 0..<d { nr[j] *= inv }
            } else {
                for j in 0..<d { nr[j] = xr[j] * inv }
            }
            if let weight {
                let w = p + weight.offset, o = output + r * d
                for j in 0..<d { o[j] = nr[j] * w[j] }
            } else if output != normalized {
                (output + r * d).update(from: nr, count: d)
            }
        }
    }

    /// VJP: writes (or adds, with `accumulate`) `dx`, and adds `Σ dy∘x̂` to the weight gradient.
    @_specialize(where T == Float)
    @_specialize(where T == Double)
    public func backward<T: Scalar>(_ dy: UnsafePointer<T>, normalized: UnsafePointer<T>,
                                    inverseRMS: UnsafePointer<T>, rows: Int,
                                    parameters p: UnsafePointer<T>, gradients g: UnsafeMutablePointer<T>,
                                    inputCotangent dx: UnsafeMutablePointer<T>, accumulate: Bool = false) {
        let d = dimension, invD = 1 / T(d)
        let w: UnsafePointer<T>? = weight.map { p + $0.offset }
        let gw: UnsafeMutablePointer<T>? = weight.map { g + $0.offset }
        for r in 0..<rows {
            let dyr = dy + r * d, nr = normalized + r * d, dxr = dx + r * d
            let inv = inverseRMS[r]
            var dot: T = 0
            if let w, let gw {
                for j in 0..<d {
                    dot += dyr[j] * w[j] * nr[j]
                    gw[j] += dyr[j] * nr[j]
                }
                let m = dot * invD
                if accumulate {
                    for j in 0..<d { dxr[j] += inv * (dyr[j] * w[j] - nr[j] * m) }
                } else {
                    for j in 0..<d { dxr[j] = inv * (dyr[j] * w[j] - nr[j] * m) }
                }
            } else {
                let m = Kernels.dot(dyr, nr, count: d) * invD
                if accumulate {
                    for j in 0..<d { dxr[j] += inv * (dyr[j] - nr[j] * m) }
                } else {
                    for j in 0..<d { dxr[j] = inv * (dyr[j] - nr[j] * m) }
                }
            }
        }
    }
}
