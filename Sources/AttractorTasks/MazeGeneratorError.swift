/// Why maze generation failed.
public enum MazeGeneratorError: Error, Hashable, Sendable, CustomStringConvertible {
    case sizeTooSmall(Int)
    case gaveUp(attempts: Int, pathLongerThan: Int)
    public var description: String {
        switch self {
        case .sizeTooSmall(let n): "maze size \(n) too small (need at least 5)"
        case .gaveUp(let a, let l): "no maze with a unique shortest path longer than \(l) cells after \(a) attempts"
        }
    }
}
