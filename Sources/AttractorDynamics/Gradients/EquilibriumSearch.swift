import AttractorNumerics

/// Integrates `dz/dt = f(z)` with adaptive Dormand–Prince until the steady-state
/// condition `max_i |f_i(z)| ≤ tolerance` holds, for the implicit gradient and its checks.
///
/// A minimal stand-in for the solver core's steady-state event (it checks once per unit
/// of time, not per step).
public enum EquilibriumSearch {
    /// The equilibrium reached from `z0`, and the time it took.
    /// - Throws: `GradientError.equilibriumNotReached` after `maximumTime`.
    public static func run<Field: DifferentiableVectorField>(
        _ field: Field, from z0: [Field.Scalar], rows: Int, tolerance: Double = 1e-12,
        maximumTime: Double = 1000, rtol: Double = 1e-12, atol: Double = 1e-14
    ) throws(GradientError) -> (equilibrium: [Field.Scalar], time: Double) {
        typealias S = Field.Scalar
        var z = z0
        var t = 0.0
        var f = [S](repeating: 0, count: z.count)
        func residual() -> Double {
            field.evaluate(t: S(t), state: z, derivative: &f, rows: RowSelection(count: rows))
            return f.reduce(0.0) { max($0, Double(abs($1))) }
        }
        var r = residual()
        while r > tolerance {
            guard t < maximumTime else { throw .equilibriumNotReached(time: t, residual: r, tolerance: tolerance) }
            let chunk = ODEGradientSolver(field: field, integration: .adaptive(.dormandPrince54, rtol: rtol, atol: atol),
                                          from: t, to: t + 1)
            z = try chunk.solve(initialState: z, rows: rows).finalState
            t += 1
            r = residual()
        }
        return (z, t)
    }
}
