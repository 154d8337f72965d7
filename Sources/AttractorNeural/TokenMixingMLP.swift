import AttractorNumerics

/// The token-mixing MLP of MLP-mixers (TRM's attention-free Sudoku mixer): a SwiGLU applied
/// across the sequence axis, independently for every batch element and channel. With
/// `X_b` the `sequence × dimension` slice of batch element `b`:
/// `Y_b = W_d · (φ(W_g·X_b) ∘ W_u·X_b)`, `W_g, W_u` of `[inner, sequence]` (stored as one
/// `[2·inner, sequence]` `gate_up`), `W_d` of `[sequence, inner]`.
///
/// The input is transposed once to `[sequence, batch·dimension]`, so each projection is a
/// single large gemm over the whole batch (no per-example loop).
/// - Complexity: forward `6·batch·sequence·dimension·inner` flops; backward twice that.
public struct TokenMixingMLP: Sendable, Equatable {
    public let sequence: Int
    public let dimension: Int
    public let inner: Int
    public let activation: Activation
    public let gateUp: ParameterView
    public let down: ParameterView

    public init(_ name: String, sequence: Int, dimension: Int, inner: Int, activation: Activation = .silu,
                initialization: WeightInitialization = .truncatedLecunNormal, layout: inout ParameterLayout) {
        self.sequence = sequence
        self.dimension = dimension
        self.inner = inner
        self.activation = activation
        gateUp = layout.add("\(name).gate_up.weight", shape: [2 * inner, sequence],
                            initializer: initialization.initializer(fanIn: sequence))
        down = layout.add("\(name).down.weight", shape: [sequence, inner],
                          initializer: initialization.initializer(fanIn: inner))
    }

    public func forwardFlops(batch: Int) -> Int { 6 * batch * sequence * dimension * inner }

    /// Columns of the transposed layout per block of the forward pass (a block's
    /// intermediates, `3·inner·block` floats, stay within L2).
    static let columnBlock = 512

    /// Cached activations and scratch for up to `maxBatch` examples.
    public final class Workspace<T: Scalar> {
        public let maxBatch: Int
        let xT: ScalarBuffer<T>, gateUp: ScalarBuffer<T>, hidden: ScalarBuffer<T>, yT: ScalarBuffer<T>
        let dHidden: ScalarBuffer<T>, dGateUp: ScalarBuffer<T>
        /// The input in `[sequence, batch·dimension]` layout (filled by `forward`, or by the
        /// caller before `forwardTransposed`).
        public var inputTransposed: UnsafeMutablePointer<T> { xT.pointer }
        /// The output in `[sequence, batch·dimension]` layout after a forward pass.
        public var outputTransposed: UnsafeMutablePointer<T> { yT.pointer }

        public init(_ layer: TokenMixingMLP, maxBatch: Int) {
            self.maxBatch = maxBatch
            let n = maxBatch * layer.dimension
            xT = ScalarBuffer(count: layer.sequence * n)
            gateUp = ScalarBuffer(count: 2 * layer.inner * n)
            hidden = ScalarBuffer(count: layer.inner * n)
            yT = ScalarBuffer(count: layer.sequence * n)
            dHidden = ScalarBuffer(count: layer.inner * n)
            dGateUp = ScalarBuffer(count: 2 * layer.inner * n)
        }
    }

    /// `y ← TokenMLP(x)` on `[batch, sequence, dimension]`.
    @_specialize(where T == Float)
    @_specialize(where T == Double)
    public func forward<T: Scalar>(_ x: UnsafePointer<T>, batch: Int, parameters p: UnsafePointer<T>,
                                   workspace w: Workspace<T>, into y: UnsafeMutablePointer<T>) {
        precondition(batch <= w.maxBatch, "TokenMixingMLP workspace holds \(w.maxBatch) examples, got \(batch)")
        Kernels.swapBatchAndSequence(x, w.xT.pointer, batch: batch, sequence: sequence, dimension: dimension,
                                     inverse: false)
        forwardTransposed(batch: batch, parameters: p, workspace: w)
        Kernels.swapBatchAndSequence(w.yT.pointer, y, batch: batch, sequence: sequence, dimension: dimension,
                                     inverse: true)
    }

    /// The forward pass in the transposed layout `[sequence, batch·dimension]`: reads
    /// `workspace.inputTransposed`, writes `workspace.outputTransposed`.
    @_specialize(where T == Float)
    @_specialize(where T == Double)
    public func forwardTransposed<T: Scalar>(batch: Int, parameters p: UnsafePointer<T>, workspace w: Workspace<T>) {
        precondition(batch <= w.maxBatch, "TokenMixingMLP workspace holds \(w.maxBatch) examples, got \(batch)")
        let n = batch * dimension, l = sequence
        // In blocks of columns, so each block's [gate | up] and hidden are still in cache when
        // the gate and the down projection read them (whole, they are far larger than L2 and
        // the gate ran at memory speed). Every column is independent: same values as one pass.
        let block = Self.columnBlock
        for j0 in stride(from: 0, to: n, by: block) {
            let cols = min(block, n - j0)
            Kernels.gemm(false, false, m: 2 * inner, n: cols, k: l, p + gateUp.offset, lda: l,
                         w.xT.pointer + j0, ldb: n, beta: 0, w.gateUp.pointer + j0, ldc: n)
            Kernels.gatedForward(activation, gate: w.gateUp.pointer + j0, up: w.gateUp.pointer + inner * n + j0, inStride: n,
                                 rows: inner, columns: cols, out: w.hidden.pointer + j0, outStride: n)
            Kernels.gemm(false, false, m: l, n: cols, k: inner, p + down.offset, lda: inner,
                         w.hidden.pointer + j0, ldb: n, beta: 0, w.yT.pointer + j0, ldc: n)
        }
    }

    /// VJP of the last `forward`: adds parameter gradients into `g`; writes (or adds, with
    /// `accumulate`) the input cotangent into `dx`.
    @_specialize(where T == Float)
    @_specialize(where T == Double)
    public func backward<T: Scalar>(_ dy: UnsafePointer<T>, batch: Int, parameters p: UnsafePointer<T>,
                                    gradients g: UnsafeMutablePointer<T>, workspace w: Workspace<T>,
                                    inputCotangent dx: UnsafeMutablePointer<T>, accumulate: Bool = false) {
        let l = sequence
        let dT = w.yT.pointer  // the forward output is no longer needed
        Kernels.swapBatchAndSequence(dy, dT, batch: batch, sequence: l, dimension: dimension, inverse: false)
        backwardTransposed(dT, batch: batch, parameters: p, gradients: g, workspace: w, inputCotangent: dT)
        if accumulate {
            for b in 0..<batch {
                for t in 0..<l {
                    Kernels.add(dT + (t * batch + b) * dimension, into: dx + (b * l + t) * dimension, count: dimension)
                }
            }
        } else {
            Kernels.swapBatchAndSequence(dT, dx, batch: batch, sequence: l, dimension: dimension, inverse: true)
        }
    }

    /// VJP in the transposed layout: `dyT`, `dxT` are `[sequence, batch·dimension]` (they may
    /// alias); adds parameter gradients into `g` and overwrites `dxT`.
    @_specialize(where T == Float)
    @_specialize(where T == Double)
    public func backwardTransposed<T: Scalar>(_ dyT: UnsafePointer<T>, batch: Int, parameters p: UnsafePointer<T>,
                                              gradients g: UnsafeMutablePointer<T>, workspace w: Workspace<T>,
                                              inputCotangent dxT: UnsafeMutablePointer<T>) {
        let n = batch * dimension, l = sequence
        Kernels.gemm(false, true, m: l, n: inner, k: n, dyT, lda: n, w.hidden.pointer, ldb: n,
                     beta: 1, g + down.offset, ldc: inner)
        Kernels.gemm(true, false, m: inner, n: n, k: l, p + down.offset, lda: inner, dyT, ldb: n,
                     beta: 0, w.dHidden.pointer, ldc: n)
        Kernels.gatedBackward(activation, dout: w.dHidden.pointer, outStride: 0,
                              gate: w.gateUp.pointer, up: w.gateUp.pointer + inner * n, inStride: 0,
                              rows: 1, columns: inner * n,
                              dgate: w.dGateUp.pointer, dup: w.dGateUp.pointer + inner * n)
        Kernels.gemm(false, true, m: 2 * inner, n: l, k: n, w.dGateUp.pointer, lda: n, w.xT.pointer, ldb: n,
                     beta: 1, g + gateUp.offset, ldc: l)
        // dyT is dead from here on, so dxT may alias it.
        Kernels.gemm(true, false, m: l, n: n, k: 2 * inner, p + gateUp.offset, lda: l, w.dGateUp.pointer, ldb: n,
                     beta: 0, dxT, ldc: n)
    }
}
