/// Why a gradient could not be computed. Never a wrong answer instead.
public enum GradientError: Error, Equatable, Sendable, CustomStringConvertible {
    /// The forward or backward integration failed.
    case solver(SolverError)
    /// The implicit-gradient linear solve did not reach its tolerance within the cap.
    case implicitSolveDidNotConverge(method: String, iterations: Int, residual: Double, tolerance: Double)
    /// The forward fixed-point search for the equilibrium did not converge.
    case equilibriumNotReached(time: Double, residual: Double, tolerance: Double)
    /// The strategy does not apply to this integration or problem.
    case unsupported(strategy: String, reason: String)
    /// The Brownian path could not be queried (a time outside its span).
    case brownianPath(BrownianPathError)
    /// A setting out of range (checkpoint interval, truncation length, tolerance, …).
    case invalidArgument(String)

    public var description: String {
        switch self {
        case let .solver(e): return e.description
        case let .implicitSolveDidNotConverge(method, iterations, residual, tolerance):
            return "implicit gradient (\(method)) did not converge: residual \(residual) > \(tolerance) after \(iterations) iterations"
        case let .equilibriumNotReached(time, residual, tolerance):
            return "equilibrium not reached by t = \(time): residual \(residual) > \(tolerance)"
        case let .unsupported(strategy, reason): return "\(strategy) is not available here: \(reason)"
        case let .brownianPath(e): return e.description
        case let .invalidArgument(reason): return "invalid argument: \(reason)"
        }
    }
}
