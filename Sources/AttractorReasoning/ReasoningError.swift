/// Errors of the reasoning layer, each naming what does not match.
public enum ReasoningError: Error, Equatable, Sendable, CustomStringConvertible {
    /// A configuration that cannot be built (names the field).
    case invalidConfiguration(String)
    /// A checkpoint or dataset that does not match what was asked for.
    case mismatch(String)
    /// A checkpoint that cannot be read or written.
    case checkpoint(String)
    /// A non-finite loss: training stops; names the step and the last good checkpoint.
    case nonFiniteLoss(step: Int, lastGoodCheckpoint: String?)
    /// Bad input data (wrong puzzle size, token out of range, …).
    case invalidInput(String)
    /// The implicit gradient's adjoint solve (Anderson) missed its tolerance.
    case implicitSolveDidNotConverge(iterations: Int, residual: Double, tolerance: Double)
    /// The segment's adjoint or forward integration failed (names the solver's reason).
    case gradient(String)

    public var description: String {
        switch self {
        case .invalidConfiguration(let s): return "invalid model configuration: \(s)"
        case .mismatch(let s): return "mismatch: \(s)"
        case .checkpoint(let s): return "checkpoint: \(s)"
        case let .nonFiniteLoss(step, last):
            return "loss became NaN or infinite at step \(step); last good checkpoint: \(last ?? "none written yet")"
        case .invalidInput(let s): return "invalid input: \(s)"
        case let .implicitSolveDidNotConverge(iterations, residual, tolerance):
            return "implicit gradient (Anderson) did not converge: relative residual \(residual) > \(tolerance) after \(iterations) iterations"
        case .gradient(let s): return "segment gradient failed: \(s)"
        }
    }
}
