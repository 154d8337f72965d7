import AttractorDynamics
import AttractorNumerics

/// The fixed-point test (mechanistic HRM study): start from a state that encodes the
/// correct answer and iterate `F`; a sound model stays there (or moves to the correct
/// answer). Per row: the initial residual `‖F(z₀) − z₀‖`, the drift `‖z_N − z₀‖`, and
/// with a decoder whether the decoded answer at the end equals `expected[row]`.
/// A row passes when its decoded answer is correct (with a decoder) or its drift is at
/// most `driftTolerance` (without). With `reference` (e.g. the exact fixed point when the
/// start is a perturbation of it) the drift is measured from the reference instead.
/// - Complexity: `steps` batched evaluations of `F`.
public enum FixedPointTest {
    public struct Row: Codable, Sendable {
        public var initialResidual: Double
        public var finalResidual: Double
        public var drift: Double
        public var answerCorrect: Bool?
        public var passed: Bool
    }

    public struct Report: Codable, Sendable {
        public var steps: Int
        public var driftTolerance: Double
        public var rows: [Row]
        public var passRate: Double { Double(rows.filter(\.passed).count) / Double(max(rows.count, 1)) }
    }

    public static func run<M: LatentMap>(
        _ map: M, correctStates: [M.Scalar], rows: Int, steps: Int = 50, driftTolerance: Double = 1e-3,
        decoder: AnswerDecoder? = nil, expected: [[Int]]? = nil, reference: [M.Scalar]? = nil
    ) throws(StabilityError) -> Report {
        let d = map.dimension
        try LatentBatch.validate(stateCount: correctStates.count, rows: rows, dimension: d, originalRows: nil)
        guard steps > 0, driftTolerance >= 0 else { throw .invalidArgument("fixed-point test: steps > 0, driftTolerance ≥ 0") }
        if let expected, expected.count != rows {
            throw .invalidArgument("fixed-point test: \(expected.count) expected answers for \(rows) rows")
        }
        if let reference, reference.count != correctStates.count {
            throw .invalidArgument("fixed-point test: reference has \(reference.count) scalars, states \(correctStates.count)")
        }
        if (decoder == nil) != (expected == nil) {
            throw .invalidArgument("fixed-point test: give both a decoder and expected answers, or neither")
        }
        let trace = try ConvergenceDiagnostic.run(
            map, initialState: correctStates, rows: rows,
            options: .init(maximumSteps: steps, tolerance: 0, rateWindow: 1))
        var out: [Row] = []
        for r in 0..<rows {
            let start = (reference ?? correctStates)[(r * d)..<((r + 1) * d)].map { Double($0) }
            let end = trace.finalRow(r)
            let drift = LatentBatch.distance(start[...], end)
            var correct: Bool? = nil
            if let decoder, let expected { correct = decoder(end, r) == expected[r] }
            out.append(Row(initialResidual: trace.residuals[r].first ?? .nan, finalResidual: trace.residuals[r].last ?? .nan,
                           drift: drift, answerCorrect: correct, passed: correct ?? (drift <= driftTolerance)))
        }
        return Report(steps: steps, driftTolerance: driftTolerance, rows: out)
    }
}
