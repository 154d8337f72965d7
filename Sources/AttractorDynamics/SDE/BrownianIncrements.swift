import AttractorNumerics

/// Forward-only Brownian increments `ΔW = W(t) − W(s)` over consecutive times, the way a
/// fixed-step SDE solver consumes them (`rows × width` channels, no allocation per step).
///
/// Two sources, and how they relate to `BrownianPath`:
/// - `init(path:)` replays a `BrownianPath`: every increment is **bit for bit**
///   `path.value(at: t) − path.value(at: s)` (it keeps `W(s)` from the previous call, so each
///   step costs one path query; on a dyadic grid about one tree node per step). Use it when
///   the same path must be reused: by another scheme, an exact solution, or an adjoint.
/// - `init(seed:rows:width:t0:)` is the cheap generator for forward-only runs: one MT19937
///   stream (`RandomSource(seed:)`), increments `√(t − s)·Z` drawn in order, row-major,
///   `rows·width` ziggurat Gaussians per step and no re-seeding. Its partial sums are a
///   Brownian motion on the visited grid with **the same law** as the tree's, but a different
///   realisation; it cannot be replayed backward or queried in between. A path for the
///   same seed does not reproduce it.
public final class BrownianIncrements<Scalar: AttractorNumerics.Scalar> {
    public let rows: Int
    public let width: Int
    /// The time the next increment starts from.
    public private(set) var time: Double
    /// The path being replayed, if any.
    public let path: BrownianPath<Scalar>?

    private let source: RandomSource?
    /// `W(time)` for path-backed increments.
    private let current: UnsafeMutablePointer<Scalar>

    public var channels: Int { rows * width }

    /// Replays `path` from `t0` (default: the path's own start).
    public init(path: BrownianPath<Scalar>, t0: Double? = nil) throws {
        let start = t0 ?? path.t0
        rows = path.rows
        width = path.width
        time = start
        self.path = path
        source = nil
        current = .allocate(capacity: path.channels)
        current.initialize(repeating: 0, count: path.channels)
        try path.value(at: start, into: current)
    }

    /// A single seeded stream (cheap, forward-only; see the type's documentation).
    public init(seed: UInt64, rows: Int, width: Int, t0: Double = 0) throws {
        guard rows > 0 else { throw SolverError.dimensionMismatch(expected: 1, got: rows, what: "Brownian increments rows") }
        guard width > 0 else { throw SolverError.dimensionMismatch(expected: 1, got: width, what: "Brownian increments width") }
        self.rows = rows
        self.width = width
        time = t0
        path = nil
        source = RandomSource(seed: seed)
        current = .allocate(capacity: 1)
        current.initialize(to: 0)
    }

    deinit { current.deallocate() }

    /// Whether `t` can be reached from `time` by this source (forward, inside a path's span).
    public func covers(_ t1: Double) -> Bool {
        guard let path else { return true }
        return time >= path.t0 && t1 <= path.t1
    }

    /// Writes `W(t) − W(time)` into `increment` and advances `time` to `t` (`t > time`).
    /// - Complexity: one path query (path-backed) or `rows·width` Gaussians (stream).
    public func next(to t: Double, into increment: UnsafeMutablePointer<Scalar>) throws(BrownianPathError) {
        let n = channels
        if let path {
            // Query into `increment`, then difference and keep W(t) in `current`.
            try path.value(at: t, into: increment)
            for c in 0..<n {
                let w = increment[c]
                increment[c] = w - current[c]
                current[c] = w
            }
        } else if let source {
            let sd = max(0, t - time).squareRoot()
            for c in 0..<n { increment[c] = Scalar(sd * source.gaussian()) }
        }
        time = t
    }
}
