import CGSL

/// A seeded random-number source: GSL's MT19937 generator with the ziggurat Gaussian.
/// The same seed gives the same stream bit for bit on every run and machine.
///
/// Not thread-safe: give every thread its own source (derive seeds with `fork`).
public final class RandomSource: RandomNumberGenerator {
    private let rng: UnsafeMutablePointer<gsl_rng>
    /// The seed this source was created (or last reseeded) with.
    public private(set) var seed: UInt64

    public init(seed: UInt64) {
        GSL.prepare()
        guard let r = gsl_rng_alloc(attractor_gsl_rng_mt19937()) else {
            fatalError("gsl_rng_alloc failed: out of memory")
        }
        rng = r
        self.seed = seed
        // MT19937 takes an unsigned long seed; GSL maps seed 0 to its default 4357,
        // so fold the 64-bit seed and keep 0 distinct from the default.
        gsl_rng_set(rng, UInt(truncatingIfNeeded: seed &+ 0x9E37_79B9))
    }

    deinit { gsl_rng_free(rng) }

    /// Restarts the stream as `RandomSource(seed:)` would, without allocating: for hot loops
    /// that need a fresh seeded stream every step.
    public func reseed(_ seed: UInt64) {
        self.seed = seed
        gsl_rng_set(rng, UInt(truncatingIfNeeded: seed &+ 0x9E37_79B9))
    }

    /// A uniformly distributed 64-bit word (two 32-bit MT19937 outputs).
    public func next() -> UInt64 {
        let hi = UInt64(gsl_rng_get(rng)) & 0xFFFF_FFFF
        let lo = UInt64(gsl_rng_get(rng)) & 0xFFFF_FFFF
        return (hi << 32) | lo
    }

    /// Uniform on [0, 1).
    @inline(__always)
    public func uniform() -> Double { gsl_rng_uniform(rng) }

    /// Uniform on (0, 1), never exactly 0.
    @inline(__always)
    public func uniformPositive() -> Double { gsl_rng_uniform_pos(rng) }

    /// A Gaussian sample with standard deviation `sigma` (ziggurat method).
    @inline(__always)
    public func gaussian(sigma: Double = 1) -> Double { gsl_ran_gaussian_ziggurat(rng, sigma) }

    /// Fills `buffer` with independent N(0, σ²) samples.
    public func fillGaussian<T: Scalar>(_ buffer: UnsafeMutableBufferPointer<T>, sigma: Double = 1) {
        for i in buffer.indices { buffer[i] = T(gsl_ran_gaussian_ziggurat(rng, sigma)) }
    }

    /// Fills `array` with independent N(0, σ²) samples.
    public func fillGaussian<T: Scalar>(_ array: inout [T], sigma: Double = 1) {
        array.withUnsafeMutableBufferPointer { fillGaussian($0, sigma: sigma) }
    }

    /// A uniform integer in `0..<n` (unbiased).
    public func integer(below n: Int) -> Int {
        precondition(n > 0, "integer(below:) needs a positive bound")
        var generator = RandomSourceBox(source: self)
        return Int.random(in: 0..<n, using: &generator)
    }

    /// A new, independent source whose seed is derived from this one's seed and `stream`
    /// (SplitMix64 mixing), for per-worker or per-path streams.
    public func fork(stream: UInt64) -> RandomSource {
        RandomSource(seed: RandomSource.mix(seed, stream))
    }

    /// SplitMix64 finaliser of `a` combined with `b`: a cheap, well-distributed seed hash.
    public static func mix(_ a: UInt64, _ b: UInt64) -> UInt64 {
        var z = a &+ 0x9E37_79B9_7F4A_7C15 &* (b &+ 1)
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}

/// Value-type adapter so `Int.random(in:using:)` can draw from a `RandomSource`.
private struct RandomSourceBox: RandomNumberGenerator {
    let source: RandomSource
    mutating func next() -> UInt64 { source.next() }
}
