import CGSL
import CKernels

/// `attractor bench kernels`: the Float products the neural-ODE field runs, on `PackedMatrix`
/// against OpenBLAS `sgemm` doing the same work (bias and activation as separate passes), on
/// one thread, with the core's FMA rate as the ceiling.
public enum KernelBenchmark {
    public struct Row: Codable, Sendable {
        /// What is computed, e.g. `tanh(A·B + bias)`.
        public var operation: String
        public var m: Int, k: Int, n: Int
        public var kernelSeconds: Double
        public var blasSeconds: Double
        public var kernelGflops: Double
        public var blasGflops: Double
        /// `blasSeconds / kernelSeconds`.
        public var speedup: Double
        /// Largest `|kernel − blas| / (1 + |blas|)` over the output.
        public var maxDifference: Double
    }

    public struct Result: Codable, Sendable {
        /// Single-precision FMA rate of one core (nil without AVX-512).
        public var fmaPeakGflops: Double?
        public var kernelPath: String
        public var blasCore: String
        public var rows: [Row]
    }

    public static func run(rows m: Int, repeats: Int) -> Result {
        precondition(m > 0 && repeats > 0, "KernelBenchmark: rows and repeats must be positive")
        let threads = BLAS.threadCount
        BLAS.setThreadCount(1)
        defer { BLAS.setThreadCount(threads) }
        let clock = ContinuousClock()
        func seconds(_ d: Duration) -> Double { Double(d.components.seconds) + Double(d.components.attoseconds) * 1e-18 }
        /// Best time per call over `repeats` batches of enough calls to last ≈ 2 ms.
        func time(_ body: () -> Void) -> Double {
            body()
            let start = clock.now
            body()
            let once = max(seconds(clock.now - start), 1e-7)
            let calls = max(1, Int(2e-3 / once))
            var best = Double.infinity
            for _ in 0..<repeats {
                let t0 = clock.now
                for _ in 0..<calls { body() }
                best = min(best, seconds(clock.now - t0) / Double(calls))
            }
            return best
        }
        func random(_ count: Int, seed: UInt64) -> [Float] {
            var x = [Double](repeating: 0, count: count)
            RandomSource(seed: seed).fillGaussian(&x, sigma: 0.3)
            return x.map(Float.init)
        }

        var rows: [Row] = []
        // (k, n, epilogue) of the neural-ODE field's products: D 64, H 256.
        let cases: [(String, Int, Int, Bool, Bool)] = [
            ("tanh(A·Bᵀ + bias)", 64, 256, true, true), ("A·Bᵀ + bias", 256, 64, true, false), ("A·Bᵀ", 64, 256, false, false),
        ]
        for (name, k, n, withBias, withTanh) in cases {
            let a = random(m * k, seed: 1), w = random(n * k, seed: 2), bias = random(n, seed: 3)
            let packed = PackedMatrix(k: k, n: n)
            w.withUnsafeBufferPointer { packed.pack($0.baseAddress!, ldb: k, transposed: true) }
            var ours = [Float](repeating: 0, count: m * n), theirs = ours
            let kernel = time {
                bias.withUnsafeBufferPointer { bp in
                    packed.multiply(m: m, a: a, lda: k, bias: withBias ? bp.baseAddress! : nil,
                                    epilogue: withTanh ? .tanh : .identity, c: &ours, ldc: n)
                }
            }
            let blas = time {
                theirs.withUnsafeMutableBufferPointer { c in
                    let cp = c.baseAddress!
                    for r in 0..<m {
                        if withBias { (cp + r * n).update(from: bias, count: n) } else { (cp + r * n).update(repeating: 0, count: n) }
                    }
                    Float.gemm(transposeA: false, transposeB: true, m: m, n: n, k: k, alpha: 1, a: a, lda: k, b: w, ldb: k,
                               beta: 1, c: cp, ldc: n)
                    if withTanh { TanhKernel.apply(cp, count: m * n) }
                }
            }
            rows.append(row(name, m: m, k: k, n: n, kernel: kernel, blas: blas, ours, theirs))
        }
        // Weight gradients: C[outputs × inputs] += Aᵀ·B over the m batch rows.
        for (outputs, inputs) in [(64, 256), (256, 64)] {
            let a = random(m * outputs, seed: 4), b = random(m * inputs, seed: 5)
            var ours = [Float](repeating: 0, count: outputs * inputs), theirs = ours
            let kernel = time {
                PackedMatrix.accumulateTransposedProduct(m: outputs, n: inputs, k: m, a: a, lda: outputs, b: b, ldb: inputs,
                                                         c: &ours, ldc: inputs)
            }
            let blas = time {
                Float.gemm(transposeA: true, transposeB: false, m: outputs, n: inputs, k: m, alpha: 1, a: a, lda: outputs,
                           b: b, ldb: inputs, beta: 1, c: &theirs, ldc: inputs)
            }
            // Both accumulated the same product a different number of times: compare one fresh call each.
            ours = [Float](repeating: 0, count: outputs * inputs); theirs = ours
            PackedMatrix.accumulateTransposedProduct(m: outputs, n: inputs, k: m, a: a, lda: outputs, b: b, ldb: inputs,
                                                     c: &ours, ldc: inputs)
            Float.gemm(transposeA: true, transposeB: false, m: outputs, n: inputs, k: m, alpha: 1, a: a, lda: outputs,
                       b: b, ldb: inputs, beta: 1, c: &theirs, ldc: inputs)
            rows.append(row("C += Aᵀ·B", m: outputs, k: m, n: inputs, kernel: kernel, blas: blas, ours, theirs))
        }

        var peak: Double? = nil
        if PackedMatrix.isAVX512Available {
            let rounds = 20_000_000
            var best = Double.infinity
            for _ in 0..<3 {
                let t0 = clock.now
                let sink = attractor_fma_peak_avx512(rounds)
                best = min(best, seconds(clock.now - t0))
                precondition(sink.isFinite, "FMA loop overflowed")
            }
            peak = Double(rounds) * 384 / best / 1e9
        }
        return Result(fmaPeakGflops: peak, kernelPath: PackedMatrix(k: 1, n: 16).path.rawValue, blasCore: BLAS.coreName,
                      rows: rows)
    }

    private static func row(_ name: String, m: Int, k: Int, n: Int, kernel: Double, blas: Double, _ ours: [Float], _ theirs: [Float]) -> Row {
        let flops = 2.0 * Double(m * k * n)
        var worst = 0.0
        for (x, y) in zip(ours, theirs) { worst = max(worst, abs(Double(x) - Double(y)) / (1 + abs(Double(y)))) }
        return Row(operation: name, m: m, k: k, n: n, kernelSeconds: kernel, blasSeconds: blas,
                   kernelGflops: flops / kernel / 1e9, blasGflops: flops / blas / 1e9, speedup: blas / kernel,
                   maxDifference: worst)
    }
}
