import AttractorNeural
import AttractorNumerics
import Testing
@testable import AttractorReasoning

/// The network (parameters, embedding, `F`, heads) keeps nothing between calls: integrators
/// built on one network run independently, and a replica shares values, not gradients.
@Suite struct ReasoningNetworkTests {
    /// One segment + heads + backward on `model` from a fixed state; returns z_H, logits and ∇θ.
    static func pass(_ model: ReasoningModel<Double>, tokens: [Int32], batch: Int) throws -> [[Double]] {
        let r = try ReasoningTestSupport.segmentGradient(model, tokens: tokens, start: {
            let s = model.makeState()
            ReasoningTestSupport.randomize(s, seed: 12)
            return s
        }(), batch: batch)
        return [r.high, r.logits, r.gradient]
    }

    @Test(arguments: [ModelKind.trm, .hrm])
    func integratorsOnOneNetworkDoNotInterfere(_ kind: ModelKind) throws {
        let c = kind == .trm ? try ReasoningTestSupport.trm() : try ReasoningTestSupport.hrm()
        let network = try ReasoningNetwork<Double>(configuration: c, seed: 5)
        let a = try ReasoningModel(network: network, maxBatch: 3)
        let b = try ReasoningModel(network: network, maxBatch: 2)
        #expect(a.store === b.store && a.network === network)
        let tokensA = ReasoningTestSupport.tokens(batch: 3, sequence: 4, vocabulary: 5, seed: 8)
        let tokensB = ReasoningTestSupport.tokens(batch: 2, sequence: 4, vocabulary: 5, seed: 9)
        let first = try Self.pass(a, tokens: tokensA, batch: 3)
        _ = try Self.pass(b, tokens: tokensB, batch: 2)  // another batch through the same network
        let again = try Self.pass(a, tokens: tokensA, batch: 3)
        #expect(first == again)
        // The same as a model that owns a fresh network of the same seed.
        let own = try ReasoningModel<Double>(configuration: c, maxBatch: 3, seed: 5)
        #expect(try Self.pass(own, tokens: tokensA, batch: 3) == first)
    }

    @Test func aReplicaSharesValuesAndHasItsOwnGradients() throws {
        let network = try ReasoningNetwork<Double>(configuration: try ReasoningTestSupport.trm(), seed: 5)
        let replica = try ReasoningNetwork(replicaOf: network)
        #expect(replica.store.values.array == network.store.values.array)
        network.store.values.pointer[0] += 1  // an optimiser step on the original is seen by the replica
        #expect(replica.store.values.pointer[0] == network.store.values.pointer[0])
        replica.store.gradients.pointer[0] = 7
        #expect(network.store.gradients.pointer[0] != 7)
    }
}
