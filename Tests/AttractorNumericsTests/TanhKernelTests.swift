import Testing
import AttractorNumerics

@Suite struct TanhKernelTests {
    @Test(arguments: TanhKernel.Path.allCases)
    func floatKernelIsAccurateToAFewUlp(path: TanhKernel.Path) {
        // Dense sweep over [-12, 12] plus tiny, huge and signed-zero inputs; odd count for the tail.
        var x: [Float] = stride(from: -12.0, through: 12.0, by: 0.000_73).map { Float($0) }
        x += [0, -0.0, 1e-30, -1e-30, 1e-6, -3e-5, 40, -40, .greatestFiniteMagnitude, -.greatestFiniteMagnitude]
        var y = x
        y.withUnsafeMutableBufferPointer {
            // Every implementation this CPU can run (others fall back to the portable path).
            TanhKernel.apply($0.baseAddress!, count: $0.count, path: path)
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

    @Test func dispatchingEntryPointMatchesTheWidestPath() {
        var x: [Float] = (0..<1001).map { Float($0) / 50 - 10 }
        var y = x
        x.withUnsafeMutableBufferPointer { TanhKernel.apply($0.baseAddress!, count: $0.count) }
        let widest = TanhKernel.Path.allCases.last { TanhKernel.isAvailable($0) }!
        y.withUnsafeMutableBufferPointer { TanhKernel.apply($0.baseAddress!, count: $0.count, path: widest) }
        #expect(x == y)
    }

    @Test func doublePathIsTheLibraryTanh() {
        var x: [Double] = [-3, -0.5, 0, 0.25, 7]
        let expected = x.map { Double.tanh($0) }
        x.withUnsafeMutableBufferPointer { TanhKernel.apply($0.baseAddress!, count: $0.count) }
        #expect(x == expected)
    }
}
