import AttractorDynamics
import AttractorNeural
import AttractorNumerics

/// The field of one level's step in the multi-rate schedule, as the solver core sees it:
/// `f(y) = s·(F(y + c) − y)` with the addend `c` frozen for the step — the low level
/// (`y = z_L`, `c = z_H + x`, `s = 1/ε`, network `F_L`) or the high level (`y = z_H`,
/// `c = z_L`, `s = 1`, `F_H`). `ReasoningModel.runSegment` steps each level with the solver
/// core's `RungeKuttaKernel` on this field and `backwardSegment` transposes the taped steps
/// with the same kernel: the reasoning layer has no Runge–Kutta code of its own.
///
/// The model sets `level`, `addend` and `taped` before each step. During a taped step each
/// evaluation runs in its own tape workspace, which keeps its activations; the VJP of stage
/// `i` (`willTranspose(stage:)`) reads the activations of that stage's evaluation instead of
/// re-evaluating `F`. Besides `aᵀ∂f/∂y = F_uᵀ(s·a) − s·a`, the VJP adds `F_uᵀ(s·a)` — the
/// cotangent of the addend — into the level's addend cotangents (`z_H` and `x` for the
/// low level, `z_L` for the high one). Not thread-safe: it uses the model's buffers.
final class LevelStepField<T: Scalar>: StageTransposingVectorField {
    typealias Scalar = T
    unowned let model: ReasoningModel<T>
    let dimension: Int
    var isAutonomous: Bool { true }
    let parameterLayout: AttractorDynamics.ParameterLayout

    /// The level being stepped or transposed.
    var level: Level = .low
    /// `c` of the current step (`rows × dimension`).
    var addend: UnsafePointer<T>
    /// Whether evaluations of the current step are taped (kept for the VJP).
    var taped = false
    /// Tape slot of stage 0 of the step being transposed.
    var transposedStep = 0
    private var transposedSlot = 0

    init(model: ReasoningModel<T>) {
        self.model = model
        dimension = model.stateWidth
        parameterLayout = AttractorDynamics.ParameterLayout(model.store.layout.views.map { ($0.name, $0.shape) })
        addend = UnsafePointer(model.lowAddend.pointer)
    }

    /// θ, copied out of / into the model's store (not used by the steps themselves).
    var parameters: [T] {
        get { model.store.values.array }
        set { model.store.values.assign(newValue) }
    }

    var scale: T { level == .low ? T(1 / model.configuration.epsilon) : 1 }

    // The solver core calls these through the `VectorField` witness, outside any caller
    // that could specialise them: without the Float entry points their loops ran on value
    // witnesses (a fifth of a damped CMM training step).
    @_specialize(where T == Float)
    func evaluate(t: T, state: UnsafePointer<T>, derivative: UnsafeMutablePointer<T>, rows: RowSelection) {
        let batch = rows.count, n = batch * dimension
        let u = model.scratchInput.pointer
        VectorKernels.add(state, addend, into: u, count: n)
        let out = model.evaluateLevel(level, u, batch: batch, taped: taped)
        let s = scale
        for e in 0..<n { derivative[e] = s * (out[e] - state[e]) }
    }

    func willTranspose(stage: Int) { transposedSlot = transposedStep + stage }

    @_specialize(where T == Float)
    func vectorJacobianProduct(
        t: T, state: UnsafePointer<T>, cotangent: UnsafePointer<T>,
        stateCotangent: UnsafeMutablePointer<T>, parameterGradient: UnsafeMutablePointer<T>?, rows: RowSelection
    ) {
        let batch = rows.count, n = batch * dimension
        let s = scale
        let fbar = model.scratchA.pointer
        for e in 0..<n { fbar[e] = s * cotangent[e] }
        let v = model.tapedVectorJacobianProduct(evaluation: transposedSlot, cotangent: fbar, batch: batch,
                                                 gradients: parameterGradient ?? model.discardedGradients.pointer)
        for e in 0..<n { stateCotangent[e] = v[e] - fbar[e] }
        model.addToAddendCotangents(of: level, v, count: n)
    }
}
