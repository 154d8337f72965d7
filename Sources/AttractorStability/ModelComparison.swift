import AttractorDynamics
import AttractorNumerics
import Foundation

/// The same puzzles through several models (discrete and continuous): exact and cell
/// accuracy, function evaluations and wall time per puzzle, accuracy as a function of
/// steps and of function evaluations (does more compute help?), convergence and local
/// stability side by side, and the pairwise agreement of the answers.
///
/// Each model iterates `z ← F(z)` for `maximumSteps` steps from its initial latents;
/// answers are decoded at every budget in `budgets` (and at the end). Rows whose residual
/// falls under `tolerance` are frozen (they sit at a fixed point, the answer no longer
/// changes) and cost nothing more. Cell accuracy counts the blank cells (token 0 in the
/// puzzle) only.
/// - Complexity: per model, at most `maximumSteps` batched evaluations of `F`, plus
///   `stabilityIterations` batched JVPs (and VJPs) on up to `stabilityRows` end points.
public enum ModelComparison {
    public struct Options: Sendable {
        public var maximumSteps: Int
        public var budgets: [Int]
        public var tolerance: Double
        public var stabilityRows: Int
        public var stabilityIterations: Int
        /// Residuals relative to the state (`‖F(z) − z‖/‖z‖`).
        public var relative: Bool

        public init(maximumSteps: Int = 64, budgets: [Int] = [1, 2, 4, 8, 16, 32, 64], tolerance: Double = 1e-5,
                    stabilityRows: Int = 8, stabilityIterations: Int = 30, relative: Bool = false) {
            self.maximumSteps = maximumSteps
            self.budgets = budgets
            self.tolerance = tolerance
            self.stabilityRows = stabilityRows
            self.stabilityIterations = stabilityIterations
            self.relative = relative
        }
    }

    /// One model's numbers.
    public struct ModelResult: Codable, Sendable {
        public var model: String
        public var continuous: Bool
        public var puzzles: Int
        public var exactAccuracy: Double
        public var cellAccuracy: Double
        /// Network evaluations per puzzle (steps taken × evaluations per step), mean.
        public var functionEvaluationsPerPuzzle: Double
        public var secondsPerPuzzle: Double
        /// Accuracy after `budgets[i]` steps.
        public var budgets: [Int]
        public var exactAccuracyAtBudget: [Double]
        public var cellAccuracyAtBudget: [Double]
        public var functionEvaluationsAtBudget: [Double]
        public var convergedFraction: Double
        public var medianStepsToTolerance: Double
        public var medianContractionRate: Double
        /// Median residual per step (and quartiles) over puzzles.
        public var residualMedian: [Double]
        public var residualLow: [Double]
        public var residualHigh: [Double]
        public var spectralRadius: [Double]
        public var spectralNorm: [Double]
        public var answers: [[Int]]
    }

    public struct Report: Codable, Sendable {
        public var models: [ModelResult]
        /// `agreement[i][j]`: fraction of puzzles on which models i and j give the same answer.
        public var agreement: [[Double]]
        /// Whether residuals are relative (`‖F(z) − z‖/‖z‖`).
        public var relativeResiduals: Bool
    }

    /// Runs every model on `puzzles`, scoring against `solutions`.
    public static func run(
        _ models: [any PuzzleModel], puzzles: [[Int]], solutions: [[Int]], options: Options = Options()
    ) throws(StabilityError) -> Report {
        guard !models.isEmpty else { throw .invalidArgument("compare: no models") }
        guard !puzzles.isEmpty, puzzles.count == solutions.count else {
            throw .invalidArgument("compare: \(puzzles.count) puzzles for \(solutions.count) solutions")
        }
        guard options.maximumSteps > 0 else { throw .invalidArgument("compare: maximumSteps must be positive") }
        var results: [ModelResult] = []
        for model in models {
            results.append(try runOne(model, puzzles: puzzles, solutions: solutions, options: options))
        }
        var agreement = [[Double]](repeating: [Double](repeating: 1, count: results.count), count: results.count)
        for i in results.indices {
            for j in results.indices where i != j {
                let same = zip(results[i].answers, results[j].answers).filter { $0 == $1 }.count
                agreement[i][j] = Double(same) / Double(puzzles.count)
            }
        }
        return Report(models: results, agreement: agreement, relativeResiduals: options.relative)
    }

    static func score(_ answers: [[Int]], puzzles: [[Int]], solutions: [[Int]]) -> (exact: Double, cell: Double) {
        var exact = 0, cells = 0, correct = 0
        for (i, a) in answers.enumerated() {
            if a == solutions[i] { exact += 1 }
            for c in solutions[i].indices where c < puzzles[i].count && puzzles[i][c] == 0 {
                cells += 1
                if c < a.count && a[c] == solutions[i][c] { correct += 1 }
            }
        }
        return (Double(exact) / Double(answers.count), cells > 0 ? Double(correct) / Double(cells) : 1)
    }

    static func runOne<P: PuzzleModel>(
        _ model: P, puzzles: [[Int]], solutions: [[Int]], options: Options
    ) throws(StabilityError) -> ModelResult {
        let clock = ContinuousClock()
        let start = clock.now
        let (map, initial) = try model.bind(puzzles: puzzles)
        let n = puzzles.count, d = map.dimension
        guard initial.count == n * d else {
            throw .invalidArgument("compare: \(model.name) gave \(initial.count) initial scalars for \(n) × \(d)")
        }
        let budgets = Array(Set(options.budgets.filter { $0 > 0 && $0 <= options.maximumSteps } + [options.maximumSteps])).sorted()
        var state = initial
        var residuals = [[Double]](repeating: [], count: n)
        var stepsTaken = [Int](repeating: options.maximumSteps, count: n)
        var converged = [Int?](repeating: nil, count: n)
        var exactAt: [Double] = [], cellAt: [Double] = [], evalsAt: [Double] = []
        var done = 0
        var answers: [[Int]] = []
        for budget in budgets {
            let chunk = budget - done
            // Rows already converged stay put (one evaluation confirms it; not counted).
            let trace = try ConvergenceDiagnostic.run(map, initialState: state, rows: n,
                                                      options: .init(maximumSteps: chunk, tolerance: options.tolerance, relative: options.relative))
            for r in 0..<n {
                let fresh = done == 0 ? trace.residuals[r] : Array(trace.residuals[r].dropFirst())
                if converged[r] == nil {
                    residuals[r] += fresh
                    if let s = trace.convergedStep[r] {
                        converged[r] = done + s
                        stepsTaken[r] = done + s
                    }
                }
            }
            state = trace.finalState.map { P.Map.Scalar($0) }
            done = budget
            answers = (0..<n).map { model.decode(trace.finalRow($0), row: $0) }
            let s = score(answers, puzzles: puzzles, solutions: solutions)
            exactAt.append(s.exact)
            cellAt.append(s.cell)
            evalsAt.append(Double(budget * model.evaluationsPerStep))
        }
        let seconds = ValidationRunner.seconds(clock.now - start)
        let final = score(answers, puzzles: puzzles, solutions: solutions)
        let rows = min(options.stabilityRows, n)
        let endPoints = Array(state[0..<(rows * d)])
        let stabilityOptions = LocalStability.Options(iterations: max(options.stabilityIterations, 2), denseLimit: 0)
        let radius = LocalStability.powerRadius(map, endPoints, rows: rows, originalRows: nil, options: stabilityOptions)
        let norm = LocalStability.powerNorm(map, endPoints, rows: rows, originalRows: nil, options: stabilityOptions)
        let band = Quantiles.bands(residuals)
        let rates = residuals.map { ConvergenceDiagnostic.contractionRate($0, window: 10) }
        return ModelResult(
            model: model.name, continuous: map.isContinuous, puzzles: n, exactAccuracy: final.exact, cellAccuracy: final.cell,
            functionEvaluationsPerPuzzle: Double(stepsTaken.reduce(0, +) * model.evaluationsPerStep) / Double(n),
            secondsPerPuzzle: seconds / Double(n), budgets: budgets, exactAccuracyAtBudget: exactAt, cellAccuracyAtBudget: cellAt,
            functionEvaluationsAtBudget: evalsAt,
            convergedFraction: Double(converged.compactMap { $0 }.count) / Double(n),
            medianStepsToTolerance: Quantiles.median(converged.compactMap { $0.map(Double.init) }),
            medianContractionRate: Quantiles.median(rates),
            residualMedian: band.median, residualLow: band.low, residualHigh: band.high,
            spectralRadius: radius, spectralNorm: norm, answers: answers)
    }

    /// The comparison as a report page: one "check" per model plus the agreement, with
    /// accuracy vs steps / f-evals, residual bands and spectral radii for all models.
    public static func validationReport(_ report: Report, gslVersion: String, title: String = "compare") -> ValidationReport {
        var checks: [CheckResult] = []
        for m in report.models {
            checks.append(CheckResult(name: m.model, check: m.continuous ? "continuous model" : "discrete model", measurements: [
                .init(label: "exact accuracy", value: m.exactAccuracy),
                .init(label: "cell accuracy (blank cells)", value: m.cellAccuracy),
                .init(label: "function evaluations per puzzle", value: m.functionEvaluationsPerPuzzle),
                .init(label: "wall time per puzzle [s]", value: m.secondsPerPuzzle),
                .init(label: "converged fraction", value: m.convergedFraction),
                .init(label: "median steps to tolerance", value: m.medianStepsToTolerance),
                .init(label: "median contraction rate", value: m.medianContractionRate),
                .init(label: "median spectral radius at end points", value: Quantiles.median(m.spectralRadius)),
                .init(label: "median spectral norm at end points", value: Quantiles.median(m.spectralNorm)),
            ]))
        }
        var agreement: [CheckResult.Measurement] = []
        for i in report.models.indices {
            for j in report.models.indices where j > i {
                agreement.append(.init(label: "\(report.models[i].model) vs \(report.models[j].model)", value: report.agreement[i][j]))
            }
        }
        let ms = report.models
        var figures = [
            Figure(title: "Exact accuracy vs function evaluations", kind: .line, xLabel: "network evaluations per puzzle",
                   yLabel: "exact accuracy", logX: true,
                   series: ms.map { .init(label: $0.model, x: $0.functionEvaluationsAtBudget, y: $0.exactAccuracyAtBudget) }),
            Figure(title: "Cell accuracy vs steps", kind: .line, xLabel: "steps of F", yLabel: "cell accuracy", logX: true,
                   series: ms.map { .init(label: $0.model, x: $0.budgets.map(Double.init), y: $0.cellAccuracyAtBudget) }),
            Figure(title: "Residual vs step: median and quartiles", kind: .line, xLabel: "step",
                   yLabel: report.relativeResiduals ? "‖F(z) − z‖ / ‖z‖" : "‖F(z) − z‖₂", logY: true,
                   series: ms.map { .init(label: $0.model, x: $0.residualMedian.indices.map(Double.init), y: $0.residualMedian,
                                          low: $0.residualLow, high: $0.residualHigh) }),
        ]
        figures.append(Figure(title: "Spectral radius at end points", kind: .scatter, xLabel: "model", yLabel: "ρ(J)",
                              series: ms.enumerated().map { i, m in .init(label: m.model, x: m.spectralRadius.map { _ in Double(i) }, y: m.spectralRadius) }))
        checks.append(CheckResult(name: "answer agreement", check: "agreement", measurements: agreement, figures: figures))
        return ValidationReport(tool: "attractor compare", gslVersion: gslVersion,
                                suites: [SuiteResult(suite: title, description: "The same puzzles through every model.", file: "",
                                                     checks: checks, seconds: 0)])
    }
}
