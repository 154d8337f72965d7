import Testing
import AttractorNumerics

@Suite struct PackedMatrixTests {
    /// Shapes (m, k, n): tile and panel tails (m not a multiple of 8, n = 48 = 32 + 16), the
    /// benchmark's shapes, k = 1, and n = 20 (not a multiple of 16: BLAS path either way).
    static let shapes: [(Int, Int, Int)] = [(1, 1, 16), (11, 7, 48), (64, 64, 256), (9, 256, 64), (3, 5, 20), (17, 33, 32)]

    enum Case: String, CaseIterable { case identity, bias, tanh, tanhDerivative }

    static func random(_ count: Int, seed: UInt64, sigma: Double = 1) -> [Float] {
        var x = [Double](repeating: 0, count: count)
        RandomSource(seed: seed).fillGaussian(&x, sigma: sigma)
        return x.map(Float.init)
    }

    @Test(arguments: PackedMatrix.Path.allCases, [false, true])
    func productMatchesADoubleReference(path: PackedMatrix.Path, transposed: Bool) {
        for (m, k, n) in Self.shapes {
            let a = Self.random(m * k, seed: 1), b = Self.random(k * n, seed: 2, sigma: 0.3)
            let bias = Self.random(n, seed: 3), t = Self.random(m * n, seed: 4, sigma: 0.5)
            let packed = PackedMatrix(k: k, n: n, path: path)
            #expect(packed.path == (path == .avx512 && PackedMatrix.isAVX512Available && n % 16 == 0 ? .avx512 : .blas))
            // b as given is k×n; its transpose (n×k) exercises the Linear-weight layout.
            var bT = [Float](repeating: 0, count: k * n)
            for i in 0..<k { for j in 0..<n { bT[j * k + i] = b[i * n + j] } }
            (transposed ? bT : b).withUnsafeBufferPointer { packed.pack($0.baseAddress!, ldb: transposed ? k : n, transposed: transposed) }
            for c in Case.allCases {
                var out = [Float](repeating: .nan, count: m * n)
                a.withUnsafeBufferPointer { ap in bias.withUnsafeBufferPointer { bp in t.withUnsafeBufferPointer { tp in
                    let epilogue: PackedMatrix.Epilogue
                    switch c {
                    case .identity, .bias: epilogue = .identity
                    case .tanh: epilogue = .tanh
                    case .tanhDerivative: epilogue = .tanhDerivative(activation: tp.baseAddress!, ldt: n)
                    }
                    packed.multiply(m: m, a: ap.baseAddress!, lda: k, bias: c == .identity ? nil : bp.baseAddress!,
                                    epilogue: epilogue, c: &out, ldc: n)
                }}}
                var worst = 0.0
                for i in 0..<m {
                    for j in 0..<n {
                        var s = c == .identity ? 0 : Double(bias[j]), scale = abs(s)
                        for p in 0..<k { s += Double(a[i * k + p]) * Double(b[p * n + j]); scale += abs(Double(a[i * k + p]) * Double(b[p * n + j])) }
                        switch c {
                        case .tanh: s = Double.tanh(s)
                        case .tanhDerivative: let v = Double(t[i * n + j]); s *= 1 - v * v
                        default: break
                        }
                        worst = max(worst, abs(Double(out[i * n + j]) - s) / max(scale, 1))
                    }
                }
                #expect(worst < 2e-6, "\(path) transposed \(transposed) \(c) m \(m) k \(k) n \(n): error \(worst)")
            }
        }
    }

    @Test(arguments: PackedMatrix.Path.allCases)
    func transposedProductAccumulates(path: PackedMatrix.Path) {
        for (m, k, n) in Self.shapes {
            let a = Self.random(k * m, seed: 5), b = Self.random(k * n, seed: 6), c0 = Self.random(m * n, seed: 7)
            var c = c0
            a.withUnsafeBufferPointer { ap in b.withUnsafeBufferPointer { bp in
                PackedMatrix.accumulateTransposedProduct(m: m, n: n, k: k, a: ap.baseAddress!, lda: m, b: bp.baseAddress!,
                                                         ldb: n, c: &c, ldc: n, path: path)
            }}
            var worst = 0.0
            for i in 0..<m {
                for j in 0..<n {
                    var s = Double(c0[i * n + j]), scale = abs(s)
                    for p in 0..<k { let x = Double(a[p * m + i]) * Double(b[p * n + j]); s += x; scale += abs(x) }
                    worst = max(worst, abs(Double(c[i * n + j]) - s) / max(scale, 1))
                }
            }
            #expect(worst < 2e-6, "\(path) m \(m) k \(k) n \(n): error \(worst)")
        }
    }

    @Test func leadingDimensionsLargerThanTheShapeAreRespected() {
        // A and C embedded in wider buffers: the padding must be neither read into the result nor written.
        let m = 5, k = 4, n = 32, lda = 7, ldc = 40
        let a = Self.random(m * lda, seed: 8), b = Self.random(k * n, seed: 9)
        let packed = PackedMatrix(k: k, n: n)
        b.withUnsafeBufferPointer { packed.pack($0.baseAddress!, ldb: n, transposed: false) }
        var c = [Float](repeating: 42, count: m * ldc)
        packed.multiply(m: m, a: a, lda: lda, c: &c, ldc: ldc)
        for i in 0..<m {
            for j in 0..<n {
                var s = 0.0
                for p in 0..<k { s += Double(a[i * lda + p]) * Double(b[p * n + j]) }
                #expect(abs(Double(c[i * ldc + j]) - s) < 1e-5)
            }
            for j in n..<ldc { #expect(c[i * ldc + j] == 42) }
        }
    }

    @Test func columnSumsAccumulate() {
        let m = 13, n = 37, lda = 40
        let a = Self.random(m * lda, seed: 10)
        var out = Self.random(n, seed: 11)
        let before = out
        PackedMatrix.accumulateColumnSums(m: m, n: n, a: a, lda: lda, into: &out)
        for j in 0..<n {
            var s = Double(before[j])
            for r in 0..<m { s += Double(a[r * lda + j]) }
            #expect(abs(Double(out[j]) - s) < 1e-5)
        }
    }
}
