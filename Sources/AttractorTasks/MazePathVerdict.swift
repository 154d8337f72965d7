/// The verdict on a predicted maze path.
public enum MazePathVerdict: Hashable, Sendable, CustomStringConvertible {
    /// A connected, wall-free start→goal path of optimal length.
    case correct
    /// The prediction changed a wall, start or goal cell, or put an unknown token (at `cell`).
    case gridChanged(cell: Int)
    /// The path crosses a wall at `cell`.
    case wallOnPath(cell: Int)
    /// The marked cells do not form one simple path from start to goal (a dead end, a branch or
    /// a detached piece; `cell` is the first offending cell, nil when start and goal are not linked).
    case notAPath(cell: Int?)
    /// A valid path, but longer than the shortest one.
    case notOptimal(length: Int, optimal: Int)
    /// The maze has no path at all (nothing can be correct).
    case unsolvable

    public var description: String {
        switch self {
        case .correct: "correct"
        case .gridChanged(let c): "grid changed at cell \(c)"
        case .wallOnPath(let c): "path crosses a wall at cell \(c)"
        case .notAPath(let c): c.map { "not a simple start-goal path (cell \($0))" } ?? "start and goal not connected"
        case .notOptimal(let l, let o): "path of \(l) cells, shortest is \(o)"
        case .unsolvable: "the maze has no start-goal path"
        }
    }
}
