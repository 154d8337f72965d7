import AttractorDynamics
import AttractorNumerics

/// Noise robustness: the NSDE `dz = (F(z) − z) dt + σ dW` (additive noise) by
/// Euler–Maruyama on `[0, T]`, `K` noisy trajectories per input, at a sweep of `σ`.
///
/// Per `σ`: the drift of the end point from the noise-free end point (`σ = 0`, same
/// scheme and step), mean over inputs and samples; the agreement across the `K`
/// samples (fraction equal to the majority: decoded answers with a decoder; without one,
/// the basin each noisy end point relaxes to — the noise-free flow `dz/dt = F(z) − z`
/// from it, by Dopri5 with the solver core's steady-state event at
/// `‖F(z) − z‖ ≤ clusterTolerance·1e-3`, then end points clustered within
/// `clusterTolerance`); and, with expected answers, the mean
/// accuracy of single samples and the accuracy of the majority vote over `K` (the
/// test-time-scaling option).
/// - Complexity: per `σ`, `T/dt` steps of one batched `F` over `rows · K` rows.
public enum NoiseRobustness {
    public struct Options: Codable, Sendable, Equatable {
        public var sigmas: [Double]
        public var samples: Int
        public var endTime: Double
        public var stepSize: Double
        public var clusterTolerance: Double
        public var seed: UInt64

        public init(sigmas: [Double] = [0, 0.01, 0.03, 0.1, 0.3], samples: Int = 8, endTime: Double = 20,
                    stepSize: Double = 0.25, clusterTolerance: Double = 1e-1, seed: UInt64 = 0) {
            self.sigmas = sigmas
            self.samples = samples
            self.endTime = endTime
            self.stepSize = stepSize
            self.clusterTolerance = clusterTolerance
            self.seed = seed
        }
    }

    public struct Point: Codable, Sendable {
        public var sigma: Double
        /// Mean `‖z_T^σ − z_T^0‖₂` over inputs and samples.
        public var meanDrift: Double
        /// Mean over inputs of the fraction of samples agreeing with the majority.
        public var agreement: Double
        /// Mean accuracy of single noisy samples (with expected answers).
        public var sampleAccuracy: Double?
        /// Accuracy of the per-input majority vote over `K` samples (with expected answers).
        public var majorityAccuracy: Double?
    }

    public struct Report: Codable, Sendable {
        public var inputs: Int
        public var samples: Int
        public var endTime: Double
        public var stepSize: Double
        public var points: [Point]
    }

    public static func sweep<M: LatentMap>(
        _ map: M, initialState: [M.Scalar], rows: Int, options: Options = Options(),
        decoder: AnswerDecoder? = nil, expected: [[Int]]? = nil
    ) throws(StabilityError) -> Report {
        let d = map.dimension, k = options.samples
        try LatentBatch.validate(stateCount: initialState.count, rows: rows, dimension: d, originalRows: nil)
        guard k > 0, options.endTime > 0, options.stepSize > 0, !options.sigmas.isEmpty,
              options.sigmas.allSatisfy({ $0 >= 0 && $0.isFinite }) else {
            throw .invalidArgument("noise sweep: samples, endTime, stepSize positive; sigmas non-empty and ≥ 0")
        }
        if let expected, expected.count != rows {
            throw .invalidArgument("noise sweep: \(expected.count) expected answers for \(rows) rows")
        }
        let origins = (0..<(rows * k)).map { $0 / k }
        var replicated = [M.Scalar](repeating: 0, count: rows * k * d)
        for i in 0..<(rows * k) { for c in 0..<d { replicated[i * d + c] = initialState[(i / k) * d + c] } }
        let field = LatentMapField(map: map, originalRows: origins)

        func solve(_ sigma: Double, seed: UInt64) throws(StabilityError) -> [Double] {
            do {
                let s = try SDESolver.solve(.eulerMaruyama, drift: field,
                                            noise: AdditiveNoiseField(dimension: d, sigma: M.Scalar(sigma)),
                                            initialState: replicated, rows: rows * k, t1: options.endTime,
                                            dt: options.stepSize, seed: seed)
                return s.finalState.map { Double($0) }
            } catch let e as SolverError {
                throw .underlying("noise sweep σ = \(sigma): \(e)")
            } catch {
                throw .underlying("noise sweep σ = \(sigma): \(error)")
            }
        }
        let reference = try solve(0, seed: options.seed)
        var points: [Point] = []
        for (index, sigma) in options.sigmas.enumerated() {
            let end = sigma == 0 ? reference : try solve(sigma, seed: options.seed &+ UInt64(index + 1))
            var relaxed: [Double] = []
            if decoder == nil {
                do {
                    let tol = options.clusterTolerance * 1e-3
                    relaxed = try ODESolver.solve(
                        field, initialState: end.map { M.Scalar($0) }, t0: 0, t1: 1e4, method: .dormandPrince54,
                        options: SolverOptions(relativeTolerance: .uniform(tol * 1e-2), absoluteTolerance: .uniform(tol * 1e-2),
                                               steadyState: SteadyStateEvent(relativeTolerance: 0, absoluteTolerance: tol))
                    ).finalState.scalars.map { Double($0) }
                } catch {
                    throw .underlying("noise sweep σ = \(sigma): relaxing the noisy end points: \(error)")
                }
            }
            var drift = 0.0, agreement = 0.0, sampleHits = 0, majorityHits = 0
            for input in 0..<rows {
                let members = (input * k)..<((input + 1) * k)
                for i in members {
                    drift += LatentBatch.distance(end[(i * d)..<((i + 1) * d)], reference[(i * d)..<((i + 1) * d)])
                }
                if let decoder {
                    let answers = members.map { decoder(end[($0 * d)..<(($0 + 1) * d)], input) }
                    let vote = AnswerVote.majority(answers)!
                    agreement += vote.agreement
                    if let expected {
                        sampleHits += answers.filter { $0 == expected[input] }.count
                        if vote.answer == expected[input] { majorityHits += 1 }
                    }
                } else {
                    let clusters = EndPointClusters(points: members.map { relaxed[($0 * d)..<(($0 + 1) * d)] },
                                                    tolerance: options.clusterTolerance)
                    agreement += clusters.largestFraction
                }
            }
            let withAnswers = decoder != nil && expected != nil
            points.append(Point(sigma: sigma, meanDrift: drift / Double(rows * k), agreement: agreement / Double(rows),
                                sampleAccuracy: withAnswers ? Double(sampleHits) / Double(rows * k) : nil,
                                majorityAccuracy: withAnswers ? Double(majorityHits) / Double(rows) : nil))
        }
        return Report(inputs: rows, samples: k, endTime: options.endTime, stepSize: options.stepSize, points: points)
    }
}
