import Testing
import AttractorDynamics
import AttractorNumerics

@Suite struct BrownianPathTests {
    /// Dyadic (node) and non-dyadic (bridge) times of [0, 2], plus both ends.
    static let queryTimes: [Double] = [0, 0.3, 0.5, 1.0, 1.37, 1.999, 2.0, 0.25, 0.7777, 1.5, 0.0001]

    static func values(_ path: BrownianPath<Double>, at times: [Double]) throws -> [Double: [Double]] {
        var out: [Double: [Double]] = [:]
        for t in times { out[t] = try path.value(at: t) }
        return out
    }

    @Test func sameSeedReplaysBitForBitInAnyQueryOrder() throws {
        let forward = try BrownianPath<Double>(t1: 2, rows: 3, width: 2, seed: 7)
        let reverse = try BrownianPath<Double>(t1: 2, rows: 3, width: 2, seed: 7)
        let shuffled = try BrownianPath<Double>(t1: 2, rows: 3, width: 2, seed: 7)
        let times = Self.queryTimes.sorted()
        let a = try Self.values(forward, at: times)
        let b = try Self.values(reverse, at: times.reversed())
        var order = times
        var generator = RandomSourceGenerator(source: RandomSource(seed: 99))
        order.shuffle(using: &generator)
        let c = try Self.values(shuffled, at: order)
        for t in times {
            #expect(a[t]!.map(\.bitPattern) == b[t]!.map(\.bitPattern), "reverse order differs at t = \(t)")
            #expect(a[t]!.map(\.bitPattern) == c[t]!.map(\.bitPattern), "shuffled order differs at t = \(t)")
        }
        // Re-querying the first path after many other queries still replays it.
        #expect(try forward.value(at: 0.3) == a[0.3]!)
        #expect(try forward.value(at: 0) == [Double](repeating: 0, count: 6))
    }

    @Test func anotherSeedGivesAnotherPath() throws {
        let p = try BrownianPath<Double>(t1: 2, rows: 3, width: 2, seed: 7)
        let q = try BrownianPath<Double>(t1: 2, rows: 3, width: 2, seed: 8)
        for t in Self.queryTimes where t > 0 {
            let (u, v) = (try p.value(at: t), try q.value(at: t))
            for c in u.indices { #expect(u[c] != v[c], "seeds 7 and 8 agree at t = \(t), channel \(c)") }
        }
    }

    @Test func nodesAreDrawnFromGSLMersenneTwisterSeededPerNode() throws {
        let seed: UInt64 = 12345
        let path = try BrownianPath<Double>(t0: 1, t1: 3, rows: 2, width: 2, seed: seed)
        // W(t1) = √2·Z₀ with Z₀ from RandomSource(seed: mix(seed, 0)).
        let root = RandomSource(seed: RandomSource.mix(seed, 0))
        let w1 = (0..<4).map { _ in 2.0.squareRoot() * root.gaussian() }
        #expect(try path.value(at: 3) == w1)
        // W(2) = ½(0 + W(3)) + √(2/4)·Z₁, Z₁ from mix(seed, 1).
        let mid = RandomSource(seed: RandomSource.mix(seed, 1))
        let w2 = (0..<4).map { c in 0.5 * (0 + w1[c]) + 0.5.squareRoot() * mid.gaussian() }
        #expect(try path.value(at: 2) == w2)
    }

    @Test func nodeValuesDoNotDependOnTolerance() throws {
        let coarse = try BrownianPath<Double>(t1: 1, rows: 4, width: 1, seed: 3, tolerance: 0x1p-5)
        let fine = try BrownianPath<Double>(t1: 1, rows: 4, width: 1, seed: 3, tolerance: 0x1p-20)
        #expect(coarse.depth == 5 && fine.depth == 20)
        for k in 0...32 {
            let t = Double(k) / 32
            #expect(try coarse.value(at: t) == fine.value(at: t), "differs at t = \(t)")
        }
    }

    @Test func dyadicSweepsSampleEachNodeOnceForwardAndBackward() throws {
        let forward = try BrownianPath<Double>(t1: 1, rows: 2, width: 1, seed: 5, tolerance: 0x1p-12)
        for k in 0...256 { _ = try forward.value(at: Double(k) / 256) }
        // 255 midpoints of the levels 0…7 plus W(t1): each drawn exactly once.
        #expect(forward.samplesDrawn == 256)
        let backward = try BrownianPath<Double>(t1: 1, rows: 2, width: 1, seed: 5, tolerance: 0x1p-12)
        for k in (0...256).reversed() { _ = try backward.value(at: Double(k) / 256) }
        #expect(backward.samplesDrawn == 256)
    }

    @Test func incrementsHaveMeanZeroVarianceDtAndAreIndependent() throws {
        let n = 20_000
        let path = try BrownianPath<Double>(t1: 1, rows: n, width: 1, seed: 11)
        // Bridge-filled (non-dyadic) and node (dyadic) increments.
        for (s, t) in [(0.1, 0.3), (0.5, 0.75), (0.31, 0.3103)] {
            let dw = try path.increment(from: s, to: t)
            let (mean, variance) = SDEEnsemble.sampleMoments(dw, rows: n, dimension: 1)
            let dt = t - s
            #expect(abs(mean[0]) < 4 * (dt / Double(n)).squareRoot(), "mean of W(\(t)) − W(\(s))")
            #expect(abs(variance[0] / dt - 1) < 0.05, "variance \(variance[0]) of W(\(t)) − W(\(s)), dt \(dt)")
        }
        let first = try path.increment(from: 0.1, to: 0.3)
        let second = try path.increment(from: 0.3, to: 0.65)
        #expect(abs(correlation(first, second)) < 0.04)
        // Cov(W(s), W(t)) = min(s, t).
        let ws = try path.value(at: 0.3), wt = try path.value(at: 0.8)
        let cov = zip(ws, wt).map { $0 * $1 }.reduce(0, +) / Double(n)
        #expect(abs(cov - 0.3) < 0.03)
    }

    @Test func bridgeMidpointHasConditionalLaw() throws {
        // W(m) − ½(W(a) + W(b)) is N(0, (b − a)/4) and independent of W(b) − W(a).
        let n = 20_000
        let path = try BrownianPath<Double>(t1: 1, rows: n, width: 1, seed: 21)
        let (a, m, b) = (0.1, 0.4, 0.7)
        let wa = try path.value(at: a), wm = try path.value(at: m), wb = try path.value(at: b)
        let residual = (0..<n).map { wm[$0] - 0.5 * (wa[$0] + wb[$0]) }
        let span = (0..<n).map { wb[$0] - wa[$0] }
        let (_, v) = SDEEnsemble.sampleMoments(residual, rows: n, dimension: 1)
        #expect(abs(v[0] / ((b - a) / 4) - 1) < 0.05, "residual variance \(v[0])")
        #expect(abs(correlation(residual, span)) < 0.04)
    }

    @Test func floatPathTracksDoublePath() throws {
        let d = try BrownianPath<Double>(t1: 1, rows: 3, width: 3, seed: 4)
        let f = try BrownianPath<Float>(t1: 1, rows: 3, width: 3, seed: 4)
        for t in [0.125, 0.3, 0.999] {
            let (x, y) = (try d.value(at: t), try f.value(at: t))
            for c in x.indices { #expect(abs(Double(y[c]) - x[c]) < 1e-5) }
        }
    }

    @Test func pathIncrementsReplayThePathBitForBit() throws {
        let path = try BrownianPath<Double>(t1: 1, rows: 2, width: 3, seed: 9)
        let increments = try BrownianIncrements(path: path)
        var dW = [Double](repeating: 0, count: 6)
        var s = 0.0
        for t in [0.1, 0.25, 0.6, 0.61, 1.0] {
            try dW.withUnsafeMutableBufferPointer { (p) throws(BrownianPathError) in try increments.next(to: t, into: p.baseAddress!) }
            #expect(dW == (try path.increment(from: s, to: t)))
            s = t
        }
    }

    @Test func streamIncrementsAreSeededWithVarianceDt() throws {
        let n = 20_000
        func draw(_ seed: UInt64) throws -> [Double] {
            let stream = try BrownianIncrements<Double>(seed: seed, rows: n, width: 1)
            var dW = [Double](repeating: 0, count: n)
            try dW.withUnsafeMutableBufferPointer { (p) throws(BrownianPathError) in
                try stream.next(to: 0.2, into: p.baseAddress!)
                try stream.next(to: 0.5, into: p.baseAddress!)
            }
            return dW
        }
        let a = try draw(1)
        #expect(a == (try draw(1)))
        #expect(a != (try draw(2)))
        let (_, v) = SDEEnsemble.sampleMoments(a, rows: n, dimension: 1)
        #expect(abs(v[0] / 0.3 - 1) < 0.05)
    }

    @Test func badQueriesAndConstructionAreTypedErrors() throws {
        let path = try BrownianPath<Double>(t0: 1, t1: 2, rows: 1, width: 1, seed: 0)
        #expect(throws: BrownianPathError.timeOutsideSpan(t: 2.5, t0: 1, t1: 2)) { try path.value(at: 2.5) }
        #expect(throws: BrownianPathError.self) { try path.value(at: 0.5) }
        #expect(throws: BrownianPathError.self) { try path.value(at: .nan) }
        #expect(throws: SolverError.invalidTimeSpan(t0: 1, t1: 1)) { try BrownianPath<Double>(t0: 1, t1: 1, rows: 1, width: 1, seed: 0) }
        #expect(throws: SolverError.self) { try BrownianPath<Double>(t1: 1, rows: 0, width: 1, seed: 0) }
        #expect(throws: SolverError.self) { try BrownianPath<Double>(t1: 1, rows: 1, width: 1, seed: 0, tolerance: 0) }
    }
}

/// Sample correlation of two equally long samples.
func correlation(_ x: [Double], _ y: [Double]) -> Double {
    let n = Double(x.count)
    let mx = x.reduce(0, +) / n, my = y.reduce(0, +) / n
    var sxy = 0.0, sxx = 0.0, syy = 0.0
    for i in x.indices {
        sxy += (x[i] - mx) * (y[i] - my)
        sxx += (x[i] - mx) * (x[i] - mx)
        syy += (y[i] - my) * (y[i] - my)
    }
    return sxy / (sxx * syy).squareRoot()
}

/// Value-type wrapper so `shuffle(using:)` can draw from a seeded `RandomSource`.
struct RandomSourceGenerator: RandomNumberGenerator {
    let source: RandomSource
    mutating func next() -> UInt64 { source.next() }
}
