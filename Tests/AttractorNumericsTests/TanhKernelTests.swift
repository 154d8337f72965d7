import Testing
import AttractorNumerics

@Suite struct TanhKernelTests {
    @Test(arguments: [false, true])
    func floatKernelIsAccurateToAFewUlp(portable: Bool) {
        // Dense sweep over [-12, 12] plus tiny, huge and signed-zero inputs; odd count for the tail.
        var x: [Float] = stride(from: -12.0, through: 12.0, by: 0.000_73).map { Float($0) }
        x += [0, -0.0, 1e-30, -1e-30, 1e-6, -3e-5, 40, -40, .greatestFiniteMagnitude, -.greatestFiniteMagnitude]
        var y = x
        y.withUnsafeMutableBufferPointer {
            // The dispatching entry point (AVX2 where available) and the portable SIMD path.
            if portable { TanhKernel.applyPortable($0.baseAddress!, count: $0.count) } else { TanhKernel.apply($0.baseAddress!, count: $0.count) }
        }
        var worst: Double = 0
        for (xi, yi) in zip(x, y) {
            let exact = Double.tanh(Double(xi))
            let ulp = Double(Float(exact).ulp)
            worst = max(worst, abs(Double(yi) - exact) / max(ulp, Double(Float.leastNonzeroMagnitude)))
        }
        #expect(worst <= 4, "worst error \(worst) ulp")
        #expect(y[x.count - 10].sign == .plus && y[x.count - 9] == 0)
    }

    @Test func doublePathIsTheLibraryTanh() {
        var x: [Double] = [-3, -0.5, 0, 0.25, 7]
        let expected = x.map { Double.tanh($0) }
        x.withUnsafeMutableBufferPointer { TanhKernel.apply($0.baseAddress!, count: $0.count) }
        #expect(x == expected)
    }
}
