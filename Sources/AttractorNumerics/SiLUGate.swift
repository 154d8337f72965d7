import CKernels

/// The SiLU-gated unit of SwiGLU in Float32 on the current `KernelPath`
/// (`CKernels/gated.c`): `out = silu(gate)·up` and its VJP. AVX-512 code on that path, plain
/// C elsewhere; every element takes the same arithmetic whatever its position, so a split of
/// the rows (data-parallel shards) changes no value.
public enum SiLUGate {
    /// `out[r][j] = silu(gate[r][j])·up[r][j]` for `rows × columns`; `gate`/`up` rows are
    /// `inStride` apart, `out` rows `outStride` apart.
    @inline(__always)
    public static func forward(rows: Int, columns: Int, gate: UnsafePointer<Float>, up: UnsafePointer<Float>,
                               inStride: Int, out: UnsafeMutablePointer<Float>, outStride: Int) {
        attractor_silu_gate_forward_f32(KernelPath.current.code, rows, columns, gate, up, inStride, out, outStride)
    }

    /// `dgate = dout·up·silu'(gate)`, `dup = dout·silu(gate)` (`dgate`/`dup` with `inStride`).
    @inline(__always)
    public static func backward(rows: Int, columns: Int, dout: UnsafePointer<Float>, outStride: Int,
                                gate: UnsafePointer<Float>, up: UnsafePointer<Float>, inStride: Int,
                                dgate: UnsafeMutablePointer<Float>, dup: UnsafeMutablePointer<Float>) {
        attractor_silu_gate_backward_f32(KernelPath.current.code, rows, columns, dout, outStride, gate, up, inStride,
                                         dgate, dup)
    }
}
