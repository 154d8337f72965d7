import AttractorNumerics
import Testing
@testable import AttractorReasoning

/// CMM's damped noisy step is one Euler–Maruyama step of size h of the NSDE
/// `dz = (F(z + c) − z) dt + σ dW`, which is EqR's update `z ← (1 − h) z + h F(z + c) + σ√h ξ`:
/// the solver's step and the update written out agree for the same noise.
@Suite struct DampedEulerMaruyamaTests {
    func configuration(h: Double, sigma: Double) throws -> ReasoningConfiguration {
        var c = try ReasoningTestSupport.trm()
        c.model = .cmm
        c.integrator = .eulerMaruyama
        c.stepSize = h
        c.lowStepSize = h
        c.epsilon = 1
        c.sigma = sigma
        c.lowSteps = 2
        c.cycles = 2
        return c
    }

    /// `cycles × (lowSteps low-level updates, one high-level update)` written as EqR writes it, noise
    /// drawn from the same stream in the same order (low level, then high level).
    func eqrSegment(_ m: ReasoningModel<Double>, _ s: LatentState<Double>, x: SegmentInput<Double>, batch: Int, h: Double,
                    sigma: Double, noise: RandomSource) {
        let n = batch * m.stateWidth
        var xi = [Double](repeating: 0, count: n)
        var u = [Double](repeating: 0, count: n)
        func update(_ z: UnsafeMutablePointer<Double>, addend: [Double]) {
            for e in 0..<n { u[e] = z[e] + addend[e] }
            let f = u.withUnsafeBufferPointer { m.evaluate(network: 0, $0.baseAddress!, batch: batch) }
            noise.fillGaussian(&xi)
            for e in 0..<n { z[e] = (1 - h) * z[e] + h * f[e] + sigma * h.squareRoot() * xi[e] }
        }
        for _ in 0..<m.configuration.cycles {
            for _ in 0..<m.configuration.lowSteps {
                let addend = (0..<n).map { s.high.pointer[$0] + x.embedding[$0] }
                update(s.low.pointer, addend: addend)
            }
            update(s.high.pointer, addend: Array(s.low.buffer.prefix(n)))
        }
    }

    @Test(arguments: [(0.95, 0.01), (0.5, 0.3), (1.0, 0.0)])
    func solverStepIsTheEqRUpdate(h: Double, sigma: Double) throws {
        let c = try configuration(h: h, sigma: sigma)
        let batch = 3
        let a = try ReasoningModel<Double>(configuration: c, maxBatch: batch, seed: 4)
        let b = try ReasoningModel<Double>(configuration: c, maxBatch: batch, seed: 4)
        let tokens = ReasoningTestSupport.tokens(batch: batch, sequence: 4, vocabulary: 5, seed: 2)
        let inputA = try a.embedded(tokens, batch: batch), inputB = try b.embedded(tokens, batch: batch)
        let start = a.makeState()
        ReasoningTestSupport.randomize(start, seed: 8)
        let solver = a.makeState(), written = b.makeState()
        solver.copy(from: start)
        written.copy(from: start)
        a.runSegment(solver, input: inputA, record: true, noise: RandomSource(seed: 21))
        eqrSegment(b, written, x: inputB, batch: batch, h: h, sigma: sigma, noise: RandomSource(seed: 21))
        let n = batch * a.stateWidth
        let high = Array(solver.high.buffer.prefix(n)), low = Array(solver.low.buffer.prefix(n))
        #expect(ReasoningTestSupport.maxRelativeDifference(high, Array(written.high.buffer.prefix(n))) < 1e-12)
        #expect(ReasoningTestSupport.maxRelativeDifference(low, Array(written.low.buffer.prefix(n))) < 1e-12)
        // The step moved the state, and the noise is really in it: another stream differs.
        #expect(ReasoningTestSupport.maxRelativeDifference(high, Array(start.high.buffer.prefix(n))) > 1e-3)
        if sigma > 0 {
            let other = a.makeState()
            other.copy(from: start)
            a.runSegment(other, input: inputA, record: false, noise: RandomSource(seed: 22))
            #expect(ReasoningTestSupport.maxRelativeDifference(high, Array(other.high.buffer.prefix(n))) > 1e-4)
        }
    }
}
