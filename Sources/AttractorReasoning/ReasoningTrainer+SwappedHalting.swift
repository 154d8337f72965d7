import AttractorNeural
import AttractorNumerics

/// `loss.swappedHalting`: the halting head trained on confident wrong states built from right
/// ones (ReasoningConfiguration.LossWeights.swappedHalting).
extension ReasoningTrainer {
    /// One worker's buffers for the swapped states and their halting logits.
    final class SwapScratch {
        let states: ScalarBuffer<Float>
        let logits: ScalarBuffer<Float>
        let cotangent: ScalarBuffer<Float>
        let pooled: ScalarBuffer<Float>
        init(rows: Int, width: Int, outputs: Int, hidden: Int) {
            states = ScalarBuffer(count: rows * width)
            logits = ScalarBuffer(count: rows * max(1, outputs))
            cotangent = ScalarBuffer(count: rows * max(1, outputs))
            pooled = ScalarBuffer(count: rows * hidden)
        }
    }

    /// The stream `swappedHalting` mixes into the seed.
    static let swapStream: UInt64 = 0x5A4B

    /// The positions slot `slot` rotates at this step (distinct, `count` of `sequence`), from
    /// `(seed, step, slot)` alone, so they do not depend on the sharding or the threads.
    static func swappedPositions(seed: UInt64, step: Int, slot: Int, count: Int, sequence: Int) -> [Int] {
        let random = RandomSource(seed: RandomSource.mix(RandomSource.mix(RandomSource.mix(seed, swapStream), UInt64(step)),
                                                         UInt64(slot)))
        var order = Array(0..<sequence)
        for i in 0..<count {
            let j = i + random.integer(below: sequence - i)
            order.swapAt(i, j)
        }
        return Array(order.prefix(count))
    }

    /// Whether an answer that equals `labels` stays right when the states of `positions` are
    /// rotated (position `p_i` gets `p_{i+1}`'s): exactly when those labels are all equal.
    static func rotationKeepsAnswer(labels: UnsafePointer<Int32>, positions: [Int]) -> Bool {
        positions.allSatisfy { labels[$0] == labels[positions[0]] }
    }

    /// The swapped-halting BCE on the shard's right examples: each one's `z_H` with
    /// `loss.swappedHaltingPositions` positions rotated, read by the halting head (its `q_halt`
    /// toward whether the rotated answer is still right), gradient into the head's parameters
    /// only; the examples that are not right contribute 0 to the batch mean. Returns the
    /// weighted value (the shard's share of the batch mean; 0 when no example of the shard is
    /// right).
    func swappedHaltingLoss(_ pass: ShardPass) -> Double {
        let config = configuration, replica = pass.replica
        let weight = config.loss.swappedHalting
        let outputs = config.haltOutputs.count
        guard weight > 0, outputs > 0 else { return 0 }
        let l = config.block.sequence, d = config.block.hidden, width = l * d
        let scratch = swapScratch[pass.worker]
        let source = pass.carry.high.pointer
        var rows = 0
        var targets: [Float] = []
        for r in 0..<pass.rows where slotCorrect[pass.start + r] {
            let slot = pass.start + r
            let positions = Self.swappedPositions(seed: seed, step: step, slot: slot,
                                                  count: config.loss.swappedHaltingPositions, sequence: l)
            let from = source + r * width, to = scratch.states.pointer + rows * width
            to.update(from: from, count: width)
            for (i, p) in positions.enumerated() {
                let q = positions[(i + 1) % positions.count]
                (to + p * d).update(from: from + q * d, count: d)
            }
            let kept = slotLabels.withUnsafeBufferPointer {
                Self.rotationKeepsAnswer(labels: $0.baseAddress! + slot * l, positions: positions)
            }
            targets.append(kept ? 1 : 0)
            rows += 1
        }
        guard rows > 0 else { return 0 }
        let network = replica.network
        network.haltLogits(UnsafePointer(scratch.states.pointer), batch: rows, into: scratch.logits.pointer,
                           pooled: scratch.pooled.pointer)
        // BCE on q_halt (output 0) only, summed over the swapped rows and divided by the
        // shard's rows, times its share: a batch mean in which every right example weighs
        // as much as in the halting loss (where it is a positive) — a mean over the right
        // examples alone would outweigh each positive by batch / right and silence halting.
        let scale = weight * pass.share / Double(pass.rows)
        var value = 0.0
        let q = scratch.logits.pointer, dq = scratch.cotangent.pointer
        dq.update(repeating: 0, count: rows * outputs)
        for r in 0..<rows {
            let x = Double(q[r * outputs]), y = Double(targets[r])
            let softplus: Double = Double.log(1 + Double.exp(-abs(x)))
            value += max(x, 0) - x * y + softplus
            let sigmoid: Double = 1 / (1 + Double.exp(-x))
            dq[r * outputs] = Float(scale * (sigmoid - y))
        }
        network.backwardHaltLogits(UnsafePointer(scratch.states.pointer), batch: rows, haltCotangent: UnsafePointer(dq),
                                   pooled: scratch.pooled.pointer)
        return scale * value
    }
}
