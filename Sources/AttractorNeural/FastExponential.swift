import AttractorNumerics

/// A branch-free, call-free `exp` for `Float` that the loop vectoriser can turn into SIMD
/// code (glibc's `expf` is a scalar call), used by SiLU and softmax on the Float path.
/// Double keeps `Double.exp` (it serves gradient checks, not speed).
///
/// Cephes' `expf` scheme: `x = n·ln2 + r` with `n = round(x/ln2)` (by the 1.5·2²³
/// magic-number trick, so no float→int conversion traps), a degree-7 polynomial for `e^r`
/// on `|r| ≤ ln2/2`, and `2ⁿ` assembled in the exponent bits. Inputs are clamped to
/// `[-87.3, 88.37]`, so the result is always finite and normal. Max relative error
/// ≈ 2 ulp against `Float.exp` (checked in `FastExponentialTests`).
enum FastExponential {
    @inline(__always)
    static func exp(_ x: Float) -> Float {
        let clamped = Swift.min(Swift.max(x, -87.33654), 88.37626)
        let magic: Float = 12_582_912  // 1.5 · 2²³
        let t = clamped * 1.442_695_04 + magic
        let n = t - magic
        let r = clamped - n * 0.693_359_375 + n * 2.121_944_4e-4
        var p: Float = 1.987_569_15e-4
        p = p * r + 1.398_199_95e-3
        p = p * r + 8.333_451_9e-3
        p = p * r + 4.166_579_59e-2
        p = p * r + 1.666_666_55e-1
        p = p * r + 5.000_000_12e-1
        let er = p * (r * r) + r + 1
        let scale = Float(bitPattern: (t.bitPattern &+ (127 &- 0x4B40_0000)) << 23)
        return er * scale
    }

    /// `exp` for any `Scalar`: the fast kernel for Float, `T.exp` otherwise. The type test
    /// folds away in specialised code.
    @inline(__always)
    static func exp<T: Scalar>(_ x: T) -> T {
        if T.self == Float.self {
            return unsafeBitCast(exp(unsafeBitCast(x, to: Float.self)), to: T.self)
        }
        return T.exp(x)
    }
}
