import AttractorNumerics

/// Drives `dz/dt = f(z)` to equilibrium with the solver core (`ODESolver`, Dormand–Prince
/// with the `SteadyStateEvent`: a row stops when `‖f(z)‖₂ ≤ tolerance`), for the implicit
/// gradient and its finite-difference checks.
public enum EquilibriumSearch {
    /// The equilibrium reached from `z0` (`rows × dimension`) and the latest retirement time.
    /// - Throws: `GradientError.equilibriumNotReached` when a row is still moving at `maximumTime`.
    public static func run<Field: DifferentiableVectorField>(
        _ field: Field, from z0: [Field.Scalar], rows: Int, tolerance: Double = 1e-12,
        maximumTime: Double = 1000, rtol: Double = 1e-12, atol: Double = 1e-14
    ) throws(GradientError) -> (equilibrium: [Field.Scalar], time: Double) {
        let options = SolverOptions(relativeTolerance: .init(floatLiteral: rtol), absoluteTolerance: .init(floatLiteral: atol),
                                    maximumSteps: 1_000_000,
                                    steadyState: SteadyStateEvent(relativeTolerance: 0, absoluteTolerance: tolerance))
        let solution: Solution<Field.Scalar>
        do {
            solution = try ODESolver.solve(field, initialState: z0, t0: 0, t1: maximumTime,
                                           method: .dormandPrince54, options: options)
        } catch {
            throw .solver(error)
        }
        guard let report = solution.steadyState, report.allConverged else {
            throw .equilibriumNotReached(time: maximumTime, residual: solution.steadyState?.largestResidual ?? .nan,
                                         tolerance: tolerance)
        }
        return (solution.finalState.scalars, report.latestTime)
    }
}
