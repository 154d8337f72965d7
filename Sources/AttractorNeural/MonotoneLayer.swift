import AttractorNumerics

/// A monotone-operator equilibrium layer on `[sequence, hidden]` states (Winston & Kolter,
/// 2020): its output is the **one** solution of
///
///     z = relu(z − α(Gz − u)),     G Z = A_tᵀA_t Z + Z A_cA_cᵀ + m Z
///
/// for the input `u` (same shape), with `A_t` (`[sequence, sequence]`, token mixing) and `A_c`
/// (`[hidden, hidden]`, channel mixing) unconstrained. `G` is symmetric with spectrum in
/// `[m, L]`, `L = ‖A_t‖₂² + ‖A_c‖₂² + m` (certified by `SpectralNormBound`), so with `α = 1/L`
/// the forward–backward map contracts by `q = 1 − m/L` for every value of the weights: one
/// fixed point per input, reached from every start, and the map's Jacobian has norm ≤ `q`
/// there. The fixed point does not depend on `α`; only the speed does. The solver-core twin
/// (dense, any monotone `G`) is `ForwardBackwardField`; the measured case for Sudoku is
/// Docs/Training.md, round 30.
///
/// `backward` is the implicit gradient at the fixed point: `w = c + J_Tᵀw` (`J_T = D(I − αG)`,
/// `D` the ReLU mask) by `adjointIterations` terms of its Neumann series (a truncation when
/// few; exact as they grow, at rate `q`), then one VJP of the map.
public struct MonotoneLayer: Sendable, Equatable {
    public let sequence: Int
    public let hidden: Int
    /// `m`, the strong monotonicity.
    public let strongMonotonicity: Double
    /// `A_t`, `[sequence, sequence]`.
    public let tokenFactor: ParameterView
    /// `A_c`, `[hidden, hidden]`.
    public let channelFactor: ParameterView

    public init(_ name: String, sequence: Int, hidden: Int, strongMonotonicity m: Double,
                layout: inout ParameterLayout) {
        precondition(sequence > 0 && hidden > 0, "MonotoneLayer needs positive sizes")
        precondition(m > 0 && m.isFinite, "MonotoneLayer needs m > 0, got \(m)")
        self.sequence = sequence
        self.hidden = hidden
        strongMonotonicity = m
        tokenFactor = layout.add("\(name).token_factor", shape: [sequence, sequence],
                                 initializer: .truncatedNormal(std: 0.5 / Double(sequence).squareRoot()))
        channelFactor = layout.add("\(name).channel_factor", shape: [hidden, hidden],
                                   initializer: .truncatedNormal(std: 0.5 / Double(hidden).squareRoot()))
    }

    /// `L ≥ ‖G‖₂` for the weights at `p`.
    public func lipschitzBound<T: Scalar>(parameters p: UnsafePointer<T>) -> Double {
        let t = SpectralNormBound.upperBound(p + tokenFactor.offset, rows: sequence, columns: sequence)
        let c = SpectralNormBound.upperBound(p + channelFactor.offset, rows: hidden, columns: hidden)
        return t * t + c * c + strongMonotonicity
    }

    /// Buffers for up to `maxBatch` examples.
    public final class Workspace<T: Scalar> {
        public let maxBatch: Int
        public internal(set) var batch = 0
        /// The fixed point of the last `forward`, `[batch, sequence, hidden]`.
        public let output: ScalarBuffer<T>
        /// `∂L/∂u` after `backward`.
        public let inputCotangent: ScalarBuffer<T>
        let input: ScalarBuffer<T>
        let mask: ScalarBuffer<T>     // the ReLU mask at the fixed point (backward)
        let gz: ScalarBuffer<T>
        let w: ScalarBuffer<T>
        let token: ScalarBuffer<T>     // P = A_tᵀA_t
        let channel: ScalarBuffer<T>   // Q = A_cA_cᵀ
        let dToken: ScalarBuffer<T>
        let dChannel: ScalarBuffer<T>
        var alpha = 0.0
        /// Iterations and the largest relative step of the last `forward`.
        public internal(set) var iterations = 0
        public internal(set) var relativeStep = Double.infinity

        public init(_ layer: MonotoneLayer, maxBatch: Int) {
            self.maxBatch = maxBatch
            let n = maxBatch * layer.sequence * layer.hidden
            output = ScalarBuffer(count: n)
            inputCotangent = ScalarBuffer(count: n)
            input = ScalarBuffer(count: n)
            mask = ScalarBuffer(count: n)
            gz = ScalarBuffer(count: n)
            w = ScalarBuffer(count: n)
            token = ScalarBuffer(count: layer.sequence * layer.sequence)
            channel = ScalarBuffer(count: layer.hidden * layer.hidden)
            dToken = ScalarBuffer(count: layer.sequence * layer.sequence)
            dChannel = ScalarBuffer(count: layer.hidden * layer.hidden)
        }
    }

    /// `out ← G z` for `batch` examples, with `P`, `Q` already in the workspace.
    @_specialize(where T == Float)
    @_specialize(where T == Double)
    func applyG<T: Scalar>(_ z: UnsafePointer<T>, _ out: UnsafeMutablePointer<T>, batch: Int, workspace ws: Workspace<T>) {
        let s = sequence, h = hidden
        // Z Q for all rows at once, then + P Z per example, + m Z.
        Kernels.gemm(false, false, m: batch * s, n: h, k: h, z, lda: h, UnsafePointer(ws.channel.pointer), ldb: h,
                     beta: 0, out, ldc: h)
        for b in 0..<batch {
            Kernels.gemm(false, false, m: s, n: h, k: s, UnsafePointer(ws.token.pointer), lda: s, z + b * s * h, ldb: h,
                         beta: 1, out + b * s * h, ldc: h)
        }
        let m = T(strongMonotonicity)
        for i in 0..<(batch * s * h) { out[i] += m * z[i] }
    }

    /// Solves for the fixed point from zero until the largest relative step over the batch is
    /// `≤ tolerance` or `maximumIterations`; the result is `workspace.output`.
    @_specialize(where T == Float)
    @_specialize(where T == Double)
    @discardableResult
    public func forward<T: Scalar>(_ u: UnsafePointer<T>, batch: Int, parameters p: UnsafePointer<T>,
                                   workspace ws: Workspace<T>, tolerance: Double = 1e-6,
                                   maximumIterations: Int = 10_000) -> UnsafePointer<T> {
        precondition(batch > 0 && batch <= ws.maxBatch, "batch \(batch) outside 1...\(ws.maxBatch)")
        let s = sequence, h = hidden, n = batch * s * h
        ws.batch = batch
        Kernels.copy(u, ws.input.pointer, count: n)
        // P = A_tᵀA_t, Q = A_cA_cᵀ.
        Kernels.gemm(true, false, m: s, n: s, k: s, p + tokenFactor.offset, lda: s, p + tokenFactor.offset, ldb: s,
                     beta: 0, ws.token.pointer, ldc: s)
        Kernels.gemm(false, true, m: h, n: h, k: h, p + channelFactor.offset, lda: h, p + channelFactor.offset, ldb: h,
                     beta: 0, ws.channel.pointer, ldc: h)
        ws.alpha = 1 / lipschitzBound(parameters: p)
        let alpha = T(ws.alpha)
        let z = ws.output.pointer
        z.update(repeating: 0, count: n)
        ws.iterations = 0
        ws.relativeStep = .infinity
        for k in 0..<maximumIterations {
            applyG(UnsafePointer(z), ws.gz.pointer, batch: batch, workspace: ws)
            var worst = 0.0
            for b in 0..<batch {
                var step = 0.0, norm = 0.0
                for i in (b * s * h)..<((b + 1) * s * h) {
                    let v = z[i] - alpha * (ws.gz.pointer[i] - u[i])
                    let y = v > 0 ? v : 0
                    let d = Double(y - z[i])
                    step += d * d
                    norm += Double(y) * Double(y)
                    z[i] = y  // elementwise: Gz is already in gz, so z can be updated in place
                }
                worst = max(worst, (step / max(norm, 1e-30)).squareRoot())
            }
            ws.iterations = k + 1
            ws.relativeStep = worst
            if worst <= tolerance { break }
        }
        return UnsafePointer(z)
    }

    /// The implicit VJP at the last `forward`'s fixed point: adds `∂L/∂A_t`, `∂L/∂A_c` into
    /// `gradients` and writes `∂L/∂u` into `workspace.inputCotangent`.
    @_specialize(where T == Float)
    @_specialize(where T == Double)
    public func backward<T: Scalar>(_ cotangent: UnsafePointer<T>, parameters p: UnsafePointer<T>,
                                    gradients g: UnsafeMutablePointer<T>, workspace ws: Workspace<T>,
                                    adjointIterations: Int = 20) {
        let batch = ws.batch, s = sequence, h = hidden, n = batch * s * h
        precondition(batch > 0, "backward needs a forward pass first")
        let alpha = T(ws.alpha)
        let z = UnsafePointer(ws.output.pointer)
        // D: the ReLU mask of the map at z* (pre-activation > 0).
        applyG(z, ws.gz.pointer, batch: batch, workspace: ws)
        let mask = ws.mask.pointer
        for i in 0..<n { mask[i] = z[i] - alpha * (ws.gz.pointer[i] - ws.input.pointer[i]) > 0 ? 1 : 0 }
        // w ← c + (I − αG)(D w), from w = c.
        let w = ws.w.pointer, dw = ws.inputCotangent.pointer
        Kernels.copy(cotangent, w, count: n)
        for _ in 0..<max(0, adjointIterations) {
            for i in 0..<n { dw[i] = mask[i] * w[i] }
            applyG(UnsafePointer(dw), ws.gz.pointer, batch: batch, workspace: ws)
            for i in 0..<n { w[i] = cotangent[i] + dw[i] - alpha * ws.gz.pointer[i] }
        }
        // hv = D w, the cotangent of v = z − α(Gz − u).
        let hv = ws.w.pointer
        for i in 0..<n { hv[i] = mask[i] * w[i] }
        // ∂u = α·hv; ∂P = −α Σ_b hv_b z_bᵀ; ∂Q = −α Σ_b z_bᵀ hv_b.
        for i in 0..<n { ws.inputCotangent.pointer[i] = alpha * hv[i] }
        ws.dToken.pointer.update(repeating: 0, count: s * s)
        for b in 0..<batch {
            Kernels.gemm(false, true, m: s, n: s, k: h, alpha: -alpha, UnsafePointer(hv) + b * s * h, lda: h,
                         z + b * s * h, ldb: h, beta: 1, ws.dToken.pointer, ldc: s)
        }
        Kernels.gemm(true, false, m: h, n: h, k: batch * s, alpha: -alpha, z, lda: h, UnsafePointer(hv), ldb: h,
                     beta: 0, ws.dChannel.pointer, ldc: h)
        // P = A_tᵀA_t: ∂A_t = A_t(∂P + ∂Pᵀ); Q = A_cA_cᵀ: ∂A_c = (∂Q + ∂Qᵀ)A_c.
        symmetrise(ws.dToken.pointer, s)
        symmetrise(ws.dChannel.pointer, h)
        Kernels.gemm(false, false, m: s, n: s, k: s, p + tokenFactor.offset, lda: s, UnsafePointer(ws.dToken.pointer),
                     ldb: s, beta: 1, g + tokenFactor.offset, ldc: s)
        Kernels.gemm(false, false, m: h, n: h, k: h, UnsafePointer(ws.dChannel.pointer), lda: h, p + channelFactor.offset,
                     ldb: h, beta: 1, g + channelFactor.offset, ldc: h)
    }

    /// `M ← M + Mᵀ` in place.
    @_specialize(where T == Float)
    @_specialize(where T == Double)
    private func symmetrise<T: Scalar>(_ m: UnsafeMutablePointer<T>, _ k: Int) {
        for i in 0..<k {
            for j in i..<k {
                let v = m[i * k + j] + m[j * k + i]
                m[i * k + j] = v
                m[j * k + i] = v
            }
        }
    }
}
