import CGSL

/// In-place hyperbolic tangent over contiguous buffers, vectorised for Float.
///
/// Float path (8 lanes): `tanh x = sign(x) · m / (m + 2)` with `m = e^{2|x|} − 1`, and
/// `e^y − 1 = 2^k (1 + q) − 1 = 2^k q + (2^k − 1)` after the Cody–Waite reduction
/// `y = k ln 2 + r`, `|r| ≤ ln 2 / 2`, `q = e^r − 1` by its degree-7 Taylor polynomial
/// (truncation below 1e-8 relative). Writing `m` this way keeps full relative accuracy near
/// 0 (no `1 − 1` cancellation). `|x|` is clamped at 9, where `tanh` is 1 in Float.
/// Measured error: a few ulp (see `TanhKernelTests`). Double uses `Double.tanh`.
/// - Complexity: O(count), no allocation.
public enum TanhKernel {
    public static func apply<S: Scalar>(_ x: UnsafeMutablePointer<S>, count: Int) {
        if S.self == Float.self {
            x.withMemoryRebound(to: Float.self, capacity: count) { applyFloat($0, count: count) }
        } else {
            for i in 0..<count { x[i] = S.tanh(x[i]) }
        }
    }

    /// `tanh` of 8 lanes.
    @inline(__always)
    public static func tanh(_ v: SIMD8<Float>) -> SIMD8<Float> {
        let ax = v.replacing(with: -v, where: v .< 0)
        let y = 2 * ax.replacing(with: 9, where: ax .> 9)
        // Round y·log2(e) to the nearest integer with the 1.5·2²³ trick (adding it leaves the
        // integer in the low mantissa bits; no float→int conversion instruction needed).
        let magic = SIMD8<Float>(repeating: 12_582_912)
        let shifted = y * 1.442_695_04 + magic
        let k = shifted - magic
        let r = (y - k * 0.693_359_375) - k * -2.121_944_4e-4
        // q = e^r − 1 (Horner, degree 7)
        var q: SIMD8<Float> = r * (1.0 / 5040) + (1.0 / 720)
        q = q * r + (1.0 / 120)
        q = q * r + (1.0 / 24)
        q = q * r + (1.0 / 6)
        q = q * r + 0.5
        q = q * r + 1
        q = q * r
        let exponent = unsafeBitCast(shifted, to: SIMD8<Int32>.self) &- unsafeBitCast(magic, to: SIMD8<Int32>.self) &+ 127
        let scale = unsafeBitCast(exponent &<< 23, to: SIMD8<Float>.self)
        let m = scale * q + (scale - 1)
        let t = m / (m + 2)
        return t.replacing(with: -t, where: v .< 0)
    }

    private static let hasAVX2 = attractor_cpu_has_avx2_fma() != 0

    public static func applyFloat(_ x: UnsafeMutablePointer<Float>, count: Int) {
        if hasAVX2 {
            attractor_tanh_f32_avx2(x, count)
            return
        }
        applyPortable(x, count: count)
    }

    /// The 8-lane Swift SIMD path (baseline x86-64 / other CPUs).
    public static func applyPortable(_ x: UnsafeMutablePointer<Float>, count: Int) {
        var i = 0
        while i + 8 <= count {
            let raw = UnsafeMutableRawPointer(x + i)
            let v = raw.loadUnaligned(as: SIMD8<Float>.self)
            raw.storeBytes(of: tanh(v), as: SIMD8<Float>.self)
            i += 8
        }
        if i < count {
            var tail = SIMD8<Float>(repeating: 0)
            for j in i..<count { tail[j - i] = x[j] }
            let t = tanh(tail)
            for j in i..<count { x[j] = t[j - i] }
        }
    }
}
