import AttractorNumerics

/// One step of an explicit Runge–Kutta method over a batch of rows, with every stage
/// buffer allocated once: a step allocates nothing.
///
/// The reusable building block of the ODE solvers (and of later gradient code that must
/// replay or differentiate steps). Usage:
/// ```swift
/// let stepper = RungeKuttaStepper<Double>(tableau: .rk4, dimension: d, rowCapacity: rows)
/// let f = FieldEvaluator(field)
/// stepper.evaluateFirstStage(f, t: t, state: z, rows: sel, statistics: &stats)
/// stepper.step(f, t: t, h: h, state: z, next: zNext, rows: sel, statistics: &stats)
/// ```
/// `step` expects the first stage to hold `f(t, state)`. For a first-same-as-last
/// tableau (Dormand–Prince) the last stage ends up holding `f(t + h, next)`, and
/// `reuseLastStageAsFirst()` makes it the first stage of the next step without copying.
///
/// - Complexity: `s − 1` evaluations of `f` per step for an `s`-stage tableau (plus one
///   for the first stage unless reused), and `O(s²·rows·dimension)` arithmetic.
public final class RungeKuttaStepper<Scalar: AttractorNumerics.Scalar> {
    public let tableau: ButcherTableau
    public let dimension: Int
    /// The largest number of rows a step may cover.
    public let rowCapacity: Int
    let stageCount: Int
    /// `a` as Scalars, row `i` at offset `i·s`.
    let a: UnsafeMutablePointer<Scalar>
    let b: UnsafeMutablePointer<Scalar>
    /// `b − b̂` for embedded pairs (zeros otherwise).
    let errorWeights: UnsafeMutablePointer<Scalar>
    let hasErrorEstimate: Bool
    /// Stage times `c` (Double: time stays in Double).
    let c: UnsafeMutablePointer<Double>
    let firstSameAsLast: Bool
    /// Pointers to the `s` stage buffers (`rowCapacity × dimension` each).
    let stages: UnsafeMutablePointer<UnsafeMutablePointer<Scalar>>
    /// The argument of the stage being evaluated (scratch).
    let stageState: UnsafeMutablePointer<Scalar>

    public init(tableau: ButcherTableau, dimension: Int, rowCapacity: Int) {
        precondition(dimension > 0 && rowCapacity > 0, "RungeKuttaStepper needs positive dimension and rows")
        self.tableau = tableau
        self.dimension = dimension
        self.rowCapacity = rowCapacity
        let s = tableau.stages
        stageCount = s
        a = .allocate(capacity: s * s)
        a.initialize(repeating: 0, count: s * s)
        for i in 0..<s { for j in 0..<i { a[i * s + j] = Scalar(tableau.a[i][j]) } }
        b = .allocate(capacity: s)
        errorWeights = .allocate(capacity: s)
        for i in 0..<s {
            b[i] = Scalar(tableau.b[i])
            errorWeights[i] = Scalar(tableau.errorWeights?[i] ?? 0)
        }
        hasErrorEstimate = tableau.errorWeights != nil
        c = .allocate(capacity: s)
        for i in 0..<s { (c + i).initialize(to: tableau.c[i]) }
        firstSameAsLast = tableau.firstSameAsLast
        let n = dimension * rowCapacity
        stages = .allocate(capacity: s)
        for i in 0..<s {
            let buffer = UnsafeMutablePointer<Scalar>.allocate(capacity: n)
            buffer.initialize(repeating: 0, count: n)
            (stages + i).initialize(to: buffer)
        }
        stageState = .allocate(capacity: n)
        stageState.initialize(repeating: 0, count: n)
    }

    deinit {
        for i in 0..<stageCount { stages[i].deallocate() }
        stages.deallocate()
        a.deallocate()
        c.deallocate()
        b.deallocate()
        errorWeights.deallocate()
        stageState.deallocate()
    }

    /// The buffer of stage `i` (`k_i`, `rows × dimension`).
    public func stage(_ i: Int) -> UnsafeMutablePointer<Scalar> { stages[i] }

    /// Writes `f(t, state)` into the first stage.
    public func evaluateFirstStage(
        _ field: FieldEvaluator<Scalar>, t: Double, state: UnsafePointer<Scalar>, rows: RowSelection,
        statistics: inout SolverStatistics
    ) {
        field.evaluate(t: t, state: state, derivative: stages[0], rows: rows)
        statistics.functionEvaluations += 1
        statistics.rowEvaluations += rows.count
    }

    /// Advances `rows.count` rows of `state` from `t` to `t + h`, writing `next`.
    /// The first stage must already hold `f(t, state)`. `next` must not alias `state`.
    /// `evaluatingLastStage: false` skips the last evaluation of a first-same-as-last
    /// tableau (its stage has weight 0 in `next`; it only serves as the next step's first
    /// stage), leaving `next` the same.
    public func step(
        _ field: FieldEvaluator<Scalar>, t: Double, h: Double, state: UnsafePointer<Scalar>,
        next: UnsafeMutablePointer<Scalar>, rows: RowSelection, statistics: inout SolverStatistics,
        evaluatingLastStage: Bool = true
    ) {
        let s = stageCount
        let n = rows.count * dimension
        let hs = Scalar(h)
        let fsal = firstSameAsLast
        var evaluations = 0
        for i in 1..<max(s, 1) {
            // With FSAL the last stage's argument is the new state itself.
            let argument = (fsal && i == s - 1) ? next : stageState
            StepKernels.combine(count: n, base: state, scale: hs, weights: a + i * s, stages: stages, stageCount: i, into: argument)
            if fsal && i == s - 1 && !evaluatingLastStage { break }
            field.evaluate(t: t + c[i] * h, state: argument, derivative: stages[i], rows: rows)
            evaluations += 1
        }
        statistics.functionEvaluations += evaluations
        statistics.rowEvaluations += evaluations * rows.count
        if !fsal {
            StepKernels.combine(count: n, base: state, scale: hs, weights: b, stages: stages, stageCount: s, into: next)
        }
    }

    /// The embedded error norm of the last step (max over rows of the RMS of
    /// `err_c / (atol_c + rtol_c·max(|z_c|, |z'_c|))`); NaN if anything is non-finite.
    /// Only for tableaux with error weights.
    func errorNorm(
        h: Double, state: UnsafePointer<Scalar>, next: UnsafePointer<Scalar>, rows: Int,
        relativeTolerance: UnsafePointer<Scalar>, absoluteTolerance: UnsafePointer<Scalar>
    ) -> Double {
        StepKernels.scaledErrorNorm(
            rows: rows, dimension: dimension, h: Scalar(h), errorWeights: errorWeights, stages: stages,
            stageCount: stageCount, start: state, end: next,
            relativeTolerance: relativeTolerance, absoluteTolerance: absoluteTolerance)
    }

    /// After an FSAL step: the last stage (`f(t + h, next)`) becomes the first stage.
    public func reuseLastStageAsFirst() {
        let last = stageCount - 1
        let first = stages[0]
        stages[0] = stages[last]
        stages[last] = first
    }
}
