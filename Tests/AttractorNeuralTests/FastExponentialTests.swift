import Testing
@testable import AttractorNeural

@Suite struct FastExponentialTests {
    /// Within 4 ulp (relative 2.4e-7) of `Float.exp` over the whole finite range, and
    /// saturating (finite, monotone) outside it.
    @Test func matchesFloatExp() {
        var worst: Float = 0
        var x: Float = -87
        while x < 88 {
            let exact = Float.exp(x), fast = FastExponential.exp(x)
            worst = max(worst, abs(fast - exact) / exact)
            x += 0.0137
        }
        #expect(worst <= 2.4e-7, "max relative error \(worst)")
        #expect(FastExponential.exp(Float(0)) == 1)
        #expect(FastExponential.exp(Float(200)).isFinite && FastExponential.exp(Float(200)) > 1e38)
        #expect(FastExponential.exp(Float(-200)) >= 0 && FastExponential.exp(Float(-200)) < 1e-37)
        #expect(FastExponential.exp(1.5 as Double) == Double.exp(1.5))
    }
}
