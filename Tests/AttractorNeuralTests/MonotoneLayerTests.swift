import AttractorNeural
import AttractorNumerics
import Testing

@Suite struct MonotoneLayerTests {
    static func layer(sequence: Int = 4, hidden: Int = 3, m: Double = 0.5, seed: UInt64 = 1)
        -> (MonotoneLayer, ParameterStore<Double>) {
        var layout = ParameterLayout()
        let layer = MonotoneLayer("mon", sequence: sequence, hidden: hidden, strongMonotonicity: m, layout: &layout)
        let store = ParameterStore<Double>(layout: layout)
        store.initialize(using: RandomSource(seed: seed))
        // Larger factors than the initialisation, so G is far from m·I.
        for i in 0..<store.count { store.values.pointer[i] *= 3 }
        return (layer, store)
    }

    static func gaussian(_ n: Int, seed: UInt64) -> [Double] {
        var v = [Double](repeating: 0, count: n)
        RandomSource(seed: seed).fillGaussian(&v)
        return v
    }

    /// `Σ c ⊙ z*(θ, u)`, solved tightly.
    static func loss(_ layer: MonotoneLayer, _ p: UnsafePointer<Double>, _ u: [Double], _ c: [Double], batch: Int) -> Double {
        let ws = MonotoneLayer.Workspace<Double>(layer, maxBatch: batch)
        let z = u.withUnsafeBufferPointer {
            layer.forward($0.baseAddress!, batch: batch, parameters: p, workspace: ws, tolerance: 1e-15, maximumIterations: 200_000)
        }
        return (0..<c.count).reduce(0) { $0 + c[$1] * z[$1] }
    }

    /// The fixed point satisfies the complementarity conditions of `0 ∈ Gz − u + N_{z≥0}(z)`,
    /// checked from `G` assembled densely here (not through the layer's own products).
    @Test func fixedPointSolvesTheComplementarityProblem() {
        let (layer, store) = Self.layer()
        let s = 4, h = 3, n = s * h
        let u = Self.gaussian(2 * n, seed: 2)
        let ws = MonotoneLayer.Workspace<Double>(layer, maxBatch: 2)
        let p = UnsafePointer(store.values.pointer)
        let z = u.withUnsafeBufferPointer {
            layer.forward($0.baseAddress!, batch: 2, parameters: p, workspace: ws, tolerance: 1e-14, maximumIterations: 100_000)
        }
        #expect(ws.relativeStep <= 1e-14)
        let at = Array(UnsafeBufferPointer(start: p + layer.tokenFactor.offset, count: s * s))
        let ac = Array(UnsafeBufferPointer(start: p + layer.channelFactor.offset, count: h * h))
        var positive = 0
        for b in 0..<2 {
            for i in 0..<s {
                for j in 0..<h {
                    // (A_tᵀA_t Z)[i,j] + (Z A_c A_cᵀ)[i,j] + m Z[i,j] − u[i,j]
                    var g = 0.5 * z[b * n + i * h + j] - u[b * n + i * h + j]
                    for k in 0..<s { for r in 0..<s { g += at[r * s + i] * at[r * s + k] * z[b * n + k * h + j] } }
                    for k in 0..<h { for r in 0..<h { g += z[b * n + i * h + k] * ac[k * h + r] * ac[j * h + r] } }
                    let zi = z[b * n + i * h + j]
                    #expect(zi >= 0)
                    #expect(g >= -1e-9)
                    #expect(abs(zi * g) < 1e-9)
                    if zi > 0 { positive += 1 }
                }
            }
        }
        #expect(positive > 0 && positive < 2 * n)
    }

    @Test func implicitGradientMatchesFiniteDifferences() {
        let (layer, store) = Self.layer()
        let n = 4 * 3, batch = 2
        let u = Self.gaussian(batch * n, seed: 3)
        let c = Self.gaussian(batch * n, seed: 4)
        let ws = MonotoneLayer.Workspace<Double>(layer, maxBatch: batch)
        let p = store.values.pointer
        store.zeroGradients()
        u.withUnsafeBufferPointer {
            _ = layer.forward($0.baseAddress!, batch: batch, parameters: p, workspace: ws, tolerance: 1e-15, maximumIterations: 200_000)
        }
        c.withUnsafeBufferPointer {
            layer.backward($0.baseAddress!, parameters: p, gradients: store.gradients.pointer, workspace: ws,
                           adjointIterations: 20_000)
        }
        let eps = 1e-6
        var worst = 0.0
        for i in 0..<store.count {
            let saved = p[i]
            p[i] = saved + eps
            let up = Self.loss(layer, p, u, c, batch: batch)
            p[i] = saved - eps
            let down = Self.loss(layer, p, u, c, batch: batch)
            p[i] = saved
            let fd = (up - down) / (2 * eps)
            worst = max(worst, abs(fd - store.gradients.pointer[i]) / max(1, abs(fd)))
        }
        for i in [0, 5, 13, 22] {
            var uu = u
            uu[i] += eps
            let up = Self.loss(layer, p, uu, c, batch: batch)
            uu[i] -= 2 * eps
            let down = Self.loss(layer, p, uu, c, batch: batch)
            let fd = (up - down) / (2 * eps)
            worst = max(worst, abs(fd - ws.inputCotangent.pointer[i]) / max(1, abs(fd)))
        }
        #expect(worst < 1e-6)
    }

    /// One adjoint term is the one-step (Jacobian-free) gradient: not the implicit one.
    @Test func truncatedAdjointDiffersFromTheImplicitGradient() {
        let (layer, store) = Self.layer()
        let n = 12
        let u = Self.gaussian(n, seed: 5), c = Self.gaussian(n, seed: 6)
        let ws = MonotoneLayer.Workspace<Double>(layer, maxBatch: 1)
        let p = store.values.pointer
        func gradient(_ terms: Int) -> [Double] {
            store.zeroGradients()
            u.withUnsafeBufferPointer { _ = layer.forward($0.baseAddress!, batch: 1, parameters: p, workspace: ws, tolerance: 1e-14) }
            c.withUnsafeBufferPointer {
                layer.backward($0.baseAddress!, parameters: p, gradients: store.gradients.pointer, workspace: ws,
                               adjointIterations: terms)
            }
            return Array(UnsafeBufferPointer(start: store.gradients.pointer, count: store.count))
        }
        let exact = gradient(20_000), one = gradient(0)
        let gap = zip(exact, one).reduce(0) { max($0, abs($1.0 - $1.1)) }
        #expect(gap > 1e-3)
    }

    /// `‖Gz‖ ≤ L‖z‖` and `⟨Gz, z⟩ ≥ m‖z‖²` with `G` assembled densely from the factors.
    @Test func certificateBoundsTheOperator() {
        let (layer, store) = Self.layer(seed: 7)
        let s = 4, h = 3, n = 12
        let p = UnsafePointer(store.values.pointer)
        let bound = layer.lipschitzBound(parameters: p)
        let at = Array(UnsafeBufferPointer(start: p + layer.tokenFactor.offset, count: s * s))
        let ac = Array(UnsafeBufferPointer(start: p + layer.channelFactor.offset, count: h * h))
        var largest = 0.0
        for trial in 0..<200 {
            let z = Self.gaussian(n, seed: 100 + UInt64(trial))
            var gz = [Double](repeating: 0, count: n)
            for i in 0..<s {
                for j in 0..<h {
                    var g = 0.5 * z[i * h + j]
                    for k in 0..<s { for r in 0..<s { g += at[r * s + i] * at[r * s + k] * z[k * h + j] } }
                    for k in 0..<h { for r in 0..<h { g += z[i * h + k] * ac[k * h + r] * ac[j * h + r] } }
                    gz[i * h + j] = g
                }
            }
            let zz = z.reduce(0) { $0 + $1 * $1 }
            #expect(zip(gz, z).reduce(0) { $0 + $1.0 * $1.1 } >= 0.5 * zz * (1 - 1e-12))
            largest = max(largest, (gz.reduce(0) { $0 + $1 * $1 } / zz).squareRoot())
        }
        #expect(largest <= bound)
        #expect(bound < 2 * largest)  // a bound, not a loose guess
    }
}
