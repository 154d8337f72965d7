import Foundation
import AttractorDynamics
import AttractorNeural
import AttractorNumerics
import Testing
@testable import AttractorReasoning

/// The `adjoint` segment gradient (continuous adjoint of the joint system, embedding
/// included) against taped backpropagation through the same RK4 integration and against
/// finite differences; the Anderson implicit gradient against the fixed-point one (Double).
@Suite struct AdjointGradientTests {
    static let batch = 2

    static func cmm(lowSteps: Int, gradient: ReasoningConfiguration.SegmentGradient = .adjoint) throws -> ReasoningConfiguration {
        var c = try ReasoningTestSupport.trm()
        c.model = .cmm
        c.integrator = .rk4
        c.gradient = gradient
        c.discretisation = gradient == .adjoint ? .joint : .multiRate
        c.cycles = 2
        c.lowSteps = lowSteps
        c.stepSize = 0.5
        c.lowStepSize = 0.5 / Double(lowSteps)
        c.epsilon = 0.5
        c.haltOutputs = .absent
        c.halting = .equilibrium
        return c
    }

    static func gradient(_ config: ReasoningConfiguration, strategy: GradientStrategy? = nil,
                         stateScale: Double = 1) throws -> (loss: Double, gradient: [Double]) {
        let m = try ReasoningModel<Double>(configuration: config, maxBatch: batch, seed: 5)
        m.adjointStrategy = strategy
        let tokens = ReasoningTestSupport.tokens(batch: batch, sequence: 4, vocabulary: 5, seed: 8)
        let start = m.makeState()
        ReasoningTestSupport.randomize(start, seed: 12)
        for i in 0..<start.high.buffer.count { start.high.buffer[i] *= stateScale; start.low.buffer[i] *= stateScale }
        let r = try ReasoningTestSupport.segmentGradient(m, tokens: tokens, start: start, batch: batch)
        return (r.loss, r.gradient)
    }

    @Test func adjointMatchesTapedBackpropAndTightensWithSteps() throws {
        var errors: [Double] = []
        for steps in [1, 4] {
            let c = try Self.cmm(lowSteps: steps)
            let adjoint = try Self.gradient(c)
            let taped = try Self.gradient(c, strategy: .backprop)
            #expect(adjoint.loss == taped.loss)  // the same forward
            errors.append(ReasoningTestSupport.maxRelativeDifference(adjoint.gradient, taped.gradient))
        }
        print("adjoint vs taped backprop, 1 and 4 steps per cycle: \(errors)")
        // Both are O(h⁴) approximations of the continuous gradient: 4× more steps, ≫ 4× closer.
        #expect(errors[1] < errors[0] / 16, "errors \(errors)")
        #expect(errors[1] < 1e-4, "errors \(errors)")
        #expect(errors[0] > 0)
    }

    @Test(arguments: [false, true])
    func adjointMatchesFiniteDifferencesIncludingEmbedding(injected: Bool) throws {
        var c = try Self.cmm(lowSteps: 16)
        if injected {  // the contractive network that also reads x: the embedding's second path
            c.block = BlockConfiguration(hidden: 8, sequence: 4, layers: 2, mixer: .mlp, tokenInner: 6, channelInner: 10,
                                         structure: .contractive, lipschitz: 0.45, injection: true)
        }
        let analytic = try Self.gradient(c).gradient
        let m = try ReasoningModel<Double>(configuration: c, maxBatch: Self.batch, seed: 5)
        let tokens = ReasoningTestSupport.tokens(batch: Self.batch, sequence: 4, vocabulary: 5, seed: 8)
        let start = m.makeState()
        ReasoningTestSupport.randomize(start, seed: 12)
        func loss() throws -> Double {
            let s = m.makeState()
            s.copy(from: start)
            m.runSegment(s, input: try m.embedded(tokens, batch: Self.batch), record: false)
            m.computeHeads(s, batch: Self.batch)
            return ReasoningTestSupport.linearLoss(m, batch: Self.batch, seed: 99)
        }
        // The embedding rows of the tokens used, then a spread of the network's parameters.
        let embedding = m.store.layout.views.first { $0.name.contains("embed") }!
        var indices = Array(embedding.offset..<embedding.end)
        indices += Array(stride(from: embedding.offset + embedding.count, to: m.store.count, by: max(1, m.store.count / 20)))
        var worst = 0.0, embeddingMagnitude = 0.0
        for k in indices {
            let p = m.store.values.pointer + k
            let saved = p.pointee
            let h = 1e-6
            p.pointee = saved + h
            let up = try loss()
            p.pointee = saved - h
            let down = try loss()
            p.pointee = saved
            let fd = (up - down) / (2 * h)
            if k < embedding.offset + embedding.count { embeddingMagnitude = max(embeddingMagnitude, abs(fd)) }
            worst = max(worst, abs(fd - analytic[k]) / max(1, abs(fd)))
        }
        #expect(embeddingMagnitude > 1e-3)  // the embedding does receive a gradient
        #expect(worst < 1e-5, "worst error \(worst)")
    }

    /// Segment forward, heads and a linear loss; leaves `∂L/∂z` in the model's cotangents.
    static func forward(_ m: ReasoningModel<Double>, tokens: [Int32]) throws -> (LatentState<Double>, SegmentInput<Double>) {
        let s = m.makeState()
        ReasoningTestSupport.randomize(s, seed: 12)
        for i in 0..<s.high.buffer.count { s.high.buffer[i] *= 4; s.low.buffer[i] *= 4 }  // a milder Jacobian
        m.store.zeroGradients()
        let input = try m.embedded(tokens, batch: batch)
        m.runSegment(s, input: input, record: true)
        m.computeHeads(s, batch: batch)
        m.clearCotangents(batch: batch)
        _ = ReasoningTestSupport.linearLoss(m, batch: batch, seed: 99)
        m.backwardHeads(s, batch: batch)
        return (s, input)
    }

    /// Anderson's implicit gradient against the exact one: `(I − J_Gᵀ) w' = g` solved densely
    /// (J_G built column by column from the field's VJPs, Gaussian elimination), then pushed
    /// through the `implicit` path with zero Neumann terms (`∂L/∂θ = w'ᵀ ∂G/∂θ` and x).
    /// Random states are not contractive here (the plain series diverges), so the dense
    /// solve is the reference; ε = 0.5 checks the `w' = D w` relation of the two forms.
    @Test func andersonImplicitMatchesDenseImplicitSolve() throws {
        var config = try Self.cmm(lowSteps: 2, gradient: .implicitAnderson)
        config.implicitIterations = 200
        let tokens = ReasoningTestSupport.tokens(batch: Self.batch, sequence: 4, vocabulary: 5, seed: 8)
        let m = try ReasoningModel<Double>(configuration: config, maxBatch: Self.batch, seed: 5)
        let (s, input) = try Self.forward(m, tokens: tokens)
        try m.backwardSegment(s, input: input)
        let anderson = m.store.gradients.array

        var reference = config
        reference.gradient = .implicit
        reference.implicitIterations = 0
        let r = try ReasoningModel<Double>(configuration: reference, maxBatch: Self.batch, seed: 5)
        let (rs, rInput) = try Self.forward(r, tokens: tokens)
        let w = r.width, n = 2 * Self.batch * w
        var g = [Double](repeating: 0, count: n)
        for b in 0..<Self.batch {
            for e in 0..<w {
                g[b * 2 * w + e] = r.lowCotangent.pointer[b * w + e]
                g[b * 2 * w + w + e] = r.highCotangent.pointer[b * w + e]
            }
        }
        let z = r.jointRows(rs, batch: Self.batch)
        let field = r.jointField(x: rInput.embedding, batch: Self.batch, differentiatesInputs: false)
        // A[i][j] = ((∂f/∂z)ᵀ e_j)_i; solve A w = −g.
        var a = [[Double]](repeating: [Double](repeating: 0, count: n + 1), count: n)
        var unit = [Double](repeating: 0, count: n), column = unit
        for j in 0..<n {
            unit[j] = 1
            field.vectorJacobianProduct(t: 0, state: z, cotangent: unit, stateCotangent: &column, parameterGradient: nil,
                                        rows: RowSelection(count: Self.batch))
            unit[j] = 0
            for i in 0..<n { a[i][j] = column[i] }
        }
        for i in 0..<n { a[i][n] = -g[i] }
        for c in 0..<n {
            let p = (c..<n).max { abs(a[$0][c]) < abs(a[$1][c]) }!
            a.swapAt(c, p)
            for i in (c + 1)..<n where a[i][c] != 0 {
                let f = a[i][c] / a[c][c]
                for k in c...n { a[i][k] -= f * a[c][k] }
            }
        }
        var sol = [Double](repeating: 0, count: n)
        for i in stride(from: n - 1, through: 0, by: -1) {
            var v = a[i][n]
            for k in (i + 1)..<n { v -= a[i][k] * sol[k] }
            sol[i] = v / a[i][i]
        }
        // w' = D w with D = diag(1/ε, 1), into the cotangents; zero Neumann terms.
        for b in 0..<Self.batch {
            for e in 0..<w {
                r.lowCotangent.pointer[b * w + e] = sol[b * 2 * w + e] / config.epsilon
                r.highCotangent.pointer[b * w + e] = sol[b * 2 * w + w + e]
            }
        }
        try r.backwardSegment(rs, input: rInput)
        let exact = r.store.gradients.array
        let error = ReasoningTestSupport.maxRelativeDifference(anderson, exact)
        #expect(error < 1e-5, "anderson vs dense solve: \(error)")
        // The truncated series (the existing `implicit` with a few terms) is far off here.
        var few = config
        few.gradient = .implicit
        few.implicitIterations = 3
        let t = try ReasoningModel<Double>(configuration: few, maxBatch: Self.batch, seed: 5)
        let (ts, tInput) = try Self.forward(t, tokens: tokens)
        try t.backwardSegment(ts, input: tInput)
        let truncated = ReasoningTestSupport.maxRelativeDifference(t.store.gradients.array, exact)
        print("anderson vs dense solve: \(error); 3-term Neumann series vs dense: \(truncated)")
        #expect(truncated > 100 * error)
    }

    @Test func andersonNonConvergenceIsATypedError() throws {
        var c = try Self.cmm(lowSteps: 2, gradient: .implicitAnderson)
        c.implicitIterations = 1
        #expect {
            _ = try Self.gradient(c)
        } throws: { error in
            if case .implicitSolveDidNotConverge(let iterations, _, let tolerance)? = error as? ReasoningError {
                return iterations == 1 && tolerance == 1e-6
            }
            return false
        }
    }

    @Test func adjointNeedsARungeKuttaIntegrator() throws {
        var c = try Self.cmm(lowSteps: 2)
        c.integrator = .direct
        #expect(throws: ReasoningError.self) { try c.validate() }
    }

    /// Discretisation and gradient are separate choices, checked together in one place; the
    /// gradient never changes the forward model (same segment output for every gradient
    /// allowed with a discretisation, bit for bit).
    @Test func theGradientNeverChangesTheForwardModel() throws {
        func message(_ c: ReasoningConfiguration) -> String? {
            do { try c.validate(); return nil } catch { return "\(error)" }
        }
        var c = try Self.cmm(lowSteps: 2, gradient: .lastCycle)
        c.gradient = .adjoint
        #expect(message(c)?.contains("discretisation joint") == true, "\(message(c) ?? "valid")")
        c.discretisation = .joint
        c.gradient = .lastCycle
        #expect(message(c)?.contains("tapes the multi-rate steps") == true, "\(message(c) ?? "valid")")
        c.gradient = .oneStep
        #expect(message(c) != nil)
        for g in [ReasoningConfiguration.SegmentGradient.adjoint, .implicit, .implicitAnderson] {
            c.gradient = g
            #expect(message(c) == nil, "joint with \(g.rawValue): \(message(c) ?? "")")
        }
        func forward(_ discretisation: ReasoningConfiguration.Discretisation,
                     _ gradient: ReasoningConfiguration.SegmentGradient) throws -> [Double] {
            var c = try Self.cmm(lowSteps: 2, gradient: gradient)
            c.discretisation = discretisation
            if gradient == .implicitAnderson { c.implicitIterations = 50 }
            let m = try ReasoningModel<Double>(configuration: c, maxBatch: Self.batch, seed: 5)
            let tokens = ReasoningTestSupport.tokens(batch: Self.batch, sequence: 4, vocabulary: 5, seed: 8)
            let s = m.makeState()
            ReasoningTestSupport.randomize(s, seed: 12)
            m.runSegment(s, input: try m.embedded(tokens, batch: Self.batch), record: true)
            return s.high.array + s.low.array
        }
        let multiRate = try [ReasoningConfiguration.SegmentGradient.oneStep, .lastCycle, .implicit, .implicitAnderson].map { try forward(.multiRate, $0) }
        #expect(multiRate.allSatisfy { $0 == multiRate[0] })
        let joint = try [ReasoningConfiguration.SegmentGradient.adjoint, .implicit, .implicitAnderson].map { try forward(.joint, $0) }
        #expect(joint.allSatisfy { $0 == joint[0] })
        #expect(joint[0] != multiRate[0], "the two discretisations are different forward models")
    }

    /// A configuration saved before `discretisation` existed reads as the forward model it
    /// ran: joint with the adjoint gradient, multi-rate otherwise.
    @Test func configurationsWithoutADiscretisationKeepTheirForwardModel() throws {
        for (gradient, expected) in [(ReasoningConfiguration.SegmentGradient.adjoint, ReasoningConfiguration.Discretisation.joint),
                                     (.lastCycle, .multiRate), (.implicit, .multiRate)] {
            let c = try Self.cmm(lowSteps: 2, gradient: gradient)
            var object = try #require(try JSONSerialization.jsonObject(with: JSONEncoder().encode(c)) as? [String: Any])
            #expect(object["discretisation"] as? String == c.discretisation.rawValue)
            object.removeValue(forKey: "discretisation")
            let old = try JSONDecoder().decode(ReasoningConfiguration.self, from: JSONSerialization.data(withJSONObject: object))
            #expect(old.discretisation == expected)
            #expect(old == c || expected != c.discretisation)
        }
    }
}
