import CGSL
import CKernels

/// `attractor bench kernels`: the Float products the neural-ODE field runs, on `PackedMatrix`
/// against OpenBLAS `sgemm` doing the same work (bias and activation as separate passes), and
/// the general product `Float.gemm` runs (`CKernels/sgemm.c`) at the tiny reasoning model's
/// shapes on each available kernel path, against OpenBLAS and a Double reference — on one
/// thread, with each path's one-core FMA rate as the ceiling.
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

    /// One general product `C = op(A)·op(B)` on one kernel path.
    public struct GemmRow: Codable, Sendable {
        /// Where the product occurs in the tiny model, e.g. `SwiGLU up`.
        public var operation: String
        /// `NN`, `NT`, `TN` or `TT`: whether A and B enter transposed.
        public var layout: String
        public var m: Int, n: Int, k: Int
        public var path: String
        /// Median time per call over the timed batches (thread CPU time).
        public var seconds: Double
        public var gflops: Double
        /// `gflops` over the path's one-core peak.
        public var fractionOfPeak: Double
        /// OpenBLAS `sgemm` on the same product (one thread), median.
        public var blasGflops: Double
        /// Largest `|C − C_ref| / (1 + |C_ref|)` against the product in Double (every element).
        public var maxDifference: Double
    }

    public struct Result: Codable, Sendable {
        /// Single-precision FMA rate of one core (nil without AVX-512).
        public var fmaPeakGflops: Double?
        public var kernelPath: String
        public var blasCore: String
        public var rows: [Row]
        /// The one-core peak of each benchmarked general-product path.
        public var peaks: [KernelPath.Peak]
        /// Batch of the tiny model's shapes (rows = batch · 81).
        public var gemmBatch: Int
        public var gemmRows: [GemmRow]
    }

    /// The general products of the tiny reasoning model (D 128, 81 cells, SwiGLU hidden 384
    /// with a fused 768-wide gate|up, token mixer hidden 512 and 256, 11 answer classes) for
    /// `batch` examples: rows = batch·81 for the channel products, N = batch·128 columns for the
    /// token mixer in its transposed layout. (name, transposeA, transposeB, m, n, k).
    public static func tinyModelShapes(batch: Int) -> [(String, Bool, Bool, Int, Int, Int)] {
        let rows = batch * 81, n = batch * 128
        return [
            ("SwiGLU up x·Wᵀ", false, true, rows, 768, 128),
            ("SwiGLU down h·Wᵀ", false, true, rows, 128, 384),
            ("SwiGLU dx dy·W", false, false, rows, 128, 768),
            ("SwiGLU dW dyᵀ·x", true, false, 768, 128, rows),
            ("mixer up W·X", false, false, 512, n, 81),
            ("mixer down W·H", false, false, 81, n, 256),
            ("mixer dW dY·Hᵀ", false, true, 81, 256, n),
            ("mixer dH Wᵀ·dY", true, false, 256, n, 81),
            ("mixer dW dG·Xᵀ", false, true, 512, 81, n),
            ("mixer dX Wᵀ·dG", true, false, 81, n, 512),
            ("answer head x·Wᵀ", false, true, rows, 11, 128),
        ]
    }

    /// - Parameters:
    ///   - paths: general-product paths to time (default: every available one).
    ///   - gemmBatch: examples in the tiny-model shapes; 0 skips the general products.
    public static func run(rows m: Int, repeats: Int, paths: [KernelPath]? = nil, gemmBatch: Int = 16) -> Result {
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
                    openBLAS(false, true, m, n, k, 1, a, k, w, k, 1, cp, n)
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
            let blas = time { openBLAS(true, false, outputs, inputs, m, 1, a, outputs, b, inputs, 1, &theirs, inputs) }
            // Both accumulated the same product a different number of times: compare one fresh call each.
            ours = [Float](repeating: 0, count: outputs * inputs); theirs = ours
            PackedMatrix.accumulateTransposedProduct(m: outputs, n: inputs, k: m, a: a, lda: outputs, b: b, ldb: inputs,
                                                     c: &ours, ldc: inputs)
            openBLAS(true, false, outputs, inputs, m, 1, a, outputs, b, inputs, 1, &theirs, inputs)
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

        let gemmPaths = (paths ?? KernelPath.available).filter(\.isAvailable)
        let peaks = gemmPaths.map { $0.measurePeak() }
        var gemmRows: [GemmRow] = []
        if gemmBatch > 0 {
            for (name, ta, tb, gm, gn, gk) in tinyModelShapes(batch: gemmBatch) {
                let a = random(gm * gk, seed: 11), b = random(gk * gn, seed: 12)
                let lda = ta ? gm : gk, ldb = tb ? gk : gn
                // Reference: the same product in Double (OpenBLAS dgemm on the widened operands).
                let a64 = a.map(Double.init), b64 = b.map(Double.init)
                var reference = [Double](repeating: 0, count: gm * gn)
                Double.gemm(transposeA: ta, transposeB: tb, m: gm, n: gn, k: gk, alpha: 1, a: a64, lda: lda, b: b64,
                            ldb: ldb, beta: 0, c: &reference, ldc: gn)
                var c = [Float](repeating: 0, count: gm * gn)
                let flops = 2.0 * Double(gm) * Double(gn) * Double(gk)
                let blas = medianTime(repeats: repeats) { openBLAS(ta, tb, gm, gn, gk, 1, a, lda, b, ldb, 0, &c, gn) }
                for (path, peak) in zip(gemmPaths, peaks) {
                    let seconds = medianTime(repeats: repeats) {
                        try! SGEMM.multiply(path: path, transposeA: ta, transposeB: tb, m: gm, n: gn, k: gk, alpha: 1,
                                            a: a, lda: lda, b: b, ldb: ldb, beta: 0, c: &c, ldc: gn)
                    }
                    var worst = 0.0
                    for (x, y) in zip(c, reference) { worst = max(worst, abs(Double(x) - y) / (1 + abs(y))) }
                    let gflops = flops / seconds / 1e9
                    gemmRows.append(GemmRow(operation: name, layout: (ta ? "T" : "N") + (tb ? "T" : "N"), m: gm, n: gn, k: gk,
                                            path: path.rawValue, seconds: seconds, gflops: gflops,
                                            fractionOfPeak: gflops / peak.gflops, blasGflops: flops / blas / 1e9,
                                            maxDifference: worst))
                }
            }
        }
        return Result(fmaPeakGflops: peak, kernelPath: PackedMatrix(k: 1, n: 16).path.rawValue, blasCore: BLAS.coreName,
                      rows: rows, peaks: peaks, gemmBatch: gemmBatch, gemmRows: gemmRows)
    }

    /// Median time per call over `repeats` batches of enough calls to last ≈ 5 ms (after one
    /// warm-up call, which also grows the packing buffers), in the thread's CPU time: on a
    /// machine shared with other jobs, wall time would count the waits for a core.
    private static func medianTime(repeats: Int, _ body: () -> Void) -> Double {
        body()
        let start = threadCPUSeconds()
        body()
        let once = max(threadCPUSeconds() - start, 1e-7)
        let calls = max(1, Int(5e-3 / once))
        var times: [Double] = []
        for _ in 0..<repeats {
            let t0 = threadCPUSeconds()
            for _ in 0..<calls { body() }
            times.append((threadCPUSeconds() - t0) / Double(calls))
        }
        times.sort()
        return times.count % 2 == 1 ? times[times.count / 2] : (times[times.count / 2 - 1] + times[times.count / 2]) / 2
    }

    /// OpenBLAS `sgemm` itself (Float.gemm now runs Attractor's kernels), the baseline.
    private static func openBLAS(_ ta: Bool, _ tb: Bool, _ m: Int, _ n: Int, _ k: Int, _ alpha: Float,
                                 _ a: UnsafePointer<Float>, _ lda: Int, _ b: UnsafePointer<Float>, _ ldb: Int,
                                 _ beta: Float, _ c: UnsafeMutablePointer<Float>, _ ldc: Int) {
        cblas_sgemm(CblasRowMajor, ta ? CblasTrans : CblasNoTrans, tb ? CblasTrans : CblasNoTrans, blasint(m), blasint(n),
                    blasint(k), alpha, a, blasint(lda), b, blasint(ldb), beta, c, blasint(ldc))
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
