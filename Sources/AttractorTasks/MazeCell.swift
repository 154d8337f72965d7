/// One cell of a maze; the raw value is its token (HRM Maze-Hard alphabet `# SGo` → 1…5, pad 0).
public enum MazeCell: UInt8, Hashable, Sendable, CaseIterable {
    case wall = 1, open = 2, start = 3, goal = 4, path = 5

    /// Padding token (not a cell).
    public static let padToken: UInt8 = 0
    /// Vocabulary size: pad plus the five cell kinds.
    public static let vocabularySize = 6

    /// The character of HRM's text form: `#`, space, `S`, `G`, `o`.
    public var character: Character {
        switch self {
        case .wall: "#"
        case .open: " "
        case .start: "S"
        case .goal: "G"
        case .path: "o"
        }
    }

    public init?(character: Character) {
        guard let cell = MazeCell.allCases.first(where: { $0.character == character }) else { return nil }
        self = cell
    }

    /// Cells a path may cross (everything except walls).
    public var isPassable: Bool { self != .wall }
}
