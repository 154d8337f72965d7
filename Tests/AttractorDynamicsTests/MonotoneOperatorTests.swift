import AttractorDynamics
import AttractorNumerics
import Testing

@Suite struct MonotoneOperatorTests {
    /// A seeded `G = AᵀA + mI + S − Sᵀ` on ℝⁿ; `skewScale` scales `S` (0: symmetric).
    static func operator_(n: Int, m: Double, skewScale: Double, seed: UInt64) throws -> DenseMonotoneOperator<Double> {
        let random = RandomSource(seed: seed)
        var a = [Double](repeating: 0, count: n * n)
        random.fillGaussian(&a, sigma: 1 / Double(n).squareRoot())
        var s: [Double]? = nil
        if skewScale > 0 {
            var v = [Double](repeating: 0, count: n * n)
            random.fillGaussian(&v, sigma: skewScale / Double(n).squareRoot())
            s = v
        }
        return try DenseMonotoneOperator(a: a, skew: s, dimension: n, strongMonotonicity: m)
    }

    static func gaussian(_ count: Int, seed: UInt64, sigma: Double = 1) -> [Double] {
        var v = [Double](repeating: 0, count: count)
        RandomSource(seed: seed).fillGaussian(&v, sigma: sigma)
        return v
    }

    static func distance(_ a: ArraySlice<Double>, _ b: ArraySlice<Double>) -> Double {
        zip(a, b).reduce(0) { $0 + ($1.0 - $1.1) * ($1.0 - $1.1) }.squareRoot()
    }

    static func apply(_ g: DenseMonotoneOperator<Double>, _ z: [Double]) -> [Double] {
        var out = [Double](repeating: 0, count: z.count)
        z.withUnsafeBufferPointer { zp in out.withUnsafeMutableBufferPointer { g.apply(zp.baseAddress!, into: $0.baseAddress!) } }
        return out
    }

    @Test func operatorIsStronglyMonotoneWithItsLipschitzBound() throws {
        let n = 12
        let g = try Self.operator_(n: n, m: 0.1, skewScale: 3, seed: 1)
        #expect(!g.isSymmetric)
        for trial in 0..<20 {
            let z = Self.gaussian(n, seed: 100 + UInt64(trial))
            let gz = Self.apply(g, z)
            let zz = z.reduce(0) { $0 + $1 * $1 }
            let inner = zip(gz, z).reduce(0) { $0 + $1.0 * $1.1 }
            #expect(inner >= 0.1 * zz * (1 - 1e-12))
            #expect(gz.reduce(0) { $0 + $1 * $1 }.squareRoot() <= g.lipschitzBound * zz.squareRoot())
        }
    }

    /// With a large skew part, `W = I − G` is far from a contraction (the naive network
    /// `z = relu(Wz + u)` has no guarantee), yet every start reaches the same point, and that
    /// point solves the complementarity problem `z ≥ 0, Gz − u ≥ 0, zᵢ(Gz − u)ᵢ = 0` — checked
    /// here directly, not through the iteration.
    @Test func everyStartReachesTheOneSolutionOfTheComplementarityProblem() throws {
        let n = 16
        let g = try Self.operator_(n: n, m: 0.2, skewScale: 4, seed: 2)
        let u = Self.gaussian(n, seed: 3)
        let field = try ForwardBackwardField(g, input: u, proximal: .nonnegative)
        #expect(field.contractionFactor < 1)
        var starts: [Double] = []
        for k in 0..<5 { starts += Self.gaussian(n, seed: 10 + UInt64(k), sigma: 10) }
        let result = try field.iterate(from: starts, tolerance: 1e-12, maximumIterations: 2_000_000)
        #expect(result.converged)
        let z0 = Array(result.state[0..<n])
        for r in 1..<5 {
            #expect(Self.distance(result.state[(r * n)..<((r + 1) * n)], z0[...]) < 1e-8)
        }
        let w = zip(Self.apply(g, z0), u).map { $0 - $1 }
        var active = 0
        for i in 0..<n {
            #expect(z0[i] >= 0)
            #expect(w[i] >= -1e-8)
            #expect(abs(z0[i] * w[i]) < 1e-8)
            if z0[i] > 0 { active += 1 }
        }
        #expect(active > 0 && active < n)  // both kinds of component occur
    }

    @Test func withTheIdentityProximalMapTheEquilibriumSolvesTheLinearSystem() throws {
        let n = 10
        let g = try Self.operator_(n: n, m: 0.5, skewScale: 1, seed: 4)
        let u = Self.gaussian(n, seed: 5)
        let field = try ForwardBackwardField(g, input: u, proximal: .identity)
        let result = try field.iterate(from: [Double](repeating: 0, count: n), tolerance: 1e-13, maximumIterations: 1_000_000)
        let residual = zip(Self.apply(g, result.state), u).reduce(0) { $0 + ($1.0 - $1.1) * ($1.0 - $1.1) }.squareRoot()
        #expect(residual < 1e-9)
    }

    /// The certified factor bounds the map's actual Lipschitz ratio, for both step-size regimes.
    @Test(arguments: [0.0, 2.0])
    func certifiedFactorBoundsTheMapsContraction(skewScale: Double) throws {
        let n = 12
        let g = try Self.operator_(n: n, m: 0.3, skewScale: skewScale, seed: 6)
        let field = try ForwardBackwardField(g, input: Self.gaussian(n, seed: 7), proximal: .box(lower: -1, upper: 1))
        var worst = 0.0
        for trial in 0..<50 {
            let a = Self.gaussian(n, seed: 200 + UInt64(trial), sigma: 2)
            let b = Self.gaussian(n, seed: 300 + UInt64(trial), sigma: 2)
            var ta = a, tb = b
            a.withUnsafeBufferPointer { p in ta.withUnsafeMutableBufferPointer { field.map(p.baseAddress!, inputRow: 0, into: $0.baseAddress!) } }
            b.withUnsafeBufferPointer { p in tb.withUnsafeMutableBufferPointer { field.map(p.baseAddress!, inputRow: 0, into: $0.baseAddress!) } }
            worst = max(worst, Self.distance(ta[...], tb[...]) / Self.distance(a[...], b[...]))
        }
        #expect(worst <= field.contractionFactor)
        #expect(worst > 0)
    }

    @Test func errorBoundHoldsAtALooseTolerance() throws {
        let n = 14
        let g = try Self.operator_(n: n, m: 0.05, skewScale: 0, seed: 8)
        let u = Self.gaussian(n, seed: 9)
        let field = try ForwardBackwardField(g, input: u)
        let start = Self.gaussian(n, seed: 11, sigma: 5)
        let loose = try field.iterate(from: start, tolerance: 1e-3)
        let tight = try field.iterate(from: start, tolerance: 1e-13, maximumIterations: 10_000_000)
        let error = Self.distance(loose.state[...], tight.state[...])
        #expect(error > 0)
        #expect(error <= loose.errorBound[0])
    }

    /// The flow `dz/dt = T(z) − z`, integrated by the solver core's Dormand–Prince with the
    /// steady-state event, ends where the iteration does, from every start.
    @Test func flowIntegratedByTheSolverCoreReachesTheSameEquilibrium() throws {
        let n = 8
        let g = try Self.operator_(n: n, m: 0.3, skewScale: 1.5, seed: 12)
        let u = Self.gaussian(n, seed: 13)
        let field = try ForwardBackwardField(g, input: u)
        let iterated = try field.iterate(from: [Double](repeating: 0, count: n), tolerance: 1e-13, maximumIterations: 10_000_000)
        var starts: [Double] = []
        for k in 0..<3 { starts += Self.gaussian(n, seed: 20 + UInt64(k), sigma: 4) }
        let solution = try ODESolver.solve(field, initialState: starts, t0: 0, t1: 1e6, method: .dormandPrince54,
                                           options: SolverOptions(relativeTolerance: 1e-10, absoluteTolerance: 1e-12,
                                                                  steadyState: SteadyStateEvent(relativeTolerance: 0, absoluteTolerance: 1e-11)))
        #expect(solution.steadyState?.allConverged == true)
        for r in 0..<3 {
            var row: [Double] = []
            for c in 0..<n { row.append(solution.finalState[r, c]) }
            #expect(Self.distance(row[...], iterated.state[...]) < 1e-7)
        }
    }

    @Test func invalidSettingsAreRefusedWithTheReason() throws {
        let n = 4
        let g = try Self.operator_(n: n, m: 0.1, skewScale: 1, seed: 14)
        let u = [Double](repeating: 1, count: n)
        #expect(throws: SolverError.self) { try ForwardBackwardField(g, input: u, stepSize: 2 * 0.1 / (g.lipschitzBound * g.lipschitzBound)) }
        #expect(throws: SolverError.self) { try ForwardBackwardField(g, input: u, stepSize: -1) }
        #expect(throws: SolverError.self) { try ForwardBackwardField(g, input: [1, 2, 3]) }
        #expect(throws: SolverError.self) { try ForwardBackwardField(g, input: u, proximal: .box(lower: 1, upper: 0)) }
        #expect(throws: SolverError.self) { try DenseMonotoneOperator<Double>(a: [1, 0, 0, 1], dimension: 2, strongMonotonicity: 0) }
        #expect(throws: SolverError.self) { try DenseMonotoneOperator<Double>(a: [1, 0, 0], dimension: 2, strongMonotonicity: 1) }
        let field = try ForwardBackwardField(g, input: u)
        #expect(throws: SolverError.self) { try field.iterate(from: [0, 0, 0]) }
        #expect(throws: SolverError.self) { try field.iterate(from: [.nan, 0, 0, 0]) }
        do {
            _ = try ForwardBackwardField(g, input: u, stepSize: 1e6)
        } catch {
            #expect("\(error)".contains("no certified contraction"))
        }
    }

    @Test func spectralNormBoundIsAboveTheNormAndClose() {
        // diag(3, 2, 1) rotated by a permutation: ‖M‖₂ = 3 exactly.
        let m: [Double] = [0, 2, 0, 0, 0, 1, 3, 0, 0]
        let bound = SpectralNormBound.upperBound(m, rows: 3, columns: 3)
        #expect(bound >= 3)
        #expect(bound < 3 * 1.001)
        let wide = SpectralNormBound.upperBound([1, 1, 1, 1], rows: 1, columns: 4)  // ‖(1,1,1,1)‖ = 2
        #expect(wide >= 2 && wide < 2 * 1.000001)
    }
}
