/// A typed failure of a diagnostic, a suite file or a validation run.
public enum StabilityError: Error, Equatable, Sendable, CustomStringConvertible {
    /// A bad argument (dimension, tolerance, count) with what was wrong.
    case invalidArgument(String)
    /// A suite file that cannot be used: which file and why.
    case invalidSuite(file: String, reason: String)
    /// A state became NaN or infinite (row, step).
    case nonFinite(row: Int, step: Int)
    /// A solver or gradient failure underneath, with its message.
    case underlying(String)
    /// The run needs something not available in this build (e.g. trained models).
    case unavailable(String)

    public var description: String {
        switch self {
        case let .invalidArgument(m): return "invalid argument: \(m)"
        case let .invalidSuite(file, reason): return "invalid suite file \(file): \(reason)"
        case let .nonFinite(row, step): return "state became non-finite in row \(row) at step \(step)"
        case let .underlying(m): return m
        case let .unavailable(m): return m
        }
    }
}
