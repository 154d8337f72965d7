import AttractorDynamics
import AttractorNumerics

/// Basins and uniqueness: from `samples` random initial latents (Gaussian, standard
/// deviation `scale`, seeded) iterate `F` to convergence, then count the distinct end
/// points within `clusterTolerance` (`EndPointClusters`), and, with a decoder, the
/// distinct decoded answers and their agreement (fraction equal to the majority answer).
/// A contraction has one end point; HRM is known to have several.
/// - Complexity: that of `ConvergenceDiagnostic` on `samples` rows plus the clustering.
public enum BasinAnalysis {
    public struct Options: Codable, Sendable, Equatable {
        public var samples: Int
        public var scale: Double
        public var clusterTolerance: Double
        public var seed: UInt64
        public var convergence: ConvergenceDiagnostic.Options

        public init(samples: Int = 32, scale: Double = 1, clusterTolerance: Double = 1e-3, seed: UInt64 = 0,
                    convergence: ConvergenceDiagnostic.Options = .init()) {
            self.samples = samples
            self.scale = scale
            self.clusterTolerance = clusterTolerance
            self.seed = seed
            self.convergence = convergence
        }
    }

    public struct Report: Codable, Sendable {
        public var samples: Int
        public var converged: Int
        /// Distinct end points among converged samples.
        public var distinctEndPoints: Int
        public var clusterSizes: [Int]
        public var representatives: [[Double]]
        /// Distinct decoded answers among converged samples (nil without a decoder).
        public var distinctAnswers: Int?
        /// Fraction of converged samples whose answer equals the majority answer.
        public var answerAgreement: Double?
        public var majorityAnswer: [Int]?
        /// The decoded answer of each converged sample, in sample order (nil without a decoder).
        public var answers: [[Int]]?
        public var trace: ConvergenceDiagnostic.Trace

        /// Converged samples that did not end in the largest basin: how much of the start
        /// distribution a second (or third …) end point captures, finer than a count of end points.
        public var samplesOutsideLargestBasin: Int { converged - (clusterSizes.max() ?? 0) }

        /// For each converged sample whose decoded answer differs from `expected`, how many
        /// entries differ (nil without a decoder).
        public func wrongAnswerDistances(expected: [Int]) -> [Int]? {
            answers.map { a in a.filter { $0 != expected }.map { zip($0, expected).filter { $0 != $1 }.count } }
        }

        /// Converged samples whose decoded answer differs from `expected` (nil without a decoder).
        public func samplesWithWrongAnswer(expected: [Int]) -> Int? { wrongAnswerDistances(expected: expected)?.count }
    }

    /// Basins of the map's row `row` (its input), from fresh random latents.
    /// `prelude(starts, samples)`, when given, moves the random starts before the iteration
    /// (e.g. a few segments of a noisy integrator); the report is of where `F` takes them.
    public static func analyze<M: LatentMap>(
        _ map: M, row: Int = 0, options: Options = Options(), decoder: AnswerDecoder? = nil,
        prelude: ((_ starts: [M.Scalar], _ samples: Int) -> [M.Scalar])? = nil
    ) throws(StabilityError) -> Report {
        guard options.samples > 0, options.scale > 0, options.clusterTolerance > 0 else {
            throw .invalidArgument("basins: samples, scale and clusterTolerance must be positive")
        }
        let d = map.dimension
        let drawn: [M.Scalar] = LatentBatch.gaussian(rows: options.samples, dimension: d, scale: options.scale, seed: options.seed)
        let z0 = prelude.map { $0(drawn, options.samples) } ?? drawn
        let trace = try ConvergenceDiagnostic.run(
            map, initialState: z0, rows: options.samples,
            originalRows: [Int](repeating: row, count: options.samples), options: options.convergence)
        let done = (0..<options.samples).filter { trace.convergedStep[$0] != nil }
        let clusters = EndPointClusters(points: done.map { trace.finalRow($0) }, tolerance: options.clusterTolerance)
        var distinctAnswers: Int? = nil, agreement: Double? = nil, majority: [Int]? = nil, decoded: [[Int]]? = nil
        if let decoder {
            let answers = done.map { decoder(trace.finalRow($0), row) }
            decoded = answers
            distinctAnswers = Set(answers).count
            if let m = AnswerVote.majority(answers) { majority = m.answer; agreement = m.agreement }
        }
        return Report(samples: options.samples, converged: done.count, distinctEndPoints: clusters.count,
                      clusterSizes: clusters.sizes, representatives: clusters.representatives,
                      distinctAnswers: distinctAnswers, answerAgreement: agreement, majorityAnswer: majority,
                      answers: decoded, trace: trace)
    }
}
