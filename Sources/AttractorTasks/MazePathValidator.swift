/// Checks predicted paths exactly.
public enum MazePathValidator {
    /// Validates a predicted label grid (tokens 1…5, same size as `maze`): cells marked `o`
    /// plus start and goal must form one simple 4-connected path from start to goal, with no
    /// wall under it, of the optimal length; every other cell must be unchanged.
    public static func validate(prediction tokens: [UInt8], for maze: Maze) -> MazePathVerdict {
        let input = maze.unlabelled
        guard tokens.count == input.cells.count else { return .gridChanged(cell: min(tokens.count, input.cells.count)) }
        var onPath = [Bool](repeating: false, count: tokens.count)
        for i in 0..<tokens.count {
            guard let p = MazeCell(rawValue: tokens[i]) else { return .gridChanged(cell: i) }
            switch (input.cells[i], p) {
            case (.wall, .path): return .wallOnPath(cell: i)
            case (.open, .path): onPath[i] = true
            case (.start, .start), (.goal, .goal): onPath[i] = true
            case (let a, let b) where a == b: continue
            default: return .gridChanged(cell: i)
            }
        }
        // Walk from the start: every step must have exactly one unvisited marked neighbour.
        var order = [input.start]
        var visited = onPath.map { _ in false }
        visited[input.start] = true
        var cur = input.start
        while cur != input.goal {
            let next = input.neighbours(of: cur).filter { onPath[$0] && !visited[$0] }
            guard next.count == 1 else { return .notAPath(cell: next.isEmpty && order.count == 1 ? nil : cur) }
            cur = next[0]
            visited[cur] = true
            order.append(cur)
        }
        if let stray = onPath.indices.first(where: { onPath[$0] && !visited[$0] }) { return .notAPath(cell: stray) }
        return verdict(forPathOf: order.count, maze: input)
    }

    /// Validates a path given as a sequence of cell indices (start first, goal last).
    public static func validate(path: [Int], for maze: Maze) -> MazePathVerdict {
        let input = maze.unlabelled
        var seen = Set<Int>()
        for (k, i) in path.enumerated() {
            guard i >= 0, i < input.cells.count else { return .notAPath(cell: i) }
            if input.cells[i] == .wall { return .wallOnPath(cell: i) }
            guard seen.insert(i).inserted else { return .notAPath(cell: i) }
            if k > 0, !input.neighbours(of: path[k - 1]).contains(i) { return .notAPath(cell: i) }
        }
        guard path.first == input.start, path.last == input.goal else { return .notAPath(cell: path.first) }
        return verdict(forPathOf: path.count, maze: input)
    }

    private static func verdict(forPathOf length: Int, maze: Maze) -> MazePathVerdict {
        guard let optimal = MazeShortestPath(maze).length(to: maze.goal) else { return .unsolvable }
        return length == optimal ? .correct : .notOptimal(length: length, optimal: optimal)
    }
}
