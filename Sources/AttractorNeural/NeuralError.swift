/// Errors from the neural layer: bad shapes, unknown names, bad configuration.
public enum NeuralError: Error, Equatable, CustomStringConvertible, Sendable {
    case shapeMismatch(String)
    case unknownParameter(String)
    case invalidConfiguration(String)
    case tokenOutOfRange(token: Int, vocabulary: Int)

    public var description: String {
        switch self {
        case .shapeMismatch(let s): return "shape mismatch: \(s)"
        case .unknownParameter(let s): return "unknown parameter \(s)"
        case .invalidConfiguration(let s): return "invalid configuration: \(s)"
        case .tokenOutOfRange(let t, let v): return "token \(t) outside vocabulary 0..<\(v)"
        }
    }
}
