import AttractorNeural
import AttractorNumerics

/// The input of a batch of segments: `batch` examples' tokens and their embedding
/// `x = E[tokens]` (`batch × sequence × hidden`), written by `ReasoningModel.embed(_:batch:into:)`
/// and read by `runSegment`, `backwardSegment` and the regularisers. The model keeps no
/// input of its own: every call that needs `x` is given it, so one input serves every
/// deep-supervision segment of its batch, and nothing a segment does can overwrite it.
///
/// Inference retires halted rows with `keep(row:at:)` and `truncate(to:)` (no re-embedding).
public final class SegmentInput<T: Scalar> {
    /// Examples it can hold.
    public let capacity: Int
    /// Tokens per example.
    public let sequence: Int
    /// Scalars of `x` per example (`sequence · hidden`).
    public let width: Int
    /// Examples embedded (0 until the first `embed`).
    public internal(set) var batch = 0
    let tokenBuffer: UnsafeMutablePointer<Int32>
    let embedded: ScalarBuffer<T>

    init(capacity: Int, sequence: Int, width: Int) {
        precondition(capacity >= 1 && sequence >= 1 && width >= 1, "a segment input holds at least one example")
        self.capacity = capacity
        self.sequence = sequence
        self.width = width
        tokenBuffer = .allocate(capacity: capacity * sequence)
        tokenBuffer.initialize(repeating: 0, count: capacity * sequence)
        embedded = ScalarBuffer(count: capacity * width)
    }

    deinit { tokenBuffer.deallocate() }

    /// `x` of the embedded examples, row-major per example.
    public var embedding: UnsafePointer<T> { UnsafePointer(embedded.pointer) }

    /// The embedded tokens (`batch × sequence`).
    public var tokens: [Int32] { Array(UnsafeBufferPointer(start: tokenBuffer, count: batch * sequence)) }

    /// Moves example `row` to position `slot` (`slot ≤ row`), tokens and embedding: inference
    /// packs the rows still running to the front.
    public func keep(row: Int, at slot: Int) {
        precondition(slot <= row && row < batch, "keep(row:at:) moves a row of the batch forward")
        guard slot != row else { return }
        (tokenBuffer + slot * sequence).update(from: tokenBuffer + row * sequence, count: sequence)
        (embedded.pointer + slot * width).update(from: embedded.pointer + row * width, count: width)
    }

    /// Keeps the first `rows` examples.
    public func truncate(to rows: Int) {
        precondition(rows >= 1 && rows <= batch, "truncate(to:) keeps 1…\(batch) rows")
        batch = rows
    }
}
