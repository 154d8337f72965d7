import AttractorNumerics
import CGSL

/// GSL's MT19937 with the ziggurat Gaussian, re-seedable in place.
///
/// `reseed(s)` followed by `gaussian()` draws exactly what `RandomSource(seed: s).gaussian()`
/// draws (the same seed folding), without allocating a generator. `BrownianPath` re-seeds it
/// once per tree node, which is what makes every node reproducible on its own.
///
/// - Complexity: `reseed` costs one MT19937 initialisation (624 words, about 1–2 µs);
///   each Gaussian a few ns.
final class ReseedableGaussianStream {
    private let rng: UnsafeMutablePointer<gsl_rng>

    init() {
        GSL.prepare()
        guard let r = gsl_rng_alloc(attractor_gsl_rng_mt19937()) else {
            fatalError("gsl_rng_alloc failed: out of memory")
        }
        rng = r
    }

    deinit { gsl_rng_free(rng) }

    /// Restarts the stream at `seed`, folded exactly as `RandomSource.init(seed:)` does.
    @inline(__always)
    func reseed(_ seed: UInt64) {
        gsl_rng_set(rng, UInt(truncatingIfNeeded: seed &+ 0x9E37_79B9))
    }

    /// A standard normal sample (ziggurat).
    @inline(__always)
    func gaussian() -> Double { gsl_ran_gaussian_ziggurat(rng, 1) }
}
