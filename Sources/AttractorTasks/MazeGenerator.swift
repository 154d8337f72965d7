import AttractorNumerics

/// Seeded maze generation with a unique shortest path and a difficulty filter.
///
/// 1. A perfect maze (randomised depth-first carving) on the lattice of even coordinates;
///    odd coordinates are walls or carved passages (the last row/column of an even-sized grid
///    stays wall).
/// 2. Each remaining wall between two lattice cells is knocked out with probability
///    `loopProbability`, creating loops (several routes, so shortest paths can tie).
/// 3. A random open start; BFS from it; the goal is drawn uniformly among cells whose
///    shortest path is longer than `pathLongerThan` cells *and unique*. A maze with no such
///    cell is rejected and redrawn.
public final class MazeGenerator {
    public let random: RandomSource
    public let size: Int
    public let loopProbability: Double

    public init(random: RandomSource, size: Int = 30, loopProbability: Double = 0.1) {
        self.random = random
        self.size = size
        self.loopProbability = loopProbability
    }

    public convenience init(seed: UInt64, size: Int = 30, loopProbability: Double = 0.1) {
        self.init(random: RandomSource(seed: seed), size: size, loopProbability: loopProbability)
    }

    /// One instance whose unique shortest path is longer than `pathLongerThan` cells.
    public func instance(pathLongerThan: Int, maxAttempts: Int = 10_000) throws(MazeGeneratorError) -> MazeInstance {
        guard size >= 5 else { throw .sizeTooSmall(size) }
        for _ in 0..<maxAttempts {
            var cells = carve()
            let open = cells.indices.filter { cells[$0] == .open }
            let s = open[random.integer(below: open.count)]
            cells[s] = .start
            // BFS needs a goal to build a Maze; put a provisional one on another open cell.
            let provisional = open.first { $0 != s }!
            cells[provisional] = .goal
            let probe = try! Maze(size: size, cells: cells)
            let bfs = MazeShortestPath(probe)
            let candidates = open.filter { j in
                j != s && bfs.distance[j] + 1 > pathLongerThan && bfs.pathCount[j] == 1
            }
            guard !candidates.isEmpty else { continue }
            let g = candidates[random.integer(below: candidates.count)]
            cells[provisional] = .open
            cells[g] = .goal
            let maze = try! Maze(size: size, cells: cells)
            let solved = MazeShortestPath(maze)
            return MazeInstance(maze: maze, label: maze.labelled(path: solved.path), pathLength: solved.path.count)
        }
        throw .gaveUp(attempts: maxAttempts, pathLongerThan: pathLongerThan)
    }

    /// Walls everywhere, then a randomised DFS through the lattice of even coordinates, then loops.
    private func carve() -> [MazeCell] {
        let n = size
        var cells = [MazeCell](repeating: .wall, count: n * n)
        let lattice = (n + 1) / 2                 // lattice cells per side (coordinates 0, 2, 4, …)
        var visited = [Bool](repeating: false, count: lattice * lattice)
        var stack = [random.integer(below: lattice * lattice)]
        visited[stack[0]] = true
        cells[cellIndex(stack[0], lattice)] = .open
        while let cur = stack.last {
            let r = cur / lattice, c = cur % lattice
            var next: [Int] = []
            if r > 0, !visited[cur - lattice] { next.append(cur - lattice) }
            if r + 1 < lattice, !visited[cur + lattice] { next.append(cur + lattice) }
            if c > 0, !visited[cur - 1] { next.append(cur - 1) }
            if c + 1 < lattice, !visited[cur + 1] { next.append(cur + 1) }
            if next.isEmpty { stack.removeLast(); continue }
            let nb = next[random.integer(below: next.count)]
            visited[nb] = true
            let a = cellIndex(cur, lattice), b = cellIndex(nb, lattice)
            cells[(a + b) / 2] = .open           // the wall between two lattice cells
            cells[b] = .open
            stack.append(nb)
        }
        // Knock out extra walls between lattice neighbours to create loops.
        for r in 0..<lattice {
            for c in 0..<lattice {
                let a = cellIndex(r * lattice + c, lattice)
                if c + 1 < lattice, cells[a + 1] == .wall, random.uniform() < loopProbability { cells[a + 1] = .open }
                if r + 1 < lattice, cells[a + n] == .wall, random.uniform() < loopProbability { cells[a + n] = .open }
            }
        }
        return cells
    }

    @inline(__always) private func cellIndex(_ latticeIndex: Int, _ lattice: Int) -> Int {
        2 * (latticeIndex / lattice) * size + 2 * (latticeIndex % lattice)
    }
}
