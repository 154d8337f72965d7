import CKernels

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
    private static let hasAVX512 = attractor_cpu_has_avx512f() != 0 && hasAVX2

    /// The Float implementations, for tests and benchmarks; `apply` picks the widest available.
    public enum Path: String, Sendable, CaseIterable { case portable, avx2, avx512 }

    /// Whether `path` can run on this CPU.
    public static func isAvailable(_ path: Path) -> Bool {
        switch path {
        case .portable: return true
        case .avx2: return hasAVX2
        case .avx512: return hasAVX512
        }
    }

    /// `tanh` in place with a chosen implementation (falls back to portable if unavailable).
    public static func apply(_ x: UnsafeMutablePointer<Float>, count: Int, path: Path) {
        switch path {
        case .avx512 where hasAVX512: attractor_tanh_f32_avx512(x, count)
        case .avx2 where hasAVX2: attractor_tanh_f32_avx2(x, count)
        default: applyPortable(x, count: count)
        }
    }

    /// The instruction set the Float path runs on (for reports).
    public static var instructionSet: String { hasAVX512 ? "avx512f" : hasAVX2 ? "avx2+fma" : "portable SIMD" }

    public static func applyFloat(_ x: UnsafeMutablePointer<Float>, count: Int) {
        if hasAVX512 {
            attractor_tanh_f32_avx512(x, count)
            return
        }
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
