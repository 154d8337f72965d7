/// Breadth-first search from a maze's start: distances, the number of shortest paths
/// (saturated at 2) and the shortest path to the goal.
///
/// Path **length** counts cells, start and goal included (a start next to its goal has length 2).
/// - Complexity: O(size²) time and memory.
public struct MazeShortestPath: Sendable {
    /// Moves from the start to every cell (-1 = unreachable).
    public let distance: [Int]
    /// Number of distinct shortest paths from the start to every cell, saturated at 2.
    public let pathCount: [UInt8]
    /// Cells of one shortest start→goal path in order (empty when the goal is unreachable).
    public let path: [Int]

    /// Runs BFS on `maze` (path marks count as open cells).
    public init(_ maze: Maze) {
        let n = maze.cells.count
        var dist = [Int](repeating: -1, count: n)
        var count = [UInt8](repeating: 0, count: n)
        var queue = [Int](repeating: 0, count: n)
        var head = 0, tail = 0
        dist[maze.start] = 0
        count[maze.start] = 1
        queue[tail] = maze.start; tail += 1
        let size = maze.size
        while head < tail {
            let i = queue[head]; head += 1
            let r = i / size, c = i % size
            for (ok, j) in [(r > 0, i - size), (r + 1 < size, i + size), (c > 0, i - 1), (c + 1 < size, i + 1)] where ok {
                guard maze.cells[j].isPassable else { continue }
                if dist[j] < 0 {
                    dist[j] = dist[i] + 1
                    count[j] = count[i]
                    queue[tail] = j; tail += 1
                } else if dist[j] == dist[i] + 1 {
                    count[j] = min(2, count[j] + count[i])
                }
            }
        }
        distance = dist
        pathCount = count
        if dist[maze.goal] >= 0 {
            var p = [maze.goal]
            var cur = maze.goal
            while cur != maze.start {
                cur = maze.neighbours(of: cur).first { dist[$0] == dist[cur] - 1 && maze.cells[$0].isPassable }!
                p.append(cur)
            }
            path = p.reversed()
        } else {
            path = []
        }
    }

    /// Length in cells of the shortest path to `cell` (nil when unreachable).
    public func length(to cell: Int) -> Int? { distance[cell] >= 0 ? distance[cell] + 1 : nil }
}
