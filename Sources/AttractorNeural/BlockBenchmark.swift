import AttractorNumerics

/// Times one network `F` (forward, and forward + backward as in a training step) against
/// this machine's sgemm rate measured in the same run, interleaved so that load from other
/// processes hits both alike. Reports medians. Used by `attractor bench block`.
public enum BlockBenchmark {
    public struct Result: Sendable, Equatable, Codable {
        public var mixer: String
        public var hidden: Int
        public var sequence: Int
        public var layers: Int
        public var batch: Int
        public var repeats: Int
        /// Median seconds of one forward pass.
        public var forwardSeconds: Double
        /// Median seconds of forward + backward (with parameter gradients zeroed first).
        public var forwardBackwardSeconds: Double
        public var flopsForward: Int
        public var flopsForwardBackward: Int
        /// `flopsForwardBackward / forwardBackwardSeconds`, in GFLOP/s.
        public var gflops: Double
        /// Median sgemm rate on `sgemmSize`³ matrices, GFLOP/s.
        public var sgemmGflops: Double
        public var sgemmSize: Int
        public var fractionOfSgemm: Double
        public var blasCore: String
        public var blasThreads: Int

        enum CodingKeys: String, CodingKey {
            case mixer, hidden, sequence, layers, batch, repeats
            case forwardSeconds = "forward_seconds"
            case forwardBackwardSeconds = "forward_backward_seconds"
            case flopsForward = "flops_forward"
            case flopsForwardBackward = "flops_forward_backward"
            case gflops
            case sgemmGflops = "sgemm_gflops"
            case sgemmSize = "sgemm_size"
            case fractionOfSgemm = "fraction_of_sgemm"
            case blasCore = "blas_core"
            case blasThreads = "blas_threads"
        }
    }

    /// Runs `warmup` untimed then `repeats` timed rounds of {forward, forward+backward, sgemm}.
    public static func run(configuration: BlockConfiguration, batch: Int, repeats: Int, warmup: Int = 2,
                           sgemmSize: Int = 1024, seed: UInt64 = 1) throws(NeuralError) -> Result {
        guard batch > 0, repeats > 0 else { throw .invalidConfiguration("batch and repeats must be positive") }
        let net = try BlockNetwork<Float>(configuration: configuration, maxBatch: batch, seed: seed)
        let n = net.stateCount(batch: batch)
        let random = RandomSource(seed: seed &+ 1)
        let input = ScalarBuffer<Float>(count: n), cotangent = ScalarBuffer<Float>(count: n)
        random.fillGaussian(input.buffer)
        random.fillGaussian(cotangent.buffer)
        // A contractive stack with an injected input reads a second input of the same shape.
        let injected = configuration.injection ? ScalarBuffer<Float>(count: n) : nil
        if let injected { random.fillGaussian(injected.buffer) }
        let injection = injected.map { UnsafePointer($0.pointer) }
        let sgemm = SgemmProbe(size: sgemmSize)

        var forwardTimes: [Double] = [], stepTimes: [Double] = [], sgemmTimes: [Double] = []
        forwardTimes.reserveCapacity(repeats)
        stepTimes.reserveCapacity(repeats)
        sgemmTimes.reserveCapacity(repeats)
        let clock = ContinuousClock()
        for round in 0..<(warmup + repeats) {
            let t0 = clock.now
            net.forward(input.pointer, injection: injection, batch: batch)
            let t1 = clock.now
            net.parameters.zeroGradients()
            net.forward(input.pointer, injection: injection, batch: batch)
            net.backward(cotangent.pointer)
            let t2 = clock.now
            sgemm.run()
            let t3 = clock.now
            if round >= warmup {
                forwardTimes.append(seconds(t1 - t0))
                stepTimes.append(seconds(t2 - t1))
                sgemmTimes.append(seconds(t3 - t2))
            }
        }
        let forward = median(forwardTimes), step = median(stepTimes), sgemmSeconds = median(sgemmTimes)
        let flopsForward = net.stack.forwardFlops(batch: batch)
        let flopsStep = 3 * flopsForward
        let gflops = Double(flopsStep) / step / 1e9
        let sgemmGflops = Double(sgemm.flops) / sgemmSeconds / 1e9
        return Result(mixer: configuration.mixer.rawValue, hidden: configuration.hidden,
                      sequence: configuration.sequence, layers: configuration.layers, batch: batch,
                      repeats: repeats, forwardSeconds: forward, forwardBackwardSeconds: step,
                      flopsForward: flopsForward, flopsForwardBackward: flopsStep, gflops: gflops,
                      sgemmGflops: sgemmGflops, sgemmSize: sgemmSize, fractionOfSgemm: gflops / sgemmGflops,
                      blasCore: BLAS.coreName, blasThreads: BLAS.threadCount)
    }

    static func seconds(_ d: Duration) -> Double {
        let c = d.components
        return Double(c.seconds) + Double(c.attoseconds) * 1e-18
    }

    static func median(_ values: [Double]) -> Double {
        let s = values.sorted()
        let m = s.count / 2
        return s.count % 2 == 1 ? s[m] : (s[m - 1] + s[m]) / 2
    }
}

/// A square single-precision gemm used as the machine's reference rate.
public final class SgemmProbe {
    public let size: Int
    let a: ScalarBuffer<Float>, b: ScalarBuffer<Float>, c: ScalarBuffer<Float>

    public init(size: Int) {
        self.size = size
        a = ScalarBuffer(count: size * size)
        b = ScalarBuffer(count: size * size)
        c = ScalarBuffer(count: size * size)
        let r = RandomSource(seed: 7)
        r.fillGaussian(a.buffer)
        r.fillGaussian(b.buffer)
    }

    /// `2·size³`.
    public var flops: Int { 2 * size * size * size }

    /// One `C = A·B`.
    public func run() {
        Kernels.gemm(false, false, m: size, n: size, k: size, a.pointer, lda: size, b.pointer, ldb: size,
                     beta: 0, c.pointer, ldc: size)
    }
}
