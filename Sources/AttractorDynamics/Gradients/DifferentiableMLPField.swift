import AttractorNumerics
import Dispatch

/// `dz/dt = W2 · tanh(W1 z + b1) + b2`, the standard neural-ODE benchmark field, with a
/// hand-written vector–Jacobian product. Weights in PyTorch `nn.Linear` layout:
/// `w1 [H, D]`, `b1 [H]`, `w2 [D, H]`, `b2 [D]` (flat, in that order).
///
/// - Complexity: evaluate = 2 gemms of `rows × D × H`; VJP = 5, or 4 when the hidden
///   activation saved by `evaluate(…, residuals:)` is passed back (`ResidualSavingVectorField`). For Float the four products with a
///   weight on the right (`z W1ᵀ`, `a W2ᵀ`, `ā W2`, `s W1`) run on `PackedMatrix` — weights
///   packed once per parameter change, bias and `tanh` (or its derivative) fused into the
///   product — and the two weight-gradient products on BLAS.
public final class DifferentiableMLPField<Scalar: AttractorNumerics.Scalar>: ResidualSavingVectorField {
    public let dimension: Int
    public let hidden: Int
    public let parameterLayout: ParameterLayout
    public var parameters: [Scalar] {
        didSet {
            precondition(parameters.count == parameterLayout.count, "MLP field: wrong parameter count")
            packedIsCurrent = false
        }
    }
    /// Packed weights for the Float fast path, repacked in place after any parameter change.
    private var packed: PackedWeights?
    private var packedIsCurrent = false
    public var isAutonomous: Bool { true }
    private let activation = ScratchBuffer<Scalar>()
    private let hiddenCotangent = ScratchBuffer<Scalar>()

    public init(dimension: Int, hidden: Int, w1: [Scalar], b1: [Scalar], w2: [Scalar], b2: [Scalar]) {
        precondition(w1.count == hidden * dimension && b1.count == hidden && w2.count == dimension * hidden
                     && b2.count == dimension, "MLP field: weight shapes do not match D = \(dimension), H = \(hidden)")
        self.dimension = dimension
        self.hidden = hidden
        parameterLayout = ParameterLayout([("w1", [hidden, dimension]), ("b1", [hidden]),
                                           ("w2", [dimension, hidden]), ("b2", [dimension])])
        parameters = w1 + b1 + w2 + b2
    }

    /// A new field with the same parameters and its own scratch memory (for concurrent use).
    public func copy() -> DifferentiableMLPField {
        let d = dimension, h = hidden, p = parameters
        let copy = DifferentiableMLPField(
            dimension: d, hidden: h, w1: Array(p[0..<(h * d)]), b1: Array(p[(h * d)..<(h * d + h)]),
            w2: Array(p[(h * d + h)..<(2 * h * d + h)]), b2: Array(p[(2 * h * d + h)...]))
        copy.rowBlocks = rowBlocks
        return copy
    }

    /// The four weight operands, packed: `w1ᵀ [D × H]` and `w2ᵀ [H × D]` for the evaluation,
    /// `w2 [D × H]` and `w1 [H × D]` for the VJP.
    private final class PackedWeights: @unchecked Sendable {
        let w1T, w2T, w2, w1: PackedMatrix
        init(d: Int, h: Int) {
            w1T = PackedMatrix(k: d, n: h)
            w2T = PackedMatrix(k: h, n: d)
            w2 = PackedMatrix(k: d, n: h)
            w1 = PackedMatrix(k: h, n: d)
        }

        func pack(_ theta: UnsafePointer<Float>, d: Int, h: Int) {
            let w1p = theta, w2p = theta + h * d + h
            w1T.pack(w1p, ldb: d, transposed: true)
            w2T.pack(w2p, ldb: h, transposed: true)
            w2.pack(w2p, ldb: h, transposed: false)
            w1.pack(w1p, ldb: d, transposed: false)
        }
    }

    /// The packed weights (Float only), packed here — before any concurrent use — when the
    /// parameters changed since the last call; allocated once per field.
    private func packedWeights() -> PackedWeights? {
        guard Scalar.self == Float.self else { return nil }
        let weights: PackedWeights
        if let packed { weights = packed } else { weights = PackedWeights(d: dimension, h: hidden); packed = weights }
        if !packedIsCurrent {
            parameters.withUnsafeBufferPointer {
                UnsafeRawPointer($0.baseAddress!).withMemoryRebound(to: Float.self, capacity: $0.count) {
                    weights.pack($0, d: dimension, h: hidden)
                }
            }
            packedIsCurrent = true
        }
        return weights
    }

    @inline(__always)
    private static func float(_ p: UnsafePointer<Scalar>) -> UnsafePointer<Float> {
        UnsafeRawPointer(p).assumingMemoryBound(to: Float.self)
    }

    @inline(__always)
    private static func mutableFloat(_ p: UnsafeMutablePointer<Scalar>) -> UnsafeMutablePointer<Float> {
        UnsafeMutableRawPointer(p).assumingMemoryBound(to: Float.self)
    }

    /// `tanh(z W1ᵀ + b1)` for `rows` rows into `a` (`rows × H`).
    @inline(__always)
    private func hiddenActivation(_ z: UnsafePointer<Scalar>, rows: Int, into a: UnsafeMutablePointer<Scalar>,
                                  _ theta: UnsafePointer<Scalar>, _ packs: PackedWeights?) {
        let d = dimension, h = hidden
        let b1 = theta + h * d
        if let packs {
            packs.w1T.multiply(m: rows, a: Self.float(z), lda: d, bias: Self.float(b1), epilogue: .tanh,
                               c: Self.mutableFloat(a), ldc: h)
            return
        }
        for r in 0..<rows { (a + r * h).update(from: b1, count: h) }
        Scalar.gemm(transposeA: false, transposeB: true, m: rows, n: h, k: d, alpha: 1,
                    a: z, lda: d, b: theta, ldb: d, beta: 1, c: a, ldc: h)
        TanhKernel.apply(a, count: rows * h)
    }

    /// Row blocks evaluated concurrently (1: serial). With more than one block, give BLAS
    /// one thread (`BLAS.setThreadCount(1)`) so the blocks do not oversubscribe the cores.
    public var rowBlocks: Int = 1
    private let blockGradient = ScratchBuffer<Scalar>()

    /// Runs `body(rowStart, rowCount, block)` over `rowBlocks` contiguous row blocks.
    private func forEachRowBlock(_ rows: Int, _ body: (Int, Int, Int) -> Void) {
        let blocks = max(1, min(rowBlocks, rows))
        if blocks == 1 { body(0, rows, 0); return }
        let per = (rows + blocks - 1) / blocks
        withoutActuallyEscaping(body) { work in
            nonisolated(unsafe) let work = work
            DispatchQueue.concurrentPerform(iterations: blocks) { b in
                let start = b * per
                if start < rows { work(start, min(per, rows - start), b) }
            }
        }
    }

    public func evaluate(
        t: Scalar, state: UnsafePointer<Scalar>, derivative: UnsafeMutablePointer<Scalar>, rows: RowSelection
    ) {
        evaluateRows(state, derivative, rows: rows.count, activation: activation.pointer(count: rows.count * hidden))
    }

    /// The hidden activation `tanh(z W1ᵀ + b1)`, `H` scalars per row.
    public var residualsPerRow: Int { hidden }

    public func evaluate(
        t: Scalar, state: UnsafePointer<Scalar>, derivative: UnsafeMutablePointer<Scalar>, rows: RowSelection,
        residuals: UnsafeMutablePointer<Scalar>
    ) {
        evaluateRows(state, derivative, rows: rows.count, activation: residuals)
    }

    private func evaluateRows(_ state: UnsafePointer<Scalar>, _ derivative: UnsafeMutablePointer<Scalar>, rows: Int,
                              activation activationBase: UnsafeMutablePointer<Scalar>) {
        let d = dimension, h = hidden
        let packs = packedWeights()
        parameters.withUnsafeBufferPointer { thetaBuffer in
            nonisolated(unsafe) let theta = thetaBuffer.baseAddress!
            nonisolated(unsafe) let (z, out, act) = (state, derivative, activationBase)
            forEachRowBlock(rows) { r0, m, _ in
                let a = act + r0 * h, dz = out + r0 * d
                hiddenActivation(z + r0 * d, rows: m, into: a, theta, packs)
                let w2 = theta + h * d + h, b2 = w2 + d * h
                if let packs {
                    packs.w2T.multiply(m: m, a: Self.float(a), lda: h, bias: Self.float(b2), c: Self.mutableFloat(dz), ldc: d)
                    return
                }
                for r in 0..<m { (dz + r * d).update(from: b2, count: d) }
                Scalar.gemm(transposeA: false, transposeB: true, m: m, n: d, k: h, alpha: 1,
                            a: a, lda: h, b: w2, ldb: h, beta: 1, c: dz, ldc: d)
            }
        }
    }

    public func vectorJacobianProduct(
        t: Scalar, state: UnsafePointer<Scalar>, cotangent: UnsafePointer<Scalar>,
        stateCotangent: UnsafeMutablePointer<Scalar>, parameterGradient: UnsafeMutablePointer<Scalar>?,
        rows: RowSelection
    ) {
        vjp(state, cotangent, stateCotangent, parameterGradient, rows: rows.count,
            activation: activation.pointer(count: rows.count * hidden), recompute: true)
    }

    public func vectorJacobianProduct(
        t: Scalar, state: UnsafePointer<Scalar>, residuals: UnsafePointer<Scalar>, cotangent: UnsafePointer<Scalar>,
        stateCotangent: UnsafeMutablePointer<Scalar>, parameterGradient: UnsafeMutablePointer<Scalar>?,
        rows: RowSelection
    ) {
        // Only read: the pointer is mutable for the shared row routine's sake.
        vjp(state, cotangent, stateCotangent, parameterGradient, rows: rows.count,
            activation: UnsafeMutablePointer(mutating: residuals), recompute: false)
    }

    private func vjp(
        _ state: UnsafePointer<Scalar>, _ cotangent: UnsafePointer<Scalar>, _ stateCotangent: UnsafeMutablePointer<Scalar>,
        _ parameterGradient: UnsafeMutablePointer<Scalar>?, rows: Int, activation actBase: UnsafeMutablePointer<Scalar>,
        recompute: Bool
    ) {
        let d = dimension, h = hidden, p = parameterLayout.count
        let blocks = max(1, min(rowBlocks, rows))
        // Block 0 accumulates into the caller's buffer, the others into private ones.
        let extra = blocks > 1 && parameterGradient != nil ? blockGradient.pointer(count: (blocks - 1) * p) : nil
        extra?.update(repeating: 0, count: (blocks - 1) * p)
        let sBase = hiddenCotangent.pointer(count: rows * h)
        let packs = packedWeights()
        parameters.withUnsafeBufferPointer { thetaBuffer in
            nonisolated(unsafe) let theta = thetaBuffer.baseAddress!
            nonisolated(unsafe) let (z, abar, zbar, act, sb, g0, gx) = (state, cotangent, stateCotangent, actBase, sBase, parameterGradient, extra)
            forEachRowBlock(rows) { r0, m, block in
                let g = block == 0 ? g0 : gx.map { $0 + (block - 1) * p }
                if recompute { hiddenActivation(z + r0 * d, rows: m, into: act + r0 * h, theta, packs) }
                vjpRows(z + r0 * d, abar + r0 * d, zbar + r0 * d, g, rows: m,
                        activation: act + r0 * h, hiddenCotangent: sb + r0 * h, theta, packs)
            }
        }
        if let g = parameterGradient, let extra {
            for b in 0..<(blocks - 1) { Scalar.axpy(n: p, alpha: 1, x: extra + b * p, y: g) }
        }
    }

    /// A linear layer's parameter gradients over `m` rows: `weight [outputs × inputCount] +=
    /// cotangentᵀ · inputs` and `bias += Σ_rows cotangent` (C kernels when `fast`, Float only).
    private func accumulateLayerGradient(
        _ cotangent: UnsafePointer<Scalar>, outputs: Int, inputs: UnsafePointer<Scalar>, inputCount: Int, rows m: Int,
        weight: UnsafeMutablePointer<Scalar>, bias: UnsafeMutablePointer<Scalar>, fast: Bool
    ) {
        if fast {
            PackedMatrix.accumulateTransposedProduct(m: outputs, n: inputCount, k: m, a: Self.float(cotangent), lda: outputs,
                                                     b: Self.float(inputs), ldb: inputCount, c: Self.mutableFloat(weight),
                                                     ldc: inputCount)
            PackedMatrix.accumulateColumnSums(m: m, n: outputs, a: Self.float(cotangent), lda: outputs,
                                              into: Self.mutableFloat(bias))
        } else {
            Scalar.gemm(transposeA: true, transposeB: false, m: outputs, n: inputCount, k: m, alpha: 1,
                        a: cotangent, lda: outputs, b: inputs, ldb: inputCount, beta: 1, c: weight, ldc: inputCount)
            for r in 0..<m { Scalar.axpy(n: outputs, alpha: 1, x: cotangent + r * outputs, y: bias) }
        }
    }

    /// The VJP of `m` rows given their hidden activation `a`.
    private func vjpRows(
        _ state: UnsafePointer<Scalar>, _ cotangent: UnsafePointer<Scalar>, _ stateCotangent: UnsafeMutablePointer<Scalar>,
        _ parameterGradient: UnsafeMutablePointer<Scalar>?, rows m: Int,
        activation a: UnsafeMutablePointer<Scalar>, hiddenCotangent s: UnsafeMutablePointer<Scalar>,
        _ theta: UnsafePointer<Scalar>, _ packs: PackedWeights?
    ) {
        let d = dimension, h = hidden
        let w1 = theta, w2 = theta + h * d + h
        if let g = parameterGradient {
            let gw2 = g + h * d + h, gb2 = gw2 + d * h
            // ∂/∂w2 += āᵀ a, ∂/∂b2 += Σ_rows ā
            accumulateLayerGradient(cotangent, outputs: d, inputs: a, inputCount: h, rows: m,
                                    weight: gw2, bias: gb2, fast: packs != nil)
        }
        // s = (ā W2) ⊙ (1 − a²)
        if let packs {
            packs.w2.multiply(m: m, a: Self.float(cotangent), lda: d,
                              epilogue: .tanhDerivative(activation: Self.float(a), ldt: h),
                              c: Self.mutableFloat(s), ldc: h)
        } else {
            Scalar.gemm(transposeA: false, transposeB: false, m: m, n: h, k: d, alpha: 1,
                        a: cotangent, lda: d, b: w2, ldb: h, beta: 0, c: s, ldc: h)
            GradientKernels.multiplyByTanhDerivative(s, activation: a, count: m * h)
        }
        if let g = parameterGradient {
            let gb1 = g + h * d
            // ∂/∂w1 += sᵀ z, ∂/∂b1 += Σ_rows s
            accumulateLayerGradient(s, outputs: h, inputs: state, inputCount: d, rows: m,
                                    weight: g, bias: gb1, fast: packs != nil)
        }
        // z̄ = s W1
        if let packs {
            packs.w1.multiply(m: m, a: Self.float(s), lda: h, c: Self.mutableFloat(stateCotangent), ldc: d)
            return
        }
        Scalar.gemm(transposeA: false, transposeB: false, m: m, n: d, k: h, alpha: 1,
                    a: s, lda: h, b: w1, ldb: d, beta: 0, c: stateCotangent, ldc: d)
    }
}
