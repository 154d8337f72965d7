import AttractorNeural
import AttractorNumerics

/// Checks made while loading a checkpoint, before anything large is allocated or used:
/// the memory its configuration needs, and finite weights.
extension ReasoningCheckpoint {
    /// A lower estimate of the bytes a model of `configuration` needs for `maxBatch` examples:
    /// its parameters (values, gradients, scratch) and the per-example work buffers. Nil when
    /// a product of sizes overflows.
    public static func estimatedBytes(_ configuration: ReasoningConfiguration, maxBatch: Int) -> Int? {
        let b = configuration.block
        typealias M = MemoryBudget
        let mixer = b.mixer == .attention ? M.product(4, b.hidden, b.hidden) : M.product(3, b.sequence, b.tokenInner)
        let channel = M.product(3, b.hidden, b.channelInner)
        let layer = M.sum(mixer, channel)
        let perNetwork = layer.flatMap { M.product($0, max(b.layers, 0)) }
        let networks = perNetwork.flatMap { M.product($0, configuration.networks.count) }
        let embedding = M.product(2, configuration.vocabulary, b.hidden)
        let halt = M.product(b.hidden, configuration.haltOutputs.count)
        guard let parameters = M.sum(networks, embedding, halt) else { return nil }
        let state = M.product(maxBatch, b.sequence, b.hidden)
        let inner = M.product(maxBatch, b.sequence, max(b.channelInner, b.tokenInner, 1))
        let logits = M.product(2, maxBatch, b.sequence, configuration.vocabulary)
        let scalars = M.sum(M.product(3, parameters), state.flatMap { M.product(16, $0) },
                            inner.flatMap { M.product(4, $0) }, logits)
        return scalars.flatMap { M.product($0, MemoryLayout<Float>.size) }
    }

    /// Refuses a checkpoint whose configuration needs more memory than `MemoryBudget` allows
    /// (e.g. a `config.json` that says `hidden: 1e12`), before any allocation.
    public static func requireMemory(_ configuration: ReasoningConfiguration, maxBatch: Int,
                                     directory: String) throws(ReasoningError) {
        let b = configuration.block
        for (name, value) in [("hidden", b.hidden), ("sequence", b.sequence), ("layers", b.layers),
                              ("tokenInner", b.tokenInner), ("channelInner", b.channelInner),
                              ("vocabulary", configuration.vocabulary), ("networks", configuration.networks.count)] where value < 1 {
            throw .checkpoint("\(directory)/config.json: \(name) is \(value), must be positive; the file is corrupt")
        }
        do {
            try MemoryBudget.require(bytes: estimatedBytes(configuration, maxBatch: maxBatch),
                                     what: "checkpoint \(directory) (hidden \(b.hidden), sequence \(b.sequence), \(b.layers) layers, batch \(maxBatch))")
        } catch {
            throw .checkpoint(error.description)
        }
    }

    /// `requireMemory` for the checkpoint in `directory` (reads its `config.json`).
    public static func requireMemory(at directory: String, maxBatch: Int) throws(ReasoningError) {
        try requireMemory(manifest(at: directory).configuration, maxBatch: maxBatch, directory: directory)
    }

    /// Refuses NaN or infinite weights, naming the tensor and the first bad index.
    static func requireFinite(_ scalars: [Float], tensor: String, file: String) throws(ReasoningError) {
        guard let i = scalars.firstIndex(where: { !$0.isFinite }) else { return }
        let bad = scalars.lazy.filter { !$0.isFinite }.count
        throw .checkpoint("\(file): tensor '\(tensor)' holds \(bad) non-finite value(s) (first \(scalars[i]) at index \(i)); "
                          + "the checkpoint is corrupt: retrain it, or use an earlier checkpoint")
    }
}

extension ReasoningCheckpoint {
    /// A JSON decoding failure as "what, at which key" (no raw `DecodingError` dump).
    static func describe(_ error: Error) -> String {
        guard let e = error as? DecodingError else { return "\(error)" }
        return describeDecodingError(e)
    }
}
