import AttractorNumerics

/// Channel SwiGLU MLP on `rows × dimension`: `y = (φ(x·W_gᵀ) ∘ x·W_uᵀ)·W_dᵀ`, `φ` = SiLU
/// (or tanh). Gate and up projections are one `[2·inner, dimension]` matrix `gate_up`
/// (rows `0..<inner` gate, then up), as in HRM; `down` is `[dimension, inner]`. No biases.
///
/// - Complexity: forward `6·rows·dimension·inner` flops; backward twice that.
public struct SwiGLU: Sendable, Equatable {
    public let dimension: Int
    public let inner: Int
    public let activation: Activation
    public let gateUp: ParameterView
    public let down: ParameterView

    public init(_ name: String, dimension: Int, inner: Int, activation: Activation = .silu,
                initialization: WeightInitialization = .truncatedLecunNormal, layout: inout ParameterLayout) {
        self.dimension = dimension
        self.inner = inner
        self.activation = activation
        gateUp = layout.add("\(name).gate_up.weight", shape: [2 * inner, dimension],
                            initializer: initialization.initializer(fanIn: dimension))
        down = layout.add("\(name).down.weight", shape: [dimension, inner],
                          initializer: initialization.initializer(fanIn: inner))
    }

    public func forwardFlops(rows: Int) -> Int { 6 * rows * dimension * inner }

    /// Cached activations and backward scratch for up to `maxRows` rows.
    public final class Workspace<T: Scalar> {
        public let maxRows: Int
        let gateUp: ScalarBuffer<T>, hidden: ScalarBuffer<T>
        let dHidden: ScalarBuffer<T>, dGateUp: ScalarBuffer<T>
        public init(_ layer: SwiGLU, maxRows: Int) {
            self.maxRows = maxRows
            gateUp = ScalarBuffer(count: maxRows * 2 * layer.inner)
            hidden = ScalarBuffer(count: maxRows * layer.inner)
            dHidden = ScalarBuffer(count: maxRows * layer.inner)
            dGateUp = ScalarBuffer(count: maxRows * 2 * layer.inner)
        }
    }

    /// Rows per block of the forward pass (a block's intermediates stay within L2).
    static let rowBlock = 336

    /// `y ← SwiGLU(x)`; caches what the VJP needs in `workspace`.
    @_specialize(where T == Float)
    @_specialize(where T == Double)
    public func forward<T: Scalar>(_ x: UnsafePointer<T>, rows: Int, parameters p: UnsafePointer<T>,
                                   workspace w: Workspace<T>, into y: UnsafeMutablePointer<T>) {
        precondition(rows <= w.maxRows, "SwiGLU workspace holds \(w.maxRows) rows, got \(rows)")
        let i2 = 2 * inner
        // In blocks of rows, so each block's [gate | up] and hidden are still in cache when the
        // gate and the down projection read them. Rows are independent: same values as one pass.
        let block = Self.rowBlock
        for r0 in stride(from: 0, to: rows, by: block) {
            let r = min(block, rows - r0)
            Kernels.gemm(false, true, m: r, n: i2, k: dimension, x + r0 * dimension, lda: dimension,
                         p + gateUp.offset, ldb: dimension, beta: 0, w.gateUp.pointer + r0 * i2, ldc: i2)
            Kernels.gatedForward(activation, gate: w.gateUp.pointer + r0 * i2, up: w.gateUp.pointer + r0 * i2 + inner,
                                 inStride: i2, rows: r, columns: inner, out: w.hidden.pointer + r0 * inner, outStride: inner)
            Kernels.gemm(false, true, m: r, n: dimension, k: inner, w.hidden.pointer + r0 * inner, lda: inner,
                         p + down.offset, ldb: inner, beta: 0, y + r0 * dimension, ldc: dimension)
        }
    }

    /// VJP of the last `forward` on input `x`: adds parameter gradients into `g`; writes
    /// (or adds, with `accumulate`) the input cotangent into `dx`.
    @_specialize(where T == Float)
    @_specialize(where T == Double)
    public func backward<T: Scalar>(_ dy: UnsafePointer<T>, input x: UnsafePointer<T>, rows: Int,
                                    parameters p: UnsafePointer<T>, gradients g: UnsafeMutablePointer<T>,
                                    workspace w: Workspace<T>, inputCotangent dx: UnsafeMutablePointer<T>,
                                    accumulate: Bool = false) {
        let i2 = 2 * inner
        // dW_down += dyᵀ·hidden ; dHidden = dy·W_down
        Kernels.gemm(true, false, m: dimension, n: inner, k: rows, dy, lda: dimension,
                     w.hidden.pointer, ldb: inner, beta: 1, g + down.offset, ldc: inner)
        Kernels.gemm(false, false, m: rows, n: inner, k: dimension, dy, lda: dimension,
                     p + down.offset, ldb: inner, beta: 0, w.dHidden.pointer, ldc: inner)
        Kernels.gatedBackward(activation, dout: w.dHidden.pointer, outStride: inner,
                              gate: w.gateUp.pointer, up: w.gateUp.pointer + inner, inStride: i2,
                              rows: rows, columns: inner,
                              dgate: w.dGateUp.pointer, dup: w.dGateUp.pointer + inner)
        Kernels.gemm(true, false, m: i2, n: dimension, k: rows, w.dGateUp.pointer, lda: i2,
                     x, ldb: dimension, beta: 1, g + gateUp.offset, ldc: dimension)
        Kernels.gemm(false, false, m: rows, n: dimension, k: i2, w.dGateUp.pointer, lda: i2,
                     p + gateUp.offset, ldb: dimension, beta: accumulate ? 1 : 0, dx, ldc: dimension)
    }
}
