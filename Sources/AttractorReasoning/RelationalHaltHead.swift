import AttractorNeural
import AttractorNumerics

/// A halting readout that sees how positions relate, added to the mean-pooled head
/// (`haltReadout = relational`):
///
///     h_t = ReLU(C z_t + c)                 per position, `features` channels
///     g_r = tanh(Σ_t M[r, t] h_t + m_r)     `groups` learned mixtures of positions
///     q  += R · vec(g)                      into the halting logits
///
/// The mean-pooled head reads `mean_t z_t`, which is the same for any permutation of the
/// positions: a state whose cells were swapped — a confident grid with digits in the wrong
/// places — gets exactly the halting logit of the original. The relational readout is not
/// invariant (`M` weighs positions differently), and two layers suffice to represent "some
/// group of positions holds a feature twice" (a group sum past a threshold). Nothing about
/// the task is built in: `C`, `M`, `R` are learned. `R` starts at zero, so a fresh model halts
/// as the mean head alone does.
struct RelationalHaltHead: Sendable, Equatable {
    /// Channels of the per-position features `h_t`.
    static let features = 16
    /// Mixtures of positions `g_r`.
    static let groups = 32

    let sequence: Int
    let hidden: Int
    let outputs: Int
    let cell: Linear
    let mix: ParameterView
    let mixBias: ParameterView
    let readout: Linear

    init(sequence: Int, hidden: Int, outputs: Int, initialization: WeightInitialization,
         layout: inout ParameterLayout) {
        self.sequence = sequence
        self.hidden = hidden
        self.outputs = outputs
        let k = Self.features, r = Self.groups
        cell = Linear("halt.relational.cell", inFeatures: hidden, outFeatures: k, bias: true, layout: &layout,
                      initializer: initialization.initializer(fanIn: hidden))
        mix = layout.add("halt.relational.mix.weight", shape: [r, sequence],
                         initializer: initialization.initializer(fanIn: sequence))
        mixBias = layout.add("halt.relational.mix.bias", shape: [r], initializer: .zeros)
        readout = Linear("halt.relational.readout", inFeatures: r * k, outFeatures: outputs, layout: &layout,
                         initializer: .zeros)
    }

    /// Activations of one pass, grown to the largest batch seen.
    final class Buffers<T: Scalar> {
        var preActivation = ScalarBuffer<T>(count: 0)
        var features = ScalarBuffer<T>(count: 0)
        var groups = ScalarBuffer<T>(count: 0)
        var logits = ScalarBuffer<T>(count: 0)
        var cotangent = ScalarBuffer<T>(count: 0)
        var featureCotangent = ScalarBuffer<T>(count: 0)

        func reserve(batch: Int, sequence l: Int, outputs: Int) {
            let k = RelationalHaltHead.features, r = RelationalHaltHead.groups
            guard features.count < batch * l * k else { return }
            preActivation = ScalarBuffer(count: batch * l * k)
            features = ScalarBuffer(count: batch * l * k)
            featureCotangent = ScalarBuffer(count: batch * l * k)
            groups = ScalarBuffer(count: batch * r * k)
            cotangent = ScalarBuffer(count: batch * r * k)
            logits = ScalarBuffer(count: batch * max(1, outputs))
        }
    }

    /// Adds the readout's logits for `read` (`batch × sequence × hidden`) into `haltLogits`
    /// (`batch × outputs`; nil: only the activations), keeping the activations in `buffers`
    /// for `backward`.
    func forward<T: Scalar>(_ read: UnsafePointer<T>, batch: Int, parameters p: UnsafePointer<T>,
                            addingInto haltLogits: UnsafeMutablePointer<T>?, buffers: Buffers<T>) {
        let l = sequence, k = Self.features, r = Self.groups
        buffers.reserve(batch: batch, sequence: l, outputs: outputs)
        let pre = buffers.preActivation.pointer, h = buffers.features.pointer, g = buffers.groups.pointer
        cell.forward(read, rows: batch * l, parameters: p, into: pre)
        for i in 0..<(batch * l * k) { h[i] = max(pre[i], 0) }
        let m = p + mix.offset, mb = p + mixBias.offset
        for b in 0..<batch {
            // g_b = M · H_b  ([r, l] · [l, k]), then the bias and tanh.
            T.gemm(transposeA: false, transposeB: false, m: r, n: k, k: l, alpha: 1, a: m, lda: l,
                   b: UnsafePointer(h + b * l * k), ldb: k, beta: 0, c: g + b * r * k, ldc: k)
            for j in 0..<r {
                let row = g + (b * r + j) * k
                for c in 0..<k { row[c] = T.tanh(row[c] + mb[j]) }
            }
        }
        guard let haltLogits else { return }
        let q = buffers.logits.pointer
        readout.forward(UnsafePointer(g), rows: batch, parameters: p, into: q)
        for i in 0..<(batch * outputs) { haltLogits[i] += q[i] }
    }

    /// VJP at `read` (its activations recomputed, so other passes may run in between): adds the parameter gradients into `gradients`
    /// and, when given, `∂L/∂read` into `readCotangent`.
    func backward<T: Scalar>(_ haltCotangent: UnsafePointer<T>, read: UnsafePointer<T>, batch: Int,
                             parameters p: UnsafePointer<T>, gradients: UnsafeMutablePointer<T>,
                             readCotangent: UnsafeMutablePointer<T>?, buffers: Buffers<T>) {
        forward(read, batch: batch, parameters: p, addingInto: nil, buffers: buffers)
        let l = sequence, k = Self.features, r = Self.groups
        let pre = buffers.preActivation.pointer, h = buffers.features.pointer, g = buffers.groups.pointer
        let dg = buffers.cotangent.pointer, dh = buffers.featureCotangent.pointer
        readout.backward(haltCotangent, input: UnsafePointer(g), rows: batch, parameters: p, gradients: gradients,
                         inputCotangent: dg)
        for i in 0..<(batch * r * k) { dg[i] *= 1 - g[i] * g[i] }
        let m = p + mix.offset, gm = gradients + mix.offset, gmb = gradients + mixBias.offset
        for b in 0..<batch {
            let dgb = dg + b * r * k, hb = h + b * l * k
            for j in 0..<r {
                var s: T = 0
                for c in 0..<k { s += dgb[j * k + c] }
                gmb[j] += s
            }
            // dM += dG_b · H_bᵀ  ([r, k] · [k, l]); dH_b = Mᵀ · dG_b  ([l, r] · [r, k]).
            T.gemm(transposeA: false, transposeB: true, m: r, n: l, k: k, alpha: 1, a: UnsafePointer(dgb), lda: k,
                   b: UnsafePointer(hb), ldb: k, beta: 1, c: gm, ldc: l)
            T.gemm(transposeA: true, transposeB: false, m: l, n: k, k: r, alpha: 1, a: m, lda: l,
                   b: UnsafePointer(dgb), ldb: k, beta: 0, c: dh + b * l * k, ldc: k)
        }
        for i in 0..<(batch * l * k) where pre[i] <= 0 { dh[i] = 0 }
        cell.backward(UnsafePointer(dh), input: read, rows: batch * l, parameters: p, gradients: gradients,
                      inputCotangent: readCotangent, accumulate: true)
    }
}
