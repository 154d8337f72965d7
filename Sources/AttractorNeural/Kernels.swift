import AttractorNumerics

/// Small fused loops over raw pointers shared by the layers. All are O(n) and allocate nothing.
enum Kernels {
    /// `C ← α·op(A)·op(B) + β·C` (row-major), a thin forward to `Scalar.gemm`.
    @inline(__always)
    static func gemm<T: Scalar>(_ transposeA: Bool, _ transposeB: Bool, m: Int, n: Int, k: Int,
                                alpha: T = 1, _ a: UnsafePointer<T>, lda: Int,
                                _ b: UnsafePointer<T>, ldb: Int,
                                beta: T, _ c: UnsafeMutablePointer<T>, ldc: Int) {
        if m == 0 || n == 0 { return }
        T.gemm(transposeA: transposeA, transposeB: transposeB, m: m, n: n, k: k, alpha: alpha,
               a: a, lda: lda, b: b, ldb: ldb, beta: beta, c: c, ldc: ldc)
    }

    /// `Σ x[i]` with four partial sums (independent dependency chains, so the adds overlap;
    /// strict IEEE order would serialise them).
    @inline(__always)
    static func sum<T: Scalar>(_ x: UnsafePointer<T>, count n: Int) -> T {
        var a0: T = 0, a1: T = 0, a2: T = 0, a3: T = 0
        var j = 0
        while j + 4 <= n {
            a0 += x[j]; a1 += x[j + 1]; a2 += x[j + 2]; a3 += x[j + 3]
            j += 4
        }
        while j < n { a0 += x[j]; j += 1 }
        return (a0 + a1) + (a2 + a3)
    }

    /// `Σ x[i]·y[i]` with four partial sums.
    @inline(__always)
    static func dot<T: Scalar>(_ x: UnsafePointer<T>, _ y: UnsafePointer<T>, count n: Int) -> T {
        var a0: T = 0, a1: T = 0, a2: T = 0, a3: T = 0
        var j = 0
        while j + 4 <= n {
            a0 += x[j] * y[j]; a1 += x[j + 1] * y[j + 1]; a2 += x[j + 2] * y[j + 2]; a3 += x[j + 3] * y[j + 3]
            j += 4
        }
        while j < n { a0 += x[j] * y[j]; j += 1 }
        return (a0 + a1) + (a2 + a3)
    }

    /// `dst[i] = src[i]` over `n` scalars.
    @inline(__always)
    static func copy<T: Scalar>(_ src: UnsafePointer<T>, _ dst: UnsafeMutablePointer<T>, count n: Int) {
        dst.update(from: src, count: n)
    }

    /// `dst[i] += src[i]` over `n` scalars.
    @inline(__always)
    static func add<T: Scalar>(_ src: UnsafePointer<T>, into dst: UnsafeMutablePointer<T>, count n: Int) {
        for i in 0..<n { dst[i] += src[i] }
    }

    /// Gated unit forward `out = φ(gate) ∘ up` over `rows × columns`, each operand with its
    /// own row stride (SwiGLU's fused `[gate | up]` rows, or contiguous blocks).
    @inline(__always)
    static func gatedForward<T: Scalar>(_ activation: Activation, gate: UnsafePointer<T>, up: UnsafePointer<T>,
                                        inStride: Int, rows: Int, columns: Int,
                                        out: UnsafeMutablePointer<T>, outStride: Int) {
        switch activation {
        case .silu:
            if T.self == Float.self {
                SiLUGate.forward(rows: rows, columns: columns, gate: UnsafeRawPointer(gate).assumingMemoryBound(to: Float.self),
                                 up: UnsafeRawPointer(up).assumingMemoryBound(to: Float.self), inStride: inStride,
                                 out: UnsafeMutableRawPointer(out).assumingMemoryBound(to: Float.self), outStride: outStride)
                return
            }
            for r in 0..<rows {
                let g = gate + r * inStride, u = up + r * inStride, o = out + r * outStride
                for j in 0..<columns {
                    let x = g[j]
                    o[j] = x / (1 + FastExponential.exp(-x)) * u[j]
                }
            }
        case .tanh:
            for r in 0..<rows {
                let g = gate + r * inStride, u = up + r * inStride, o = out + r * outStride
                for j in 0..<columns { o[j] = T.tanh(g[j]) * u[j] }
            }
        }
    }

    /// Gated unit backward: `dgate = dout ∘ up ∘ φ'(gate)`, `dup = dout ∘ φ(gate)`.
    @inline(__always)
    static func gatedBackward<T: Scalar>(_ activation: Activation, dout: UnsafePointer<T>, outStride: Int,
                                         gate: UnsafePointer<T>, up: UnsafePointer<T>, inStride: Int,
                                         rows: Int, columns: Int,
                                         dgate: UnsafeMutablePointer<T>, dup: UnsafeMutablePointer<T>) {
        switch activation {
        case .silu:
            if T.self == Float.self {
                SiLUGate.backward(rows: rows, columns: columns, dout: UnsafeRawPointer(dout).assumingMemoryBound(to: Float.self),
                                  outStride: outStride, gate: UnsafeRawPointer(gate).assumingMemoryBound(to: Float.self),
                                  up: UnsafeRawPointer(up).assumingMemoryBound(to: Float.self), inStride: inStride,
                                  dgate: UnsafeMutableRawPointer(dgate).assumingMemoryBound(to: Float.self),
                                  dup: UnsafeMutableRawPointer(dup).assumingMemoryBound(to: Float.self))
                return
            }
            for r in 0..<rows {
                let g = gate + r * inStride, u = up + r * inStride, d = dout + r * outStride
                let dg = dgate + r * inStride, du = dup + r * inStride
                for j in 0..<columns {
                    let x = g[j]
                    let s = 1 / (1 + FastExponential.exp(-x))
                    let dj = d[j]
                    dg[j] = dj * u[j] * (s * (1 + x * (1 - s)))
                    du[j] = dj * (x * s)
                }
            }
        case .tanh:
            for r in 0..<rows {
                let g = gate + r * inStride, u = up + r * inStride, d = dout + r * outStride
                let dg = dgate + r * inStride, du = dup + r * inStride
                for j in 0..<columns {
                    let t = T.tanh(g[j])
                    let dj = d[j]
                    dg[j] = dj * u[j] * (1 - t * t)
                    du[j] = dj * t
                }
            }
        }
    }

    /// `[B, L, D] → [L, B, D]` (and back with `inverse`): copies `D`-long rows.
    @inline(__always)
    static func swapBatchAndSequence<T: Scalar>(_ src: UnsafePointer<T>, _ dst: UnsafeMutablePointer<T>,
                                                batch: Int, sequence: Int, dimension: Int, inverse: Bool) {
        for b in 0..<batch {
            for l in 0..<sequence {
                let bl = (b * sequence + l) * dimension
                let lb = (l * batch + b) * dimension
                if inverse {
                    (dst + bl).update(from: src + lb, count: dimension)
                } else {
                    (dst + lb).update(from: src + bl, count: dimension)
                }
            }
        }
    }
}
