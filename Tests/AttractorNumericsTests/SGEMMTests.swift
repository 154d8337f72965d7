import Testing
import AttractorNumerics

/// The general Float product (`CKernels/sgemm.c`) on each kernel path, called through the
/// explicit-path API (`SGEMM.multiply(path:…)`) so no test changes the process-wide path that
/// other suites, running in parallel, use through `Float.gemm`.
@Suite struct SGEMMTests {
    static func random(_ count: Int, seed: UInt64, sigma: Double = 1) -> [Float] {
        var x = [Double](repeating: 0, count: count)
        RandomSource(seed: seed).fillGaussian(&x, sigma: sigma)
        return x.map(Float.init)
    }

    /// The path if this CPU has it, else nil with a note (the test then checks nothing for it).
    static func runnable(_ path: KernelPath) -> KernelPath? {
        if path.isAvailable { return path }
        print("SGEMMTests: skipping kernel path \(path), not available on this CPU")
        return nil
    }

    /// One product with every operand in a buffer wider than its matrix (leading dimension =
    /// width + pad); the padding holds NaN in A and B (never to be read) and a sentinel in C
    /// (never to be written). C's own elements start as NaN when beta = 0.
    struct Case: CustomStringConvertible {
        var ta: Bool, tb: Bool, m: Int, n: Int, k: Int, alpha: Float, beta: Float, pad: Int
        var description: String {
            "\(ta ? "T" : "N")\(tb ? "T" : "N") m \(m) n \(n) k \(k) alpha \(alpha) beta \(beta) pad \(pad)"
        }
    }

    /// Runs `c` on `path`; returns the largest error relative to the magnitude of the sum
    /// (|beta·c0| + |alpha|·Σ|a·b|, at least 1) and checks the padding of C is untouched.
    static func check(_ path: KernelPath, _ c: Case, seed: UInt64) throws -> Double {
        let (ar, ac) = c.ta ? (c.k, c.m) : (c.m, c.k)
        let (br, bc) = c.tb ? (c.n, c.k) : (c.k, c.n)
        let lda = ac + c.pad, ldb = bc + c.pad, ldc = c.n + c.pad
        var a = random(ar * lda, seed: seed), b = random(br * ldb, seed: seed + 1)
        for i in 0..<ar { for j in ac..<lda { a[i * lda + j] = .nan } }
        for i in 0..<br { for j in bc..<ldb { b[i * ldb + j] = .nan } }
        let c0 = random(c.m * ldc, seed: seed + 2)
        var out = c0
        for i in 0..<c.m {
            for j in 0..<ldc { if j >= c.n { out[i * ldc + j] = 12345 } else if c.beta == 0 { out[i * ldc + j] = .nan } }
        }
        try SGEMM.multiply(path: path, transposeA: c.ta, transposeB: c.tb, m: c.m, n: c.n, k: c.k, alpha: c.alpha,
                           a: a, lda: lda, b: b, ldb: ldb, beta: c.beta, c: &out, ldc: ldc)
        var worst = 0.0
        for i in 0..<c.m {
            for j in 0..<c.n {
                let start = c.beta == 0 ? 0 : Double(c.beta) * Double(c0[i * ldc + j])
                var s = 0.0, scale = 0.0
                for p in 0..<c.k {
                    let x = Double(c.ta ? a[p * lda + i] : a[i * lda + p]) * Double(c.tb ? b[j * ldb + p] : b[p * ldb + j])
                    s += x
                    scale += abs(x)
                }
                let expected = start + Double(c.alpha) * s
                let bound = max(abs(start) + abs(Double(c.alpha)) * scale, 1)
                let got = Double(out[i * ldc + j])
                worst = max(worst, got.isFinite ? abs(got - expected) / bound : .infinity)
            }
            for j in c.n..<ldc where out[i * ldc + j] != 12345 { return .infinity }
        }
        return worst
    }

    static let transposes: [(Bool, Bool)] = [(false, false), (false, true), (true, false), (true, true)]

    @Test(arguments: KernelPath.allCases)
    func oddShapesAndAllTransposesMatchADoubleReference(path: KernelPath) throws {
        guard let path = Self.runnable(path) else { return }
        // Tails in every dimension: below, at and past the micro-tile sizes (4×8, 6×16, 14×32),
        // k past the 256-step block, and the model's 81 and 11.
        let shapes: [(Int, Int, Int)] = [
            (1, 1, 1), (2, 7, 15), (7, 2, 16), (15, 16, 17), (16, 17, 1), (17, 31, 33), (31, 33, 7), (33, 81, 2),
            (81, 11, 129), (14, 32, 81), (29, 64, 300), (129, 1, 31), (1, 129, 257), (45, 96, 513),
        ]
        var seed: UInt64 = 100
        for (ta, tb) in Self.transposes {
            for (m, n, k) in shapes {
                seed += 3
                let c = Case(ta: ta, tb: tb, m: m, n: n, k: k, alpha: 1, beta: 0, pad: 0)
                let e = try Self.check(path, c, seed: seed)
                #expect(e < 1e-6, "\(path) \(c): error \(e)")
            }
        }
    }

    @Test(arguments: KernelPath.allCases)
    func alphaBetaAndLeadingDimensions(path: KernelPath) throws {
        guard let path = Self.runnable(path) else { return }
        let scalings: [(Float, Float)] = [(1, 0), (0.5, 0), (1, 1), (-1.5, 0.25), (2, -1), (0, 0.5), (0, 0)]
        var seed: UInt64 = 500
        for (ta, tb) in Self.transposes {
            for (alpha, beta) in scalings {
                for (m, n, k, pad) in [(17, 33, 81, 3), (5, 40, 300, 1), (30, 7, 16, 9)] {
                    seed += 3
                    let c = Case(ta: ta, tb: tb, m: m, n: n, k: k, alpha: alpha, beta: beta, pad: pad)
                    let e = try Self.check(path, c, seed: seed)
                    #expect(e < 1e-6, "\(path) \(c): error \(e)")
                }
            }
        }
    }

    @Test(arguments: KernelPath.allCases)
    func emptyInnerDimensionScalesC(path: KernelPath) throws {
        guard let path = Self.runnable(path) else { return }
        for beta: Float in [0, 1, -2] {
            let c = Case(ta: false, tb: true, m: 9, n: 35, k: 0, alpha: 1, beta: beta, pad: 2)
            #expect(try Self.check(path, c, seed: 900) == 0, "\(path) \(c)")
        }
        // m = 0 or n = 0: nothing is touched (C may even be a dangling-size buffer).
        var c: [Float] = [7]
        try SGEMM.multiply(path: path, transposeA: false, transposeB: false, m: 0, n: 1, k: 3, alpha: 1, a: [1, 2, 3],
                           lda: 3, b: [1, 2, 3], ldb: 1, beta: 0, c: &c, ldc: 1)
        #expect(c == [7])
    }

    /// The determinism the parallel training relies on: any block of rows or columns of C,
    /// computed by a call on the sub-matrices, is bit-identical to the same block of the full
    /// product — for each transpose combination, with k spanning several 256-step blocks and
    /// alpha/beta that are not 1/0.
    @Test(arguments: KernelPath.allCases)
    func rowAndColumnBlocksAreBitIdenticalToTheFullProduct(path: KernelPath) throws {
        guard let path = Self.runnable(path) else { return }
        let m = 83, n = 77, k = 600
        let alpha: Float = 0.75, beta: Float = 0.5
        for (ta, tb) in Self.transposes {
            let lda = ta ? m : k, ldb = tb ? k : n
            let a = Self.random(m * k, seed: 31), b = Self.random(k * n, seed: 32), c0 = Self.random(m * n, seed: 33)
            var full = c0
            try SGEMM.multiply(path: path, transposeA: ta, transposeB: tb, m: m, n: n, k: k, alpha: alpha, a: a, lda: lda,
                               b: b, ldb: ldb, beta: beta, c: &full, ldc: n)
            // Row blocks [r0, r1): A's rows start at r0 (column r0 when transposed).
            for (r0, r1) in [(0, 1), (1, 16), (16, 17), (5, 19), (14, 28), (40, 83), (82, 83)] {
                var part = Array(c0[(r0 * n)..<(r1 * n)])
                try a.withUnsafeBufferPointer { ap in
                    let aStart = ap.baseAddress! + (ta ? r0 : r0 * lda)
                    try SGEMM.multiply(path: path, transposeA: ta, transposeB: tb, m: r1 - r0, n: n, k: k, alpha: alpha,
                                       a: aStart, lda: lda, b: b, ldb: ldb, beta: beta, c: &part, ldc: n)
                }
                let same = zip(part, full[(r0 * n)..<(r1 * n)]).allSatisfy { $0.bitPattern == $1.bitPattern }
                #expect(same, "\(path) \(ta ? "T" : "N")\(tb ? "T" : "N") rows \(r0)..<\(r1) differ from the full product")
            }
            // Column blocks [c0, c1), written into the full-width C layout (ldc = n).
            for (j0, j1) in [(0, 1), (1, 17), (31, 33), (7, 40), (32, 64), (70, 77), (76, 77)] {
                var part = c0
                try b.withUnsafeBufferPointer { bp in
                    try part.withUnsafeMutableBufferPointer { cp in
                        let bStart = bp.baseAddress! + (tb ? j0 * ldb : j0)
                        try SGEMM.multiply(path: path, transposeA: ta, transposeB: tb, m: m, n: j1 - j0, k: k, alpha: alpha,
                                           a: a, lda: lda, b: bStart, ldb: ldb, beta: beta, c: cp.baseAddress! + j0, ldc: n)
                    }
                }
                var same = true
                for i in 0..<m { for j in j0..<j1 where part[i * n + j].bitPattern != full[i * n + j].bitPattern { same = false } }
                #expect(same, "\(path) \(ta ? "T" : "N")\(tb ? "T" : "N") columns \(j0)..<\(j1) differ from the full product")
            }
        }
    }

    /// `Float.gemm` runs the current path, bit for bit.
    @Test func floatGemmUsesTheCurrentPath() throws {
        let m = 37, n = 45, k = 270
        let a = Self.random(m * k, seed: 41), b = Self.random(k * n, seed: 42)
        var viaGemm = [Float](repeating: .nan, count: m * n), direct = viaGemm
        let path = KernelPath.current
        Float.gemm(transposeA: false, transposeB: false, m: m, n: n, k: k, alpha: 1, a: a, lda: k, b: b, ldb: n,
                   beta: 0, c: &viaGemm, ldc: n)
        try SGEMM.multiply(path: path, transposeA: false, transposeB: false, m: m, n: n, k: k, alpha: 1, a: a, lda: k,
                           b: b, ldb: n, beta: 0, c: &direct, ldc: n)
        #expect(zip(viaGemm, direct).allSatisfy { $0.bitPattern == $1.bitPattern })
        #expect(KernelPath.available.contains(path))
        #expect(KernelPath.available.contains(.portable))
    }

    /// A path the CPU lacks is an error to the caller, never a crash, and leaves the current path
    /// as it was. (On a CPU with every path there is nothing unavailable to force; the
    /// environment-variable parser is checked instead, which needs no CPU feature.)
    @Test func unavailablePathsAndBadEnvironmentValuesAreErrors() throws {
        let before = KernelPath.current
        for path in KernelPath.allCases where !path.isAvailable {
            #expect(throws: KernelPath.Unavailable.self) { try KernelPath.force(path) }
            #expect(throws: KernelPath.Unavailable.self) {
                var c: [Float] = [0]
                try SGEMM.multiply(path: path, transposeA: false, transposeB: false, m: 1, n: 1, k: 1, alpha: 1, a: [1],
                                   lda: 1, b: [1], ldb: 1, beta: 0, c: &c, ldc: 1)
            }
            #expect(KernelPath.current == before)
        }
        if KernelPath.available.count == KernelPath.allCases.count {
            print("SGEMMTests: every kernel path is available here; forcing an unavailable one is not exercised")
        }
        #expect(throws: KernelPath.Unavailable.self) { try KernelPath.parse(environmentValue: "avx9000") }
        #expect(try KernelPath.parse(environmentValue: nil) == nil)
        #expect(try KernelPath.parse(environmentValue: "") == nil)
        #expect(try KernelPath.parse(environmentValue: "portable") == .portable)
        if KernelPath.avx2.isAvailable { #expect(try KernelPath.parse(environmentValue: "AVX2") == .avx2) }
    }

    @Test func eachAvailablePathReportsAPeak() {
        for path in KernelPath.available {
            let peak = path.measurePeak()
            #expect(peak.gflops > 0 && peak.gflops.isFinite, "\(path)")
            #expect(!peak.measures.isEmpty)
        }
    }
}
