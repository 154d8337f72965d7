import AttractorNumerics

/// Multi-head, non-causal self-attention with rotary position embeddings, no biases
/// (HRM/TRM's attention): `qkv = x·W_qkvᵀ` (`[3·dimension, dimension]`, q then k then v,
/// heads contiguous within each), RoPE on q and k, `softmax(q·kᵀ/√d_h)·v` per head, then
/// `y = o·W_oᵀ`.
///
/// - Complexity: forward `8·rows·dimension² + 4·batch·sequence²·dimension` flops;
///   backward twice that; `batch·heads·sequence²` cached probabilities.
public struct SelfAttention: Sendable, Equatable {
    public let sequence: Int
    public let dimension: Int
    public let heads: Int
    public let rotary: RotaryEmbedding
    public let qkv: ParameterView
    public let output: ParameterView

    public init(_ name: String, sequence: Int, dimension: Int, heads: Int, ropeBase: Double = 10_000,
                initialization: WeightInitialization = .truncatedLecunNormal, layout: inout ParameterLayout) {
        precondition(heads > 0 && dimension % heads == 0, "dimension must be a multiple of heads")
        self.sequence = sequence
        self.dimension = dimension
        self.heads = heads
        rotary = RotaryEmbedding(headDimension: dimension / heads, sequence: sequence, base: ropeBase)
        qkv = layout.add("\(name).qkv.weight", shape: [3 * dimension, dimension],
                         initializer: initialization.initializer(fanIn: dimension))
        output = layout.add("\(name).o.weight", shape: [dimension, dimension],
                            initializer: initialization.initializer(fanIn: dimension))
    }

    public var headDimension: Int { dimension / heads }

    public func forwardFlops(batch: Int) -> Int {
        8 * batch * sequence * dimension * dimension + 4 * batch * sequence * sequence * dimension
    }

    /// Cached activations and scratch for up to `maxBatch` examples.
    public final class Workspace<T: Scalar> {
        public let maxBatch: Int
        let qkv: ScalarBuffer<T>, probabilities: ScalarBuffer<T>, attended: ScalarBuffer<T>
        let dAttended: ScalarBuffer<T>, dQKV: ScalarBuffer<T>, dScores: ScalarBuffer<T>
        let cos: ScalarBuffer<T>, sin: ScalarBuffer<T>
        public init(_ layer: SelfAttention, maxBatch: Int) {
            self.maxBatch = maxBatch
            let rows = maxBatch * layer.sequence, d = layer.dimension, l = layer.sequence
            qkv = ScalarBuffer(count: rows * 3 * d)
            probabilities = ScalarBuffer(count: maxBatch * layer.heads * l * l)
            attended = ScalarBuffer(count: rows * d)
            dAttended = ScalarBuffer(count: rows * d)
            dQKV = ScalarBuffer(count: rows * 3 * d)
            dScores = ScalarBuffer(count: l * l)
            let (c, s) = layer.rotary.tables(T.self)
            cos = ScalarBuffer(count: c.count)
            cos.assign(c)
            sin = ScalarBuffer(count: s.count)
            sin.assign(s)
        }
    }

    /// `y ← Attention(x)` on `[batch, sequence, dimension]`.
    @_specialize(where T == Float)
    @_specialize(where T == Double)
    public func forward<T: Scalar>(_ x: UnsafePointer<T>, batch: Int, parameters p: UnsafePointer<T>,
                                   workspace w: Workspace<T>, into y: UnsafeMutablePointer<T>) {
        precondition(batch <= w.maxBatch, "SelfAttention workspace holds \(w.maxBatch) examples, got \(batch)")
        let d = dimension, d3 = 3 * dimension, l = sequence, dh = headDimension, rows = batch * l
        let qkvp = w.qkv.pointer
        Kernels.gemm(false, true, m: rows, n: d3, k: d, x, lda: d, p + qkv.offset, ldb: d,
                     beta: 0, qkvp, ldc: d3)
        rotary.rotate(qkvp, batch: batch, heads: heads, stride: d3, cos: w.cos.pointer, sin: w.sin.pointer,
                      inverse: false)
        rotary.rotate(qkvp + d, batch: batch, heads: heads, stride: d3, cos: w.cos.pointer, sin: w.sin.pointer,
                      inverse: false)
        let scale = 1 / T.sqrt(T(dh))
        let blasThreads = BLAS.threadCount
        if blasThreads > 1 { BLAS.setThreadCount(1) }  // see `backward`
        for b in 0..<batch {
            for h in 0..<heads {
                let q = qkvp + b * l * d3 + h * dh, k = q + d, v = q + 2 * d
                let pr = w.probabilities.pointer + (b * heads + h) * l * l
                Kernels.gemm(false, true, m: l, n: l, k: dh, alpha: scale, q, lda: d3, k, ldb: d3,
                             beta: 0, pr, ldc: l)
                Self.softmaxRows(pr, rows: l, columns: l)
                Kernels.gemm(false, false, m: l, n: dh, k: l, pr, lda: l, v, ldb: d3,
                             beta: 0, w.attended.pointer + b * l * d + h * dh, ldc: d)
            }
        }
        if blasThreads > 1 { BLAS.setThreadCount(blasThreads) }
        Kernels.gemm(false, true, m: rows, n: d, k: d, w.attended.pointer, lda: d, p + output.offset, ldb: d,
                     beta: 0, y, ldc: d)
    }

    /// VJP of the last `forward` on input `x`: adds parameter gradients into `g`; writes
    /// (or adds, with `accumulate`) the input cotangent into `dx`.
    @_specialize(where T == Float)
    @_specialize(where T == Double)
    public func backward<T: Scalar>(_ dy: UnsafePointer<T>, input x: UnsafePointer<T>, batch: Int,
                                    parameters p: UnsafePointer<T>, gradients g: UnsafeMutablePointer<T>,
                                    workspace w: Workspace<T>, inputCotangent dx: UnsafeMutablePointer<T>,
                                    accumulate: Bool = false) {
        let d = dimension, d3 = 3 * dimension, l = sequence, dh = headDimension, rows = batch * l
        let qkvp = w.qkv.pointer, dqkv = w.dQKV.pointer, dO = w.dAttended.pointer, dS = w.dScores.pointer
        Kernels.gemm(true, false, m: d, n: d, k: rows, dy, lda: d, w.attended.pointer, ldb: d,
                     beta: 1, g + output.offset, ldc: d)
        Kernels.gemm(false, false, m: rows, n: d, k: d, dy, lda: d, p + output.offset, ldb: d,
                     beta: 0, dO, ldc: d)
        let scale = 1 / T.sqrt(T(dh))
        // The per-head products are small (sequence² × head dimension); OpenBLAS's threaded
        // driver costs more than it gains on them (and mallocs a job array per call), so
        // they run single-threaded; the large projections keep all BLAS threads.
        let blasThreads = BLAS.threadCount
        if blasThreads > 1 { BLAS.setThreadCount(1) }
        for b in 0..<batch {
            for h in 0..<heads {
                let q = qkvp + b * l * d3 + h * dh, k = q + d, v = q + 2 * d
                let dq = dqkv + b * l * d3 + h * dh, dk = dq + d, dv = dq + 2 * d
                let o = dO + b * l * d + h * dh
                let pr = w.probabilities.pointer + (b * heads + h) * l * l
                Kernels.gemm(true, false, m: l, n: dh, k: l, pr, lda: l, o, ldb: d, beta: 0, dv, ldc: d3)
                Kernels.gemm(false, true, m: l, n: l, k: dh, o, lda: d, v, ldb: d3, beta: 0, dS, ldc: l)
                for i in 0..<l {
                    let pi = pr + i * l, si = dS + i * l
                    let dot = Kernels.dot(pi, si, count: l)
                    for j in 0..<l { si[j] = pi[j] * (si[j] - dot) }
                }
                Kernels.gemm(false, false, m: l, n: dh, k: l, alpha: scale, dS, lda: l, k, ldb: d3,
                             beta: 0, dq, ldc: d3)
                Kernels.gemm(true, false, m: l, n: dh, k: l, alpha: scale, dS, lda: l, q, ldb: d3,
                             beta: 0, dk, ldc: d3)
            }
        }
        if blasThreads > 1 { BLAS.setThreadCount(blasThreads) }
        rotary.rotate(dqkv, batch: batch, heads: heads, stride: d3, cos: w.cos.pointer, sin: w.sin.pointer,
                      inverse: true)
        rotary.rotate(dqkv + d, batch: batch, heads: heads, stride: d3, cos: w.cos.pointer, sin: w.sin.pointer,
                      inverse: true)
        Kernels.gemm(true, false, m: d3, n: d, k: rows, dqkv, lda: d3, x, ldb: d, beta: 1,
                     g + qkv.offset, ldc: d)
        Kernels.gemm(false, false, m: rows, n: d, k: d3, dqkv, lda: d3, p + qkv.offset, ldb: d,
                     beta: accumulate ? 1 : 0, dx, ldc: d)
    }

    /// Numerically stable softmax of each row, in place.
    @inline(__always)
    static func softmaxRows<T: Scalar>(_ x: UnsafeMutablePointer<T>, rows: Int, columns: Int) {
        for r in 0..<rows {
            let row = x + r * columns
            var m = row[0]
            for j in 1..<columns { m = Swift.max(m, row[j]) }
            // Separate exp and sum loops: the exp loop vectorises, the sum uses 4 chains.
            for j in 0..<columns { row[j] = FastExponential.exp(row[j] - m) }
            let inv = 1 / Kernels.sum(UnsafePointer(row), count: columns)
            for j in 0..<columns { row[j] *= inv }
        }
    }
}
