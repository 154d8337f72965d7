import AttractorNumerics

/// RMSNorm over the leading axis of a `dimension × columns` row-major matrix: every column
/// is normalised on its own. This is TRM's norm after the token-mixing MLP, which runs in
/// the transposed `[sequence, batch·hidden]` layout and so normalises over the sequence.
/// The loops run along rows (contiguous), so they vectorise like the row-wise norm.
extension RMSNorm {
    /// Normalises each column of `x + residual`; writes `x̂` to `normalized`, `1/rms` per
    /// column to `inverseRMS` (`columns` scalars) and, when weighted, `w[i]·x̂[i, j]` to
    /// `output` (which may equal `normalized` when parameter-free).
    @_specialize(where T == Float)
    @_specialize(where T == Double)
    public func forwardColumns<T: Scalar>(_ x: UnsafePointer<T>, adding residual: UnsafePointer<T>, columns n: Int,
                                          parameters p: UnsafePointer<T>, normalized: UnsafeMutablePointer<T>,
                                          inverseRMS: UnsafeMutablePointer<T>, output: UnsafeMutablePointer<T>) {
        let d = dimension
        inverseRMS.update(repeating: 0, count: n)
        for i in 0..<d {
            let xr = x + i * n, rr = residual + i * n, nr = normalized + i * n
            for j in 0..<n {
                let v = xr[j] + rr[j]
                nr[j] = v
                inverseRMS[j] += v * v
            }
        }
        let eps = T(epsilon), invD = 1 / T(d)
        for j in 0..<n { inverseRMS[j] = 1 / T.sqrt(inverseRMS[j] * invD + eps) }
        for i in 0..<d {
            let nr = normalized + i * n
            for j in 0..<n { nr[j] *= inverseRMS[j] }
            if let weight {
                let wi = p[weight.offset + i], o = output + i * n
                for j in 0..<n { o[j] = nr[j] * wi }
            } else if output != normalized {
                (output + i * n).update(from: nr, count: n)
            }
        }
    }

    /// VJP of `forwardColumns`: writes `dx` (may alias `dy`), adds the weight gradient;
    /// `scratch` holds `columns` scalars.
    @_specialize(where T == Float)
    @_specialize(where T == Double)
    public func backwardColumns<T: Scalar>(_ dy: UnsafePointer<T>, normalized: UnsafePointer<T>,
                                           inverseRMS: UnsafePointer<T>, columns n: Int,
                                           parameters p: UnsafePointer<T>, gradients g: UnsafeMutablePointer<T>,
                                           scratch dot: UnsafeMutablePointer<T>, inputCotangent dx: UnsafeMutablePointer<T>) {
        let d = dimension, invD = 1 / T(d)
        dot.update(repeating: 0, count: n)
        for i in 0..<d {
            let dyr = dy + i * n, nr = normalized + i * n
            let wi: T = weight.map { p[$0.offset + i] } ?? 1
            if let weight {
                var gw: T = 0
                for j in 0..<n { gw += dyr[j] * nr[j] }
                g[weight.offset + i] += gw
            }
            for j in 0..<n { dot[j] += dyr[j] * wi * nr[j] }
        }
        for j in 0..<n { dot[j] *= invD }
        for i in 0..<d {
            let dyr = dy + i * n, nr = normalized + i * n, dxr = dx + i * n
            let wi: T = weight.map { p[$0.offset + i] } ?? 1
            for j in 0..<n { dxr[j] = inverseRMS[j] * (dyr[j] * wi - nr[j] * dot[j]) }
        }
    }
}
