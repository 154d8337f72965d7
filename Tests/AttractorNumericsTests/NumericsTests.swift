import Testing
import AttractorNumerics

@Suite struct GemmTests {
    /// Naive reference product in Double.
    func reference(_ a: [Double], _ b: [Double], m: Int, n: Int, k: Int, ta: Bool, tb: Bool) -> [Double] {
        var c = [Double](repeating: 0, count: m * n)
        for i in 0..<m { for j in 0..<n { var s = 0.0
            for p in 0..<k {
                let av = ta ? a[p * m + i] : a[i * k + p]
                let bv = tb ? b[j * k + p] : b[p * n + j]
                s += av * bv
            }
            c[i * n + j] = s } }
        return c
    }

    @Test(arguments: [(false, false), (true, false), (false, true), (true, true)])
    func gemmMatchesNaiveProduct(ta: Bool, tb: Bool) {
        let m = 7, n = 5, k = 3
        let rng = RandomSource(seed: 11)
        var a = [Double](repeating: 0, count: m * k), b = [Double](repeating: 0, count: k * n)
        rng.fillGaussian(&a); rng.fillGaussian(&b)
        var c = [Double](repeating: 1, count: m * n)
        Double.gemm(transposeA: ta, transposeB: tb, m: m, n: n, k: k, alpha: 1, a: a, lda: ta ? m : k,
                    b: b, ldb: tb ? k : n, beta: 0, c: &c, ldc: n)
        let ref = reference(a, b, m: m, n: n, k: k, ta: ta, tb: tb)
        for i in 0..<(m * n) { #expect(abs(c[i] - ref[i]) < 1e-12) }
        // Float agrees with the Double reference to single precision.
        let af = a.map(Float.init), bf = b.map(Float.init)
        var cf = [Float](repeating: 0, count: m * n)
        Float.gemm(transposeA: ta, transposeB: tb, m: m, n: n, k: k, alpha: 1, a: af, lda: ta ? m : k,
                   b: bf, ldb: tb ? k : n, beta: 0, c: &cf, ldc: n)
        for i in 0..<(m * n) { #expect(abs(Double(cf[i]) - ref[i]) <= 1e-5 * max(1, abs(ref[i]))) }
    }
}

@Suite struct RandomSourceTests {
    @Test func sameSeedSameStream() {
        let a = RandomSource(seed: 42), b = RandomSource(seed: 42), c = RandomSource(seed: 43)
        let xa = (0..<100).map { _ in a.gaussian() }
        let xb = (0..<100).map { _ in b.gaussian() }
        let xc = (0..<100).map { _ in c.gaussian() }
        #expect(xa == xb)
        #expect(xa != xc)
    }

    @Test func gaussianMoments() {
        let r = RandomSource(seed: 7)
        let n = 200_000
        var s = 0.0, s2 = 0.0
        for _ in 0..<n { let x = r.gaussian(sigma: 2); s += x; s2 += x * x }
        let mean = s / Double(n), variance = s2 / Double(n) - mean * mean
        #expect(abs(mean) < 0.03)
        #expect(abs(variance - 4) < 0.06)
    }

    @Test func integerBelowStaysInRange() {
        let r = RandomSource(seed: 1)
        var seen = Set<Int>()
        for _ in 0..<1000 { let k = r.integer(below: 9); #expect((0..<9).contains(k)); seen.insert(k) }
        #expect(seen.count == 9)
    }
}

@Suite struct BridgeTests {
    @Test func cblasComesFromOpenBLAS() {
        // openblas_get_config only exists in OpenBLAS; GSL's reference CBLAS has no such symbol.
        #expect(BLAS.configuration.contains("OpenBLAS"))
    }

    @Test(arguments: ["cblas_sgemm", "cblas_dgemm", "cblas_dgemv"])
    func globalCBLASSymbolsResolveToOpenBLAS(symbol: String) throws {
        // GSL's libgsl references cblas_* through the global scope too; if libgslcblas came
        // first in load order this would name it instead.
        let lib = try #require(BLAS.library(serving: symbol))
        #expect(lib.contains("openblas"), "\(symbol) served by \(lib)")
    }

    @Test func gslErrorsBecomeSwiftErrors() {
        GSL.prepare()
        #expect(throws: GSLError.self) { try GSL.check(4 /* GSL_EINVAL */, "test") }
        #expect(GSLError(status: 4, context: "x").description.contains("invalid argument"))
    }
}
