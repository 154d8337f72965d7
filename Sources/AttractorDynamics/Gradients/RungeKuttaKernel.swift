import AttractorNumerics

/// The solver core's `RungeKuttaStepper` plus what differentiating it needs: the stage
/// inputs of each step (recorded for the backward pass) and the step's exact
/// vector–Jacobian product (its transpose).
///
/// Forward (solver core): `Y_i = z + h Σ_{j<i} a_ij K_j`, `K_i = f(t + c_i h, Y_i)`,
/// `z' = z + h Σ b_i K_i`. The stage inputs are re-formed from the stages with the solver
/// core's own `StepKernels.combine`, so they are bit for bit the points `f` was evaluated at.
/// Backward, given `z̄' = ∂L/∂z'`: with `K̄_i = h b_i z̄' + h Σ_{j>i} a_ji Ȳ_j` and
/// `Ȳ_i = K̄_iᵀ ∂f/∂z(Y_i)` (stages visited last to first), `z̄ = z̄' + Σ_i Ȳ_i` and
/// `θ̄ += Σ_i K̄_iᵀ ∂f/∂θ(Y_i)`. Only stages that influence `z'` are stored and transposed
/// (`storedStageCount`: 4 for RK4, 6 of Dopri5's 7).
///
/// Workspace: the stepper's `(s + 1)·n` plus `(s + 1)·n` here, allocated once; a step and
/// its transpose allocate nothing.
///
/// Rows: a kernel is built for `rowCapacity` rows and steps `rows` of them (`setRows`), so a
/// caller whose batch shrinks (rows that halted retire) keeps one kernel.
///
/// Used by the solver core's gradient solvers and by the reasoning layer, whose level steps
/// are steps of this kernel.
///
/// Residuals: when the field is a `ResidualSavingVectorField`, the tableau is not
/// first-same-as-last and `savingResiduals` is on, a stored step also keeps each stored
/// stage's residuals (after all the stage inputs: `slotCount` = stored stages × (n + r)),
/// written by the stage evaluations themselves, and the transpose hands them to the VJP.
public final class RungeKuttaKernel<S: Scalar> {
    public let tableau: ButcherTableau
    /// Rows the next step covers (≤ `rowCapacity`).
    public private(set) var rows: Int
    public let rowCapacity: Int
    public let dimension: Int
    /// Scalars of the state the next step covers, `rows × dimension`.
    public var count: Int { rows * dimension }
    public let stages: Int
    let evaluator: FieldEvaluator<S>
    let stepper: RungeKuttaStepper<S>
    private let a: [[Double]], b: [Double], c: [Double]
    /// Whether stage `i`'s input is needed to transpose the step.
    let stageIsUsed: [Bool]
    /// Index of stage `i` in a stored block of stage inputs (nil when not stored).
    let storedIndex: [Int?]
    public let storedStageCount: Int
    /// Evaluation counters of the stepper.
    public var statistics = SolverStatistics()
    /// Whether the stepper's first stage holds `f(t, z)` for the current state.
    public private(set) var firstStageValid = false
    /// Whether the last step evaluated the first-same-as-last stage (`accept` may reuse it).
    private var lastStageEvaluated = false

    private let stageCotangent: UnsafeMutablePointer<S>
    private let vjpOut: UnsafeMutablePointer<S>
    /// Records stage residuals during stored steps (nil: no residuals).
    private let recorder: ResidualRecorder<S>?
    /// Residual scalars per stored stage (`rows × residualsPerRow`, 0 without residuals).
    let residualCount: Int
    /// Scalars one stored step occupies (`step(…, store:)`).
    public var slotCount: Int { storedStageCount * (count + residualCount) }

    /// Bytes of workspace this kernel and its stepper hold.
    var workspaceBytes: Int { 2 * (stages + 1) * rowCapacity * dimension * MemoryLayout<S>.stride }

    /// A kernel for `field` on up to `rows` rows (the row count of every step until
    /// `setRows`). `savingResiduals`: see the type's notes.
    public init<F: VectorField>(tableau: ButcherTableau, field: F, rows: Int, savingResiduals: Bool = false) where F.Scalar == S {
        precondition(rows >= 1, "RungeKuttaKernel needs at least one row")
        self.tableau = tableau
        self.rows = rows
        rowCapacity = rows
        dimension = field.dimension
        stages = tableau.stages
        stepper = RungeKuttaStepper(tableau: tableau, dimension: field.dimension, rowCapacity: rows)
        a = tableau.a
        b = tableau.b
        c = tableau.c
        var used = [Bool](repeating: false, count: tableau.stages)
        for i in stride(from: tableau.stages - 1, through: 0, by: -1) {
            used[i] = tableau.b[i] != 0
                || ((i + 1)..<tableau.stages).contains { used[$0] && tableau.a[$0][i] != 0 }
        }
        stageIsUsed = used
        var index: [Int?] = [], next = 0
        for u in used { index.append(u ? next : nil); if u { next += 1 } }
        storedIndex = index
        storedStageCount = next
        if savingResiduals, !tableau.firstSameAsLast, let saving = field as? any ResidualSavingVectorField<S> {
            let recorder = ResidualRecorder(saving, storedIndex: index, residualCount: rows * saving.residualsPerRow)
            self.recorder = recorder
            residualCount = recorder.residualCount
            evaluator = FieldEvaluator(recorder)
        } else {
            recorder = nil
            residualCount = 0
            evaluator = FieldEvaluator(field)
        }
        stageCotangent = .allocate(capacity: stages * rows * dimension)
        vjpOut = .allocate(capacity: rows * dimension)
    }

    /// Sets the rows of the next steps and transposes (1…`rowCapacity`). A change forgets
    /// the first stage. Not for residual-saving kernels, whose slots are sized at `init`.
    public func setRows(_ newRows: Int) {
        precondition(newRows >= 1 && newRows <= rowCapacity, "rows \(newRows) outside 1…\(rowCapacity)")
        guard newRows != rows else { return }
        precondition(recorder == nil, "a residual-saving kernel keeps its row count")
        rows = newRows
        firstStageValid = false
    }

    deinit {
        stageCotangent.deallocate()
        vjpOut.deallocate()
    }

    var selection: RowSelection { RowSelection(count: rows) }

    /// Writes `f(t, z)` into the first stage unless it is already there.
    public func prepareFirstStage(t: Double, z: UnsafePointer<S>) {
        if !firstStageValid {
            stepper.evaluateFirstStage(evaluator, t: t, state: z, rows: selection, statistics: &statistics)
            firstStageValid = true
        }
    }

    /// The state was changed from outside (a new segment, a reset): forget `f(t, z)`.
    public func invalidateFirstStage() { firstStageValid = false }

    /// One step from `(t, z)` with step `h` (may be negative) into `next`; copies the used
    /// stage inputs into `store` (`slotCount` scalars: the stage inputs, then their
    /// residuals) when given. `evaluatingLastStage: false` skips a first-same-as-last
    /// tableau's last evaluation (weight 0 in the step) when the caller will not `accept`
    /// the step into a next one: the step's result is the same.
    public func step(t: Double, h: Double, z: UnsafePointer<S>, next: UnsafeMutablePointer<S>, store: UnsafeMutablePointer<S>?,
                     evaluatingLastStage: Bool = true) {
        if let recorder, let store {
            // Every stage of this step must be evaluated with recording, the first one too.
            firstStageValid = false
            recorder.begin(sink: store + storedStageCount * count)
        }
        prepareFirstStage(t: t, z: z)
        stepper.step(evaluator, t: t, h: h, state: z, next: next, rows: selection, statistics: &statistics,
                     evaluatingLastStage: evaluatingLastStage)
        lastStageEvaluated = evaluatingLastStage
        recorder?.end()
        guard let store else { return }
        let n = count, s = stages
        for i in 0..<s {
            guard let slot = storedIndex[i] else { continue }
            let out = store + slot * n
            if i == 0 {
                out.update(from: z, count: n)
            } else {
                StepKernels.combine(count: n, base: z, scale: S(h), weights: stepper.a + i * s,
                                    stages: stepper.stages, stageCount: i, into: out)
            }
        }
    }

    /// The step was accepted and the state advanced: with first-same-as-last the last stage
    /// becomes the next first stage.
    public func accept() {
        if tableau.firstSameAsLast && lastStageEvaluated {
            stepper.reuseLastStageAsFirst()
            firstStageValid = true
        } else {
            firstStageValid = false
        }
    }

    /// Transposes one step: `cotangent` holds `∂L/∂z'` on entry and `∂L/∂z` on return;
    /// `∂L/∂θ` contributions are added to `parameterGradient`. `stored` holds the step's
    /// stage inputs as written by `step(…, store:)`. Stages are visited last to first,
    /// unused ones skipped; a `StageTransposingVectorField` is told each stage before its
    /// VJP. Returns the number of VJPs.
    @discardableResult
    public func transpose<F: DifferentiableVectorField>(
        _ field: F, t: Double, h: Double, stored: UnsafePointer<S>,
        cotangent: UnsafeMutablePointer<S>, parameterGradient: UnsafeMutablePointer<S>?
    ) -> Int where F.Scalar == S {
        let staged = field as? any StageTransposingVectorField<S>
        let n = count
        for i in 0..<stages where stageIsUsed[i] {
            let kbar = stageCotangent + i * n
            if b[i] != 0 {
                let w = S(h * b[i])
                for p in 0..<n { kbar[p] = w * cotangent[p] }
            } else {
                kbar.update(repeating: 0, count: n)
            }
        }
        var products = 0
        for j in stride(from: stages - 1, through: 0, by: -1) where stageIsUsed[j] {
            staged?.willTranspose(stage: j)
            if let recorder {
                recorder.field.vectorJacobianProduct(
                    t: S(t + c[j] * h), state: stored + storedIndex[j]! * n,
                    residuals: stored + storedStageCount * n + storedIndex[j]! * residualCount,
                    cotangent: stageCotangent + j * n, stateCotangent: vjpOut, parameterGradient: parameterGradient,
                    rows: selection)
            } else {
                field.vectorJacobianProduct(
                    t: S(t + c[j] * h), state: stored + storedIndex[j]! * n, cotangent: stageCotangent + j * n,
                    stateCotangent: vjpOut, parameterGradient: parameterGradient, rows: selection)
            }
            products += 1
            for i in 0..<j where stageIsUsed[i] && a[j][i] != 0 {
                S.axpy(n: n, alpha: S(h * a[j][i]), x: vjpOut, y: stageCotangent + i * n)
            }
            S.axpy(n: n, alpha: 1, x: vjpOut, y: cotangent)
        }
        return products
    }
}

/// The field as the stepper sees it during stored steps of a residual-saving kernel: the
/// `i`-th evaluation of a step is stage `i`, and a stored stage's evaluation writes its
/// residuals into the step's slot.
final class ResidualRecorder<S: Scalar>: VectorField {
    let field: any ResidualSavingVectorField<S>
    let storedIndex: [Int?]
    let residualCount: Int
    private var sink: UnsafeMutablePointer<S>?
    private var stage = 0

    init(_ field: any ResidualSavingVectorField<S>, storedIndex: [Int?], residualCount: Int) {
        self.field = field
        self.storedIndex = storedIndex
        self.residualCount = residualCount
    }

    var dimension: Int { field.dimension }
    var isAutonomous: Bool { field.isAutonomous }

    func begin(sink: UnsafeMutablePointer<S>) { self.sink = sink; stage = 0 }
    func end() { sink = nil }

    func evaluate(t: S, state: UnsafePointer<S>, derivative: UnsafeMutablePointer<S>, rows: RowSelection) {
        if let sink, stage < storedIndex.count, let slot = storedIndex[stage] {
            field.evaluate(t: t, state: state, derivative: derivative, rows: rows, residuals: sink + slot * residualCount)
        } else {
            field.evaluate(t: t, state: state, derivative: derivative, rows: rows)
        }
        if sink != nil { stage += 1 }
    }
}
