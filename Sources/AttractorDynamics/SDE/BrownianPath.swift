import AttractorNumerics

/// A query outside a Brownian path's time span.
public enum BrownianPathError: Error, Equatable, Sendable, CustomStringConvertible {
    case timeOutsideSpan(t: Double, t0: Double, t1: Double)

    public var description: String {
        switch self {
        case let .timeOutsideSpan(t, t0, t1):
            return "Brownian path queried at t = \(t), outside its span [\(t0), \(t1)]"
        }
    }
}

/// A batched Brownian motion `W(t)` on `[t0, t1]` (`rows × width` independent channels,
/// `W(t0) = 0`) that can be queried at any time, in any order, and always returns the
/// same value for the same `(seed, t)`: a virtual Brownian tree.
///
/// ## Construction
/// `W(t1) = √(t1 − t0)·Z₀`. The interval is bisected recursively; the node of heap index
/// `k` (root `k = 1` is the midpoint of `[t0, t1]`, its children `2k`, `2k + 1`) holds
/// `W(m) = ½(W(a) + W(b)) + √((b − a)/4)·Z_k` for its interval `[a, b]`, `m` the midpoint:
/// the exact Brownian-bridge law of `W(m)` given its two ends. Every `Z_k` (one standard
/// normal per channel, row-major) is drawn from GSL's MT19937 + ziggurat seeded with
/// `RandomSource.mix(seed, k)` (`Z₀` with `mix(seed, 0)`), so a node's value depends only on
/// the seed and its ancestors — never on which queries came before.
///
/// A query descends from the root until `t` hits a node time (dyadic points of the span)
/// or the current interval is narrower than `tolerance`; inside such a leaf `[a, b]` it
/// draws the bridge sample `W(a) + (t − a)/(b − a)·(W(b) − W(a)) + √((t − a)(b − t)/(b − a))·Z`
/// with `Z` seeded by `mix(mix(seed, leaf), t.bitPattern)`.
///
/// ## Guarantees
/// - **Replay:** the same seed gives the same `W(t)` bit for bit, whatever the order of
///   queries (forward, backward for an adjoint, random), on every run.
/// - **Exact law:** values at dyadic node times are exact Brownian motion. Any set of query
///   times at least `tolerance` apart has the exact joint law of Brownian motion (no two of
///   them can fall inside the same leaf, and different leaves are conditionally independent
///   given the nodes, by the Markov property). Two queries closer than `tolerance` inside the
///   same leaf are conditionally independent rather than correlated: only then is the law
///   approximate.
/// - **Tolerance-independent nodes:** node values do not depend on `tolerance`, so two paths
///   with the same seed and span agree bit for bit at every dyadic time both resolve.
///
/// ## Cost
/// The path keeps the values of the nodes on the most recent root-to-leaf search (the
/// cache, `(depth + 2)·rows·width` scalars). Consecutive queries share most of that search,
/// so a sweep over a dyadic grid of `2^k` steps, forward or backward, samples each node
/// once: amortised one node (one MT19937 re-seed, ~1–2 µs, plus `rows·width` Gaussians)
/// per step. A non-dyadic query costs up to `depth − level(dt)` extra nodes plus one bridge
/// sample. Not thread-safe (the cache mutates); give each thread its own path object —
/// equal seeds give equal paths.
public final class BrownianPath<Scalar: AttractorNumerics.Scalar> {
    public let t0: Double
    public let t1: Double
    /// Batch rows (independent sample paths of the SDE).
    public let rows: Int
    /// Brownian motions per row (1 for scalar noise, the state dimension otherwise).
    public let width: Int
    public let seed: UInt64
    /// Leaves are no wider than this; queries at least this far apart have the exact joint law.
    public let tolerance: Double
    /// Bisection depth reached by the widest-resolution queries.
    public let depth: Int
    /// Nodes and bridge samples drawn so far (counts the work the cache saves).
    public private(set) var samplesDrawn = 0

    /// `rows · width`.
    public var channels: Int { rows * width }

    /// Node times closer than this to a query are treated as equal (absorbs the last-bit
    /// differences between `t0 + n·dt` and repeated halving).
    private let snap: Double
    /// Value bank: slot 0 = `W(t0)` (zeros), slot 1 = `W(t1)`, slot `2 + ℓ` = the midpoint of
    /// the level-`ℓ` interval on the cached search path.
    private let bank: UnsafeMutablePointer<Scalar>
    /// Heap index of the node whose value is in slot `2 + ℓ` (0 = empty).
    private let cachedNode: UnsafeMutablePointer<UInt64>
    private let stream = ReseedableGaussianStream()

    /// The deepest bisection a path allows: leaves of width `(t1 − t0)·2^-40` and coarser.
    public static var maximumDepth: Int { 40 }

    /// - Parameters:
    ///   - tolerance: the widest leaf; defaults to `(t1 − t0)·2⁻¹⁶`. Choose it no larger than
    ///     the smallest step you will take (the solvers use `dt`); the time span is
    ///     bisected `⌈log₂((t1 − t0)/tolerance)⌉` times (at most `maximumDepth`).
    public init(t0: Double = 0, t1: Double, rows: Int, width: Int, seed: UInt64,
                tolerance: Double? = nil) throws {
        guard t0.isFinite, t1.isFinite, t1 > t0 else { throw SolverError.invalidTimeSpan(t0: t0, t1: t1) }
        guard rows > 0 else { throw SolverError.dimensionMismatch(expected: 1, got: rows, what: "Brownian path rows") }
        guard width > 0 else { throw SolverError.dimensionMismatch(expected: 1, got: width, what: "Brownian path width") }
        let span = t1 - t0
        let tol = tolerance ?? span * 0x1p-16
        guard tol.isFinite, tol > 0 else { throw SolverError.invalidTolerance(rtol: 0, atol: tol) }
        var d = 0
        while d < Self.maximumDepth && span * Double(sign: .plus, exponent: -d, significand: 1) > tol { d += 1 }
        self.t0 = t0
        self.t1 = t1
        self.rows = rows
        self.width = width
        self.seed = seed
        self.tolerance = tol
        self.depth = d
        self.snap = span * 0x1p-46
        let n = rows * width
        bank = .allocate(capacity: (d + 2) * n)
        bank.initialize(repeating: 0, count: (d + 2) * n)
        cachedNode = .allocate(capacity: max(d, 1))
        cachedNode.initialize(repeating: 0, count: max(d, 1))
        // W(t1) = √span · Z₀.
        stream.reseed(RandomSource.mix(seed, 0))
        let sd = span.squareRoot()
        let w1 = bank + n
        for c in 0..<n { w1[c] = Scalar(sd * stream.gaussian()) }
        samplesDrawn = 1
    }

    deinit {
        bank.deallocate()
        cachedNode.deallocate()
    }

    /// Writes `W(t)` (`rows × width`, row-major) into `output`.
    /// - Complexity: amortised O(1) nodes for sweeps over a dyadic grid, at most `depth`
    ///   nodes plus one bridge sample otherwise; no allocation.
    public func value(at t: Double, into output: UnsafeMutablePointer<Scalar>) throws(BrownianPathError) {
        guard t.isFinite, t >= t0 - snap, t <= t1 + snap else {
            throw .timeOutsideSpan(t: t, t0: t0, t1: t1)
        }
        let n = channels
        if t - t0 <= snap { output.update(repeating: 0, count: n); return }
        if t1 - t <= snap { output.update(from: bank + n, count: n); return }
        var a = t0, b = t1
        var lo = 0, hi = 1
        var node: UInt64 = 1
        for level in 0..<depth {
            let m = a + (b - a) * 0.5
            let slot = 2 + level
            if cachedNode[level] != node {
                sampleMidpoint(node: node, width: b - a, lo: lo, hi: hi, slot: slot)
                cachedNode[level] = node
            }
            if abs(t - m) <= snap {
                output.update(from: bank + slot * n, count: n)
                return
            }
            if t < m { hi = slot; b = m; node = 2 &* node } else { lo = slot; a = m; node = 2 &* node &+ 1 }
        }
        sampleBridge(t: t, a: a, b: b, lo: lo, hi: hi, leaf: node, output: output)
    }

    /// Writes `W(t) − W(s)` into `output`, using `scratch` (`rows·width` scalars).
    public func increment(from s: Double, to t: Double, into output: UnsafeMutablePointer<Scalar>,
                          scratch: UnsafeMutablePointer<Scalar>) throws(BrownianPathError) {
        try value(at: s, into: scratch)
        try value(at: t, into: output)
        for c in 0..<channels { output[c] -= scratch[c] }
    }

    /// `W(t)` as an array (convenience; allocates).
    public func value(at t: Double) throws(BrownianPathError) -> [Scalar] {
        var out = [Scalar](repeating: 0, count: channels)
        try out.withUnsafeMutableBufferPointer { (p) throws(BrownianPathError) in try value(at: t, into: p.baseAddress!) }
        return out
    }

    /// `W(t) − W(s)` as an array (convenience; allocates).
    public func increment(from s: Double, to t: Double) throws(BrownianPathError) -> [Scalar] {
        let ws = try value(at: s)
        var wt = try value(at: t)
        for c in wt.indices { wt[c] -= ws[c] }
        return wt
    }

    // MARK: sampling

    private func sampleMidpoint(node: UInt64, width: Double, lo: Int, hi: Int, slot: Int) {
        let n = channels
        let wa = bank + lo * n, wb = bank + hi * n, out = bank + slot * n
        let sd = (0.25 * width).squareRoot()
        let half = Scalar(0.5)
        stream.reseed(RandomSource.mix(seed, node))
        for c in 0..<n { out[c] = half * (wa[c] + wb[c]) + Scalar(sd * stream.gaussian()) }
        samplesDrawn += 1
    }

    private func sampleBridge(t: Double, a: Double, b: Double, lo: Int, hi: Int, leaf: UInt64,
                              output: UnsafeMutablePointer<Scalar>) {
        let n = channels
        let wa = bank + lo * n, wb = bank + hi * n
        let fraction = Scalar((t - a) / (b - a))
        let sd = max(0, (t - a) * (b - t) / (b - a)).squareRoot()
        stream.reseed(RandomSource.mix(RandomSource.mix(seed, leaf), t.bitPattern))
        for c in 0..<n { output[c] = wa[c] + fraction * (wb[c] - wa[c]) + Scalar(sd * stream.gaussian()) }
        samplesDrawn += 1
    }
}
