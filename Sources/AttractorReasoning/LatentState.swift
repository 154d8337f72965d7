import AttractorNeural
import AttractorNumerics

/// The latent state of a batch: the high level `z_H` (TRM's answer state `y`) and the low
/// level `z_L` (TRM's `z`), each `capacity × sequence × hidden`, row-major per example.
public final class LatentState<T: Scalar> {
    public let capacity: Int
    /// Scalars per example (`sequence · hidden`).
    public let width: Int
    public let high: ScalarBuffer<T>
    public let low: ScalarBuffer<T>

    public init(capacity: Int, width: Int) {
        self.capacity = capacity
        self.width = width
        high = ScalarBuffer(count: capacity * width)
        low = ScalarBuffer(count: capacity * width)
    }

    /// Sets example `row` to the initial state (zero: the input "repeller" `u = x`).
    public func reset(row: Int) {
        (high.pointer + row * width).update(repeating: 0, count: width)
        (low.pointer + row * width).update(repeating: 0, count: width)
    }

    /// Sets example `row` to a random start: every coordinate of `z_H`, then of `z_L`, drawn
    /// from `N(0, scale²)` by `random` (zero, as `reset`, when `scale` is 0).
    public func randomStart(row: Int, scale: Double, random: RandomSource) {
        reset(row: row)
        guard scale > 0 else { return }
        random.fillGaussian(UnsafeMutableBufferPointer(start: high.pointer + row * width, count: width), sigma: scale)
        random.fillGaussian(UnsafeMutableBufferPointer(start: low.pointer + row * width, count: width), sigma: scale)
    }

    /// Redraws example `row` at a random subset of its `sequence` positions: each position is
    /// chosen with probability `fraction` (one uniform draw per position, in order), and a
    /// chosen position's `z_H` then `z_L` vectors are drawn from `N(0, scale²)`; the other
    /// positions keep their values.
    public func redrawPositions(row: Int, sequence: Int, fraction: Double, scale: Double, random: RandomSource) {
        precondition(sequence > 0 && width % sequence == 0, "the width is not a whole number of positions")
        let d = width / sequence
        for t in 0..<sequence where random.uniform() < fraction {
            let offset = row * width + t * d
            random.fillGaussian(UnsafeMutableBufferPointer(start: high.pointer + offset, count: d), sigma: scale)
            random.fillGaussian(UnsafeMutableBufferPointer(start: low.pointer + offset, count: d), sigma: scale)
        }
    }

    /// Moves example `row`'s vectors between positions: `count` distinct positions (at least
    /// 2, at most `sequence`) are chosen at random (a partial Fisher–Yates shuffle by `random`)
    /// and their `z_H` and `z_L` vectors rotated one place along the chosen order, so every
    /// chosen position receives another chosen position's pair and the other positions keep
    /// their values. The state stays on the set the map produces (every vector is one the map
    /// wrote), but a few positions now hold what the state says about other cells.
    public func swapPositions(row: Int, sequence: Int, count: Int, random: RandomSource) {
        precondition(sequence > 1 && width % sequence == 0, "the width is not a whole number of at least two positions")
        let d = width / sequence, k = min(max(count, 2), sequence)
        var order = Array(0..<sequence)
        for i in 0..<k { order.swapAt(i, i + random.integer(below: sequence - i)) }
        for buffer in [high, low] {
            let base = buffer.pointer + row * width
            let first = Array(UnsafeBufferPointer(start: base + order[0] * d, count: d))
            for i in 0..<(k - 1) { (base + order[i] * d).update(from: base + order[i + 1] * d, count: d) }
            (base + order[k - 1] * d).update(from: first, count: d)
        }
    }

    /// Copies every example of `other` (same shape), or only its first `rows`.
    public func copy(from other: LatentState<T>, rows: Int? = nil) {
        precondition(other.capacity == capacity && other.width == width, "latent states differ in shape")
        let n = min(rows ?? capacity, capacity) * width
        high.pointer.update(from: other.high.pointer, count: n)
        low.pointer.update(from: other.low.pointer, count: n)
    }
}
