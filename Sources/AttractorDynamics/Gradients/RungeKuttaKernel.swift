import AttractorNumerics

/// One explicit Runge–Kutta step over a flat state of `count` scalars, and its exact
/// vector–Jacobian product (the step's transpose), driven by a `ButcherTableau`.
///
/// Forward: `Y_i = z + h Σ_{j<i} a_ij K_j`, `K_i = f(t + c_i h, Y_i)`, `z' = z + h Σ b_i K_i`.
/// Backward, given `z̄' = ∂L/∂z'`: with `K̄_i = h b_i z̄' + h Σ_{j>i} a_ji Ȳ_j` and
/// `Ȳ_i = K̄_iᵀ ∂f/∂z(Y_i)` (stages visited last to first), `z̄ = z̄' + Σ_i Ȳ_i` and
/// `θ̄ += Σ_i K̄_iᵀ ∂f/∂θ(Y_i)`. Only the stage inputs `Y_i` of stages that influence `z'`
/// are needed (`storedStageCount` of them: 4 for RK4, 6 of Dopri5's 7).
///
/// Workspace: `(2 s + 3) · count` scalars, allocated once. The step and its transpose
/// allocate nothing.
final class RungeKuttaKernel<S: Scalar> {
    let tableau: ButcherTableau
    let count: Int
    let stages: Int
    private let a: [[S]], b: [S], c: [S], errorWeights: [S]?
    /// Whether stage `i`'s input is needed to transpose the step.
    let stageIsUsed: [Bool]
    /// Index of stage `i` in a stored block of stage inputs (nil when not stored).
    let storedIndex: [Int?]
    let storedStageCount: Int

    /// Stage derivatives `K_i` (`stages × count`).
    let k: UnsafeMutablePointer<S>
    private let stageInput: UnsafeMutablePointer<S>
    /// Error estimate of the last step (embedded pairs).
    let error: UnsafeMutablePointer<S>
    private let stageCotangent: UnsafeMutablePointer<S>
    private let vjpOut: UnsafeMutablePointer<S>

    /// Bytes of workspace this kernel holds.
    var workspaceBytes: Int { (2 * stages + 3) * count * MemoryLayout<S>.stride }

    init(tableau: ButcherTableau, count: Int) {
        self.tableau = tableau
        self.count = count
        stages = tableau.stages
        a = tableau.a.map { $0.map { S($0) } }
        b = tableau.b.map { S($0) }
        c = tableau.c.map { S($0) }
        errorWeights = tableau.errorWeights.map { $0.map { S($0) } }
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
        k = .allocate(capacity: stages * count)
        stageInput = .allocate(capacity: count)
        error = .allocate(capacity: count)
        stageCotangent = .allocate(capacity: stages * count)
        vjpOut = .allocate(capacity: count)
    }

    deinit {
        k.deallocate(); stageInput.deallocate(); error.deallocate()
        stageCotangent.deallocate(); vjpOut.deallocate()
    }

    /// One step from `(t, z)` with step `h` (may be negative), writing `z'` into `next`.
    /// When `store` is non-nil the used stage inputs are copied there
    /// (`storedStageCount × count`). When `firstStageKnown`, `k[0]` already holds `f(t, z)`
    /// (first-same-as-last reuse). Returns the number of field evaluations.
    @discardableResult
    func step<F: VectorField>(
        _ field: F, rows: Int, t: S, h: S, z: UnsafePointer<S>, next: UnsafeMutablePointer<S>,
        store: UnsafeMutablePointer<S>?, firstStageKnown: Bool = false
    ) -> Int where F.Scalar == S {
        let n = count
        let selection = RowSelection(count: rows)
        var evaluations = 0
        for i in 0..<stages {
            let input: UnsafePointer<S>
            if i == 0 {
                input = z
            } else {
                stageInput.update(from: z, count: n)
                for j in 0..<i where a[i][j] != 0 {
                    S.axpy(n: n, alpha: h * a[i][j], x: k + j * n, y: stageInput)
                }
                input = UnsafePointer(stageInput)
            }
            if let store, let slot = storedIndex[i] { (store + slot * n).update(from: input, count: n) }
            if i == 0 && firstStageKnown { continue }
            field.evaluate(t: t + c[i] * h, state: input, derivative: k + i * n, rows: selection)
            evaluations += 1
        }
        next.update(from: z, count: n)
        for i in 0..<stages where b[i] != 0 { S.axpy(n: n, alpha: h * b[i], x: k + i * n, y: next) }
        if let e = errorWeights {
            error.update(repeating: 0, count: n)
            for i in 0..<stages where e[i] != 0 { S.axpy(n: n, alpha: h * e[i], x: k + i * n, y: error) }
        }
        return evaluations
    }

    /// Makes the last stage of an accepted first-same-as-last step the next step's first.
    func reuseLastStageAsFirst() {
        k.update(from: k + (stages - 1) * count, count: count)
    }

    /// Transposes one step: `cotangent` holds `∂L/∂z'` on entry and `∂L/∂z` on return;
    /// `∂L/∂θ` contributions are added to `parameterGradient`. `stored` holds the step's
    /// stage inputs as written by `step(…, store:)`. Returns the number of VJPs.
    @discardableResult
    func transpose<F: DifferentiableVectorField>(
        _ field: F, rows: Int, t: S, h: S, stored: UnsafePointer<S>,
        cotangent: UnsafeMutablePointer<S>, parameterGradient: UnsafeMutablePointer<S>?
    ) -> Int where F.Scalar == S {
        let n = count
        let selection = RowSelection(count: rows)
        for i in 0..<stages where stageIsUsed[i] {
            let kbar = stageCotangent + i * n
            if b[i] != 0 {
                for p in 0..<n { kbar[p] = h * b[i] * cotangent[p] }
            } else {
                kbar.update(repeating: 0, count: n)
            }
        }
        var products = 0
        for j in stride(from: stages - 1, through: 0, by: -1) where stageIsUsed[j] {
            field.vectorJacobianProduct(
                t: t + c[j] * h, state: stored + storedIndex[j]! * n, cotangent: stageCotangent + j * n,
                stateCotangent: vjpOut, parameterGradient: parameterGradient, rows: selection)
            products += 1
            for i in 0..<j where stageIsUsed[i] && a[j][i] != 0 {
                S.axpy(n: n, alpha: h * a[j][i], x: vjpOut, y: stageCotangent + i * n)
            }
            S.axpy(n: n, alpha: 1, x: vjpOut, y: cotangent)
        }
        return products
    }
}
