/// A square maze (HRM Maze-Hard: 30×30) with walls, open cells, one start and one goal;
/// a *labelled* maze also marks its path cells (`o`), start and goal excluded.
public struct Maze: Hashable, Sendable, CustomStringConvertible {
    public let size: Int
    /// Row-major cells.
    public private(set) var cells: [MazeCell]
    /// Index of the start and goal cells.
    public let start: Int, goal: Int

    /// A maze from row-major cells; needs exactly one start and one goal.
    public init(size: Int, cells: [MazeCell]) throws(MazeInputError) {
        guard size > 0, cells.count == size * size else {
            throw MazeInputError(reason: "a \(size)×\(size) maze needs \(size * size) cells, got \(cells.count)")
        }
        let starts = cells.indices.filter { cells[$0] == .start }
        let goals = cells.indices.filter { cells[$0] == .goal }
        guard starts.count == 1, goals.count == 1 else {
            throw MazeInputError(reason: "a maze needs exactly one start and one goal, found \(starts.count) and \(goals.count)")
        }
        self.size = size
        self.cells = cells
        start = starts[0]
        goal = goals[0]
    }

    /// A maze from tokens (1…5); pad or unknown tokens are an error.
    public init(tokens: [UInt8], size: Int) throws(MazeInputError) {
        var cells = [MazeCell]()
        cells.reserveCapacity(tokens.count)
        for (i, t) in tokens.enumerated() {
            guard let c = MazeCell(rawValue: t) else { throw MazeInputError(reason: "cell \(i): token \(t) is not a maze cell (1…5)") }
            cells.append(c)
        }
        try self.init(size: size, cells: cells)
    }

    /// A maze from its text form: `size` lines of `size` characters from `# SGo`.
    public init(text: String) throws(MazeInputError) {
        let rows = text.split(separator: "\n", omittingEmptySubsequences: false).map { $0.hasSuffix("\r") ? $0.dropLast() : $0 }
        let lines = rows.last == "" ? Array(rows.dropLast()) : rows
        let n = lines.count
        var cells = [MazeCell]()
        for (r, line) in lines.enumerated() {
            guard line.count == n else { throw MazeInputError(reason: "line \(r + 1): \(line.count) characters, expected \(n)") }
            for (c, ch) in line.enumerated() {
                guard let cell = MazeCell(character: ch) else {
                    throw MazeInputError(reason: "line \(r + 1), column \(c + 1): '\(ch)' is not one of \"# SGo\"")
                }
                cells.append(cell)
            }
        }
        try self.init(size: n, cells: cells)
    }

    public subscript(r: Int, c: Int) -> MazeCell { cells[r * size + c] }
    public subscript(i: Int) -> MazeCell { cells[i] }

    /// The tokens, row-major (1…5).
    public var tokens: [UInt8] { cells.map(\.rawValue) }

    /// The text form: `size` lines of `# SGo` characters.
    public var text: String {
        var s = ""
        for r in 0..<size {
            s += String(cells[(r * size)..<((r + 1) * size)].map(\.character))
            s += "\n"
        }
        return s
    }

    public var description: String { text }

    /// The same maze with path marks removed (the model's input form).
    public var unlabelled: Maze {
        var m = self
        for i in m.cells.indices where m.cells[i] == .path { m.cells[i] = .open }
        return m
    }

    /// This maze with `path` (cell indices, start and goal may be included) marked `o`.
    public func labelled(path: [Int]) -> Maze {
        var m = unlabelled
        for i in path where m.cells[i] == .open { m.cells[i] = .path }
        return m
    }

    /// The 4-neighbours of cell `i` inside the grid.
    @inline(__always) public func neighbours(of i: Int) -> [Int] {
        let r = i / size, c = i % size
        var out: [Int] = []
        out.reserveCapacity(4)
        if r > 0 { out.append(i - size) }
        if r + 1 < size { out.append(i + size) }
        if c > 0 { out.append(i - 1) }
        if c + 1 < size { out.append(i + 1) }
        return out
    }

    // MARK: - Dihedral symmetries

    /// Symmetry `id` of the square (HRM's numbering): 0 identity, 1 rotation by 90°
    /// (counter-clockwise, numpy `rot90`), 2 by 180°, 3 by 270°, 4 left–right mirror,
    /// 5 up–down mirror, 6 transpose, 7 anti-transpose.
    public func transformed(_ id: Int) -> Maze {
        precondition((0..<8).contains(id), "dihedral symmetry id must be 0…7")
        var out = cells
        for r in 0..<size { for c in 0..<size { out[r * size + c] = cells[Maze.sourceIndex(id, r, c, size)] } }
        // Exactly one start and goal remain (a permutation of cells).
        return try! Maze(size: size, cells: out)
    }

    /// The symmetry undoing `id` (HRM's `DIHEDRAL_INVERSE`).
    public static func inverseSymmetry(_ id: Int) -> Int { [0, 3, 2, 1, 4, 5, 6, 7][id] }

    /// Where new cell (r, c) comes from under symmetry `id`.
    static func sourceIndex(_ id: Int, _ r: Int, _ c: Int, _ n: Int) -> Int {
        let m = n - 1
        switch id {
        case 0: return r * n + c
        case 1: return c * n + (m - r)
        case 2: return (m - r) * n + (m - c)
        case 3: return (m - c) * n + r
        case 4: return r * n + (m - c)
        case 5: return (m - r) * n + c
        case 6: return c * n + r
        default: return (m - c) * n + (m - r)
        }
    }
}
