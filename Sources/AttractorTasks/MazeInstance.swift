/// A maze with its unique shortest path.
public struct MazeInstance: Hashable, Sendable {
    /// The puzzle (walls, open cells, start, goal).
    public var maze: Maze
    /// The label: the puzzle with the shortest path's cells marked `o`.
    public var label: Maze
    /// Shortest-path length in cells, start and goal included.
    public var pathLength: Int
}
