import AttractorNumerics

/// The single entry point for ODE integration: `dz/dt = f(t, z)` from `t0` to `t1`
/// over a batch of independent rows.
///
/// ```swift
/// let sol = try ODESolver.solve(Lorenz(), initialState: [1, 1, 1], t0: 0, t1: 10,
///                               method: .dormandPrince54,
///                               options: SolverOptions(relativeTolerance: 1e-8, absoluteTolerance: 1e-10))
/// sol.finalState      // rows × dimension
/// ```
/// Methods: fixed-step Runge–Kutta (`.euler`, `.midpoint`, `.heun`, `.rk4`, or any
/// `.rungeKutta(tableau)`), adaptive `.dormandPrince54`, and GSL's `rkf45`, `rk8pd`,
/// `msbdf` (`.gsl(_)`). Every failure is a typed `SolverError`; nothing traps.
/// Integration runs forward (`t1 > t0`); integrate a reversed field to go backward.
public enum ODESolver {
    /// Integrates `field` from `initialState` (`rows × dimension`, or one row of
    /// `dimension`) over `[t0, t1]`.
    public static func solve<F: VectorField>(
        _ field: F, initialState: Tensor<F.Scalar>, t0: Double, t1: Double,
        method: ODEMethod = .dormandPrince54, options: SolverOptions = SolverOptions()
    ) throws(SolverError) -> Solution<F.Scalar> {
        let d = field.dimension
        guard d > 0 else { throw .dimensionMismatch(expected: 1, got: d, what: "field dimension") }
        let last = initialState.shape.last ?? 0
        guard initialState.count > 0, last == d, initialState.count % d == 0 else {
            throw .dimensionMismatch(expected: d, got: last, what: "initial state row length")
        }
        return try solve(field, initialState: initialState.scalars, t0: t0, t1: t1, method: method, options: options)
    }

    /// Integrates `field` from `initialState`, `rows × dimension` scalars in row-major order.
    public static func solve<F: VectorField>(
        _ field: F, initialState: [F.Scalar], t0: Double, t1: Double,
        method: ODEMethod = .dormandPrince54, options: SolverOptions = SolverOptions()
    ) throws(SolverError) -> Solution<F.Scalar> {
        let d = field.dimension
        guard d > 0 else { throw .dimensionMismatch(expected: 1, got: d, what: "field dimension") }
        guard !initialState.isEmpty, initialState.count % d == 0 else {
            throw .dimensionMismatch(expected: d, got: initialState.count, what: "initial state (a multiple of the dimension)")
        }
        let rows = initialState.count / d
        guard t0.isFinite, t1.isFinite, t1 > t0 else { throw .invalidTimeSpan(t0: t0, t1: t1) }
        guard options.maximumSteps > 0 else {
            throw .invalidOption("maximumSteps must be positive, got \(options.maximumSteps)")
        }
        var previous = t0
        for s in options.saveAt {
            guard s.isFinite, s >= previous, s <= t1 else {
                throw .invalidOption("save times must be ascending and within [\(t0), \(t1)], got \(s)")
            }
            previous = s
        }
        try options.steadyState?.validate()
        if let e = initialState.firstIndex(where: { !$0.isFinite }) {
            throw .nonFiniteState(t: t0, row: e / d)
        }
        if case let .gsl(stepper) = method {
            return try GSLODESolver.solve(
                field, initialState: initialState, rows: rows, t0: t0, t1: t1, stepper: stepper, options: options)
        }
        if case .rungeKutta = method, !(options.stepSize.map { $0 > 0 && $0.isFinite } ?? false) {
            throw .invalidStepSize(options.stepSize ?? 0)
        }
        // Run the Double or Float specialisation of the solver whatever `F` is: the field
        // is reached through a FieldEvaluator, and the scalar type made concrete here.
        let evaluator = FieldEvaluator(field)
        if F.Scalar.self == Double.self {
            let solution = try runExplicit(
                evaluator.reinterpreted(as: Double.self), unsafeBitCast(initialState, to: [Double].self),
                rows: rows, t0: t0, t1: t1, method: method, options: options)
            return unsafeBitCast(solution, to: Solution<F.Scalar>.self)
        }
        if F.Scalar.self == Float.self {
            let solution = try runExplicit(
                evaluator.reinterpreted(as: Float.self), unsafeBitCast(initialState, to: [Float].self),
                rows: rows, t0: t0, t1: t1, method: method, options: options)
            return unsafeBitCast(solution, to: Solution<F.Scalar>.self)
        }
        return try runExplicit(evaluator, initialState, rows: rows, t0: t0, t1: t1, method: method, options: options)
    }

    private static func runExplicit<S: AttractorNumerics.Scalar>(
        _ field: FieldEvaluator<S>, _ y0: [S], rows: Int, t0: Double, t1: Double, method: ODEMethod,
        options: SolverOptions
    ) throws(SolverError) -> Solution<S> {
        switch method {
        case let .rungeKutta(tableau):
            return try FixedStepRungeKutta.solve(
                field, initialState: y0, rows: rows, t0: t0, t1: t1, tableau: tableau, stepSize: options.stepSize!,
                options: options)
        case .dormandPrince54:
            return try DormandPrince54.solve(field, initialState: y0, rows: rows, t0: t0, t1: t1, options: options)
        case .gsl:
            preconditionFailure("GSL steppers are dispatched before runExplicit")
        }
    }
}
