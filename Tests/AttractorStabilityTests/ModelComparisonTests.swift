import AttractorDynamics
import AttractorStability
import Testing

/// `F(z) = a·z + (1 − a)·(s + shift)` per puzzle row, `s` the puzzle's solution: converges
/// at rate `a` to the right answer (shift 0) or a wrong one. Exact JVP/VJP (`a·v`).
final class ScaledTargetMap: LatentMap {
    typealias Scalar = Double
    let dimension: Int
    let rate: Double
    let targets: [[Double]]
    let isContinuous: Bool
    var hasExactJacobianVectorProduct: Bool { true }

    init(rate: Double, targets: [[Double]], continuous: Bool) {
        self.rate = rate
        self.targets = targets
        dimension = targets[0].count
        isContinuous = continuous
    }

    func apply(state: UnsafePointer<Double>, image: UnsafeMutablePointer<Double>, rows: RowSelection) {
        for i in 0..<rows.count {
            let t = targets[rows.originalRow(i)]
            for c in 0..<dimension { image[i * dimension + c] = rate * state[i * dimension + c] + (1 - rate) * t[c] }
        }
    }

    func jacobianVectorProduct(state: UnsafePointer<Double>, tangent: UnsafePointer<Double>,
                               product: UnsafeMutablePointer<Double>, rows: RowSelection) {
        for e in 0..<(rows.count * dimension) { product[e] = rate * tangent[e] }
    }

    func vectorJacobianProduct(state: UnsafePointer<Double>, cotangent: UnsafePointer<Double>,
                               product: UnsafeMutablePointer<Double>, rows: RowSelection) {
        for e in 0..<(rows.count * dimension) { product[e] = rate * cotangent[e] }
    }
}

final class OracleModel: PuzzleModel {
    let name: String
    let rate: Double
    let shift: Double
    let solutions: [[Int]]
    let continuous: Bool
    var evaluationsPerStep: Int { 2 }

    init(name: String, rate: Double, shift: Double = 0, solutions: [[Int]], continuous: Bool = false) {
        self.name = name
        self.rate = rate
        self.shift = shift
        self.solutions = solutions
        self.continuous = continuous
    }

    func bind(puzzles: [[Int]]) throws(StabilityError) -> (map: ScaledTargetMap, initialState: [Double]) {
        let targets = solutions.map { $0.map { Double($0) + shift } }
        return (ScaledTargetMap(rate: rate, targets: targets, continuous: continuous), puzzles.flatMap { $0.map(Double.init) })
    }

    func decode(_ latent: ArraySlice<Double>, row: Int) -> [Int] { latent.map { Int($0.rounded()) } }
}

@Suite struct ModelComparisonTests {
    static let solutions = [[1, 2, 3, 4], [3, 4, 1, 2], [2, 1, 4, 3]]
    static let puzzles = [[1, 0, 0, 4], [0, 4, 1, 0], [2, 0, 0, 0]]

    @Test func fasterContractionNeedsFewerEvaluationsAndAnswersAgree() throws {
        let fast = OracleModel(name: "fast", rate: 0.5, solutions: Self.solutions)
        let slow = OracleModel(name: "slow", rate: 0.9, solutions: Self.solutions, continuous: true)
        let wrong = OracleModel(name: "wrong", rate: 0.5, shift: 1, solutions: Self.solutions)
        let r = try ModelComparison.run([fast, slow, wrong], puzzles: Self.puzzles, solutions: Self.solutions,
                                        options: .init(maximumSteps: 200, budgets: [1, 4, 16, 64], tolerance: 1e-6))
        let (f, s, w) = (r.models[0], r.models[1], r.models[2])
        #expect(f.exactAccuracy == 1 && s.exactAccuracy == 1 && w.exactAccuracy == 0 && w.cellAccuracy == 0)
        #expect(f.functionEvaluationsPerPuzzle < s.functionEvaluationsPerPuzzle)
        #expect(f.convergedFraction == 1 && s.convergedFraction == 1)
        // More compute helps: accuracy never falls with the budget, and the slow model is behind at 4 steps.
        for m in [f, s] { #expect(zip(m.cellAccuracyAtBudget, m.cellAccuracyAtBudget.dropFirst()).allSatisfy { $0 <= $1 }) }
        #expect(s.cellAccuracyAtBudget[1] < f.cellAccuracyAtBudget[1])
        #expect(abs(f.medianContractionRate - 0.5) < 1e-6 && abs(s.medianContractionRate - 0.9) < 1e-6)
        #expect(f.spectralRadius.allSatisfy { abs($0 - 0.5) < 1e-9 } && s.spectralNorm.allSatisfy { abs($0 - 0.9) < 1e-9 })
        #expect(r.agreement[0][1] == 1 && r.agreement[0][2] == 0 && r.agreement[2][0] == 0)
        #expect(f.functionEvaluationsAtBudget == [2, 8, 32, 128, 400])
        let page = HTMLReport.render(ModelComparison.validationReport(r, gslVersion: "test"))
        #expect(page.contains("Exact accuracy vs function evaluations") && page.contains("fast vs wrong"))
    }

    @Test func mismatchedInputsAreRejected() {
        let m = OracleModel(name: "m", rate: 0.5, solutions: Self.solutions)
        #expect(throws: StabilityError.self) { try ModelComparison.run([m], puzzles: Self.puzzles, solutions: [[1]]) }
        #expect(throws: StabilityError.self) { try ModelComparison.run([], puzzles: Self.puzzles, solutions: Self.solutions) }
    }
}
