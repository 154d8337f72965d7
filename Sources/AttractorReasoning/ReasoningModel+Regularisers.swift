import AttractorDynamics
import AttractorNeural
import AttractorNumerics

extension ReasoningModel {
    /// Values of the regularising losses of one step (already multiplied by their weights).
    public struct RegulariserValues: Sendable, Equatable {
        public var residual = 0.0
        public var traceHinge = 0.0
        public var repellerHinge = 0.0
        public var frobenius = 0.0
        public var spectral = 0.0
        public var repulsion = 0.0
        public var chord = 0.0
        /// The wrong-motion hinge (`loss.wrongMotion`).
        public var wrongMotion = 0.0
        /// The halting BCE on swapped end states (`loss.swappedHalting`).
        public var swappedHalting = 0.0
        public init() {}
        public var total: Double {
            residual + traceHinge + repellerHinge + frobenius + spectral + repulsion + chord + wrongMotion + swappedHalting
        }
    }

    /// Equilibrium residual of the high level, one evaluation of `F_H` on `batch` examples:
    /// writes each example's relative residual `‖F_H(u) − z_H‖/‖z_H‖` (`u = z_H + z_L`) into
    /// `relative`, and with `weight > 0` returns `weight · mean ‖z_H − F_H(u)‖²` (mean over
    /// scalars), adding its gradient to `highCotangent`, `lowCotangent` and the parameters.
    @_specialize(where T == Float)
    @_specialize(where T == Double)
    public func equilibriumResidual(_ state: LatentState<T>, batch: Int, weight: Double,
                                    relative: inout [Double]) -> Double {
        if relative.count < batch { relative = Array(repeating: 0, count: batch) }
        return relative.withUnsafeMutableBufferPointer { equilibriumResidual(state, batch: batch, weight: weight, relative: $0) }
    }

    /// `equilibriumResidual` writing the relative residuals into `relative` (≥ `batch` entries).
    @_specialize(where T == Float)
    @_specialize(where T == Double)
    public func equilibriumResidual(_ state: LatentState<T>, batch: Int, weight: Double,
                                    relative: UnsafeMutableBufferPointer<Double>) -> Double {
        equilibriumTerms(state, batch: batch, residualWeight: weight, relative: relative).residual
    }

    /// The wrong-motion hinge of `equilibriumTerms`: on the examples whose answer is not
    /// `correct`, `weight · ReLU(margin − r)` (mean over the `batch` examples), `r` the
    /// relative residual.
    public struct WrongMotion {
        public var weight: Double
        public var margin: Double
        /// Per example: whether its answer is right (the hinge acts on the others only).
        public var correct: UnsafePointer<Bool>
        public init(weight: Double, margin: Double, correct: UnsafePointer<Bool>) {
            self.weight = weight
            self.margin = margin
            self.correct = correct
        }
    }

    /// The equilibrium residual (`equilibriumResidual`) and, with `motion`, the wrong-motion
    /// hinge `w/B · Σ_{b wrong} ReLU(m − r_b)`, `r_b = ‖z_H − F_H(u)‖/‖z_H‖`: an example whose
    /// answer is wrong may not sit still — where it moves less than `m` per evaluation, the
    /// hinge pushes `F_H(u)` away from `z_H`, so a wrong answer stops being an equilibrium of
    /// the map, where the residual term alone rewards settling anywhere. `‖z_H‖` is held
    /// fixed in the hinge's gradient; an example exactly at rest (`r = 0`) has no direction
    /// and gets none. Both terms share one evaluation of `F_H` and one VJP; the gradients go
    /// to `highCotangent`, `lowCotangent` and the parameters.
    @_specialize(where T == Float)
    @_specialize(where T == Double)
    public func equilibriumTerms(_ state: LatentState<T>, batch: Int, residualWeight weight: Double,
                                 motion: WrongMotion? = nil,
                                 relative: UnsafeMutableBufferPointer<Double>) -> (residual: Double, wrongMotion: Double) {
        let n = batch * width
        relativeResidual(state, batch: batch, into: relative)  // leaves F_H(u) in the workspace, u in scratchInput
        let hinge = motion.flatMap { $0.weight > 0 ? $0 : nil }
        guard weight > 0 || hinge != nil else { return (0, 0) }
        let f = workspaces[highNetwork].output
        let r = regularisers.residual.pointer
        var sum = 0.0
        for e in 0..<n {
            let d = state.high.pointer[e] - f[e]
            r[e] = d
            sum += Double(d) * Double(d)
        }
        let loss = weight * sum / Double(n)
        var motionLoss = 0.0
        // ∂L/∂d per example: 2w/n · d from the residual, −(w'/B) · d/(‖d‖‖z‖) = −(w'/B) · d/(r‖z‖²)
        // from an active hinge.
        for b in 0..<batch {
            var c = 2 * weight / Double(n)
            if let m = hinge, !m.correct[b], relative[b] < m.margin, relative[b] > 0 {
                motionLoss += m.weight * (m.margin - relative[b]) / Double(batch)
                let z = state.high.pointer + b * width
                c -= m.weight / (Double(batch) * relative[b] * VectorKernels.dot(z, z, count: width))
            }
            let ct = T(c)
            for e in (b * width)..<((b + 1) * width) { r[e] *= ct }
        }
        VectorKernels.accumulate(r, into: highCotangent.pointer, count: n)
        // ∂L/∂u = −Jᵀr̄ and ∂L/∂θ = −r̄ᵀ∂F/∂θ: one VJP with −r̄ gives both.
        for e in 0..<n { r[e] = -r[e] }
        backwardEvaluations += batch
        let v = networks[highNetwork].backward(UnsafePointer(r), parameters: UnsafePointer(store.values.pointer),
                                               gradients: store.gradients.pointer, workspace: workspaces[highNetwork])
        VectorKernels.accumulate(v, into: highCotangent.pointer, count: n)
        VectorKernels.accumulate(v, into: lowCotangent.pointer, count: n)
        return (loss, motionLoss)
    }

    /// Hyperspherical repulsion over `batch` flattened `z_H`:
    /// `L = w/(B(B−1)) Σ_{i≠j} ⟨u_i, u_j⟩²`, `u_i = z_i/‖z_i‖`; adds `∂L/∂z_H` into
    /// `highCotangent`. Two gemms of `B × B × width`.
    @_specialize(where T == Float)
    @_specialize(where T == Double)
    public func repulsion(_ state: LatentState<T>, batch b: Int, weight: Double) -> Double {
        guard weight > 0, b >= 2 else { return 0 }
        let z = UnsafePointer(state.high.pointer)
        let space = regularisers
        let gram = space.gram.pointer, coefficient = space.coefficients.pointer
        let norms = space.norms, diagonal = space.diagonal
        T.gemm(transposeA: false, transposeB: true, m: b, n: b, k: width, alpha: 1, a: z, lda: width,
               b: z, ldb: width, beta: 0, c: gram, ldc: b)
        for i in 0..<b { norms[i] = max(Double(gram[i * b + i]).squareRoot(), 1e-12) }
        let pairs = Double(b * (b - 1))
        var loss = 0.0
        coefficient.update(repeating: 0, count: b * b)
        diagonal.update(repeating: 0, count: b)
        for i in 0..<b {
            for j in 0..<b where j != i {
                let c = Double(gram[i * b + j]) / (norms[i] * norms[j])
                loss += c * c
                coefficient[i * b + j] = T(4 * weight * c / (pairs * norms[i] * norms[j]))
                diagonal[i] += 4 * weight * c * c / (pairs * norms[i] * norms[i])
            }
        }
        let dz = highCotangent.pointer
        for i in 0..<b {
            VectorKernels.axpy(T(-diagonal[i]), z + i * width, dz + i * width, count: width)
        }
        T.gemm(transposeA: false, transposeB: false, m: b, n: width, k: b, alpha: 1, a: coefficient, lda: b,
               b: z, ldb: width, beta: 1, c: dz, ldc: width)
        return weight * loss / pairs
    }

    /// The Jacobian regularisers on the first `batch` examples with one Rademacher probe
    /// `v` from `random`, `J = ∂F_H/∂u` at `u = z_H + z_L` (the repeller hinge at `u = x`, the
    /// embedding of the first `b` examples of `input`).
    /// `Jv` is a forward difference `(F(u + δv) − F(u))/δ`, so each term costs two forward
    /// and two backward passes and no second derivatives; the point `u` is detached (only
    /// θ receives these gradients). Adds to `store.gradients`; returns the weighted values
    /// (weights times `scale`). Its buffers and passes are its own (`RegulariserWorkspace`),
    /// so it may run before or after `backwardSegment`.
    @_specialize(where T == Float)
    @_specialize(where T == Double)
    public func jacobianRegularisers(_ state: LatentState<T>, input: SegmentInput<T>, batch b: Int, random: RandomSource,
                                     scale: Double = 1) -> RegulariserValues {
        checkInput(input, state)
        precondition(b >= 1 && b <= input.batch, "the regularisers' sub-batch is part of the input's batch")
        var out = RegulariserValues()
        var w = configuration.loss  // `scale` weights this batch's share of a larger one
        w.traceHinge *= scale
        w.repellerHinge *= scale
        w.frobenius *= scale
        w.spectral *= scale
        let n = b * width
        let k = Double(width)
        let space = regularisers
        let u = space.point.pointer, v = space.direction.pointer
        func probe() { for e in 0..<n { v[e] = random.integer(below: 2) == 0 ? -1 : 1 } }
        if w.traceHinge > 0 || w.frobenius > 0 {
            VectorKernels.add(state.high.pointer, state.low.pointer, into: u, count: n)
            probe()
            let jv = jacobianVectorProduct(at: u, direction: v, batch: b)
            let q = space.probeCotangent.pointer
            for ex in 0..<b {
                let vb = v + ex * width, jb = jv + ex * width
                let t = VectorKernels.dot(vb, jb, count: width) / k
                let relu = max(0, t - 1)
                out.traceHinge += w.traceHinge * relu * relu / Double(b)
                let fro = VectorKernels.dot(jb, jb, count: width) / k
                out.frobenius += w.frobenius * fro / Double(b)
                let a = T(w.traceHinge * 2 * relu / (k * Double(b))), c = T(w.frobenius * 2 / (k * Double(b)))
                for e in 0..<width { q[ex * width + e] = a * vb[e] + c * jb[e] }
            }
            probeGradient(at: u, direction: v, jvCotangent: q, batch: b)
        }
        if w.repellerHinge > 0 {
            VectorKernels.copy(input.embedding, u, count: n)
            probe()
            let jv = jacobianVectorProduct(at: u, direction: v, batch: b)
            let q = space.probeCotangent.pointer
            for ex in 0..<b {
                let vb = v + ex * width
                let t = VectorKernels.dot(vb, jv + ex * width, count: width) / k
                let relu = max(0, 1 - t)
                out.repellerHinge += w.repellerHinge * relu * relu / Double(b)
                let a = T(-w.repellerHinge * 2 * relu / (k * Double(b)))
                for e in 0..<width { q[ex * width + e] = a * vb[e] }
            }
            probeGradient(at: u, direction: v, jvCotangent: q, batch: b)
        }
        if w.spectral > 0 {
            VectorKernels.add(state.high.pointer, state.low.pointer, into: u, count: n)
            probe()
            for _ in 0..<max(1, w.powerIterations) {
                let jv = jacobianVectorProduct(at: u, direction: v, batch: b)
                VectorKernels.copy(jv, space.scaled.pointer, count: n)
                let jtjv = vectorJacobianProduct(network: highNetwork, input: u, cotangent: space.scaled.pointer, batch: b,
                                                 gradients: discardedGradients.pointer, workspace: space.network)
                for ex in 0..<b {
                    let s = VectorKernels.dot(jtjv + ex * width, jtjv + ex * width, count: width)
                    let scale = T((k / max(s, 1e-30)).squareRoot())
                    for e in 0..<width { v[ex * width + e] = scale * jtjv[ex * width + e] }
                }
            }
            let jv = jacobianVectorProduct(at: u, direction: v, batch: b)
            let q = space.probeCotangent.pointer
            let floor = w.spectralMargin * w.spectralMargin
            for ex in 0..<b {
                let jb = jv + ex * width
                let excess = VectorKernels.dot(jb, jb, count: width) / k - floor  // ‖Jv‖²/‖v‖² − m²
                let c = T(excess > 0 ? w.spectral * 2 / (k * Double(b)) : 0)
                out.spectral += w.spectral * max(0, excess) / Double(b)
                for e in 0..<width { q[ex * width + e] = c * jb[e] }
            }
            probeGradient(at: u, direction: v, jvCotangent: q, batch: b)
        }
        return out
    }

    /// The chord hinge on the `input.batch` examples: with `a` = `origin`, `S(a)` = `image`
    /// (held fixed) and `b` = `start`, runs one taped segment `b ← S(b)` (no noise) and
    /// returns `w/B · Σ ReLU(‖S(b) − S(a)‖²/‖b − a‖² − m²)`, both levels in the norms,
    /// adding its parameter gradient (through `S(b)` only, to the depth
    /// `configuration.gradient` tapes) to the store. Leaves `S(b)` in `start`; overwrites
    /// the cotangents and the tape.
    ///
    /// A contraction on the whole region the starts come from has one fixed point per
    /// puzzle; the spectral hinge bounds `J` at single points, this bounds the finite
    /// chords between a trajectory and another start, across any basin boundary between
    /// them. `m = 0` penalises every ratio.
    @_specialize(where T == Float)
    @_specialize(where T == Double)
    public func chordHinge(start: LatentState<T>, origin: LatentState<T>, image: LatentState<T>, input: SegmentInput<T>,
                           weight: Double, margin: Double) throws(ReasoningError) -> Double {
        checkInput(input, start)
        let batch = input.batch
        func squaredDistance(_ p: LatentState<T>, _ q: LatentState<T>, row: Int) -> Double {
            var sum = 0.0
            for e in (row * width)..<((row + 1) * width) {
                let dh = Double(p.high.pointer[e] - q.high.pointer[e]), dl = Double(p.low.pointer[e] - q.low.pointer[e])
                sum += dh * dh + dl * dl
            }
            return sum
        }
        return try withUnsafeTemporaryAllocation(of: Double.self, capacity: batch) { (spans) throws(ReasoningError) -> Double in
            for r in 0..<batch { spans[r] = max(squaredDistance(start, origin, row: r), 1e-30) }
            runSegment(start, input: input, record: true)
            clearCotangents(batch: batch)
            let floor = margin * margin
            var value = 0.0
            for r in 0..<batch {
                let excess = squaredDistance(start, image, row: r) / spans[r] - floor
                guard excess > 0 else { continue }
                value += weight * excess / Double(batch)
                let c = T(2 * weight / (spans[r] * Double(batch)))
                for e in (r * width)..<((r + 1) * width) {
                    highCotangent.pointer[e] = c * (start.high.pointer[e] - image.high.pointer[e])
                    lowCotangent.pointer[e] = c * (start.low.pointer[e] - image.low.pointer[e])
                }
            }
            if value > 0 { try backwardSegment(start, input: input) }
            return value
        }
    }

    /// Forward-difference step for Jacobian–vector products (`10·√ulp`).
    var differenceStep: T { 10 * T.ulpOfOne.squareRoot() }

    /// `(F_H(u + δv) − F_H(u))/δ` into the regularisers' `jv` (returned).
    func jacobianVectorProduct(at u: UnsafePointer<T>, direction v: UnsafePointer<T>, batch b: Int) -> UnsafePointer<T> {
        let n = b * width, delta = differenceStep
        let space = regularisers
        let shifted = space.shifted.pointer, jv = space.jv.pointer
        for e in 0..<n { shifted[e] = u[e] + delta * v[e] }
        let f1 = evaluate(network: highNetwork, shifted, batch: b, workspace: space.network)
        VectorKernels.copy(f1, jv, count: n)
        let f0 = evaluate(network: highNetwork, u, batch: b, workspace: space.network)
        let inv = 1 / delta
        for e in 0..<n { jv[e] = (jv[e] - f0[e]) * inv }
        return UnsafePointer(jv)
    }

    /// Parameter gradient of a loss of `Jv` (forward difference) given `∂L/∂(Jv) = q`:
    /// `(1/δ)(VJP(F, u + δv, q) − VJP(F, u, q))`.
    func probeGradient(at u: UnsafePointer<T>, direction v: UnsafePointer<T>, jvCotangent q: UnsafePointer<T>, batch b: Int) {
        let n = b * width, delta = differenceStep
        let space = regularisers
        let shifted = space.shifted.pointer, scaled = space.scaled.pointer
        for e in 0..<n { shifted[e] = u[e] + delta * v[e] }
        for e in 0..<n { scaled[e] = q[e] / delta }
        let g = store.gradients.pointer
        _ = vectorJacobianProduct(network: highNetwork, input: shifted, cotangent: scaled, batch: b, gradients: g,
                                  workspace: space.network)
        for e in 0..<n { scaled[e] = -scaled[e] }
        _ = vectorJacobianProduct(network: highNetwork, input: u, cotangent: scaled, batch: b, gradients: g,
                                  workspace: space.network)
    }
}
