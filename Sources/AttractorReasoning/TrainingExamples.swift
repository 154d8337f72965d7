import AttractorNumerics
import AttractorTasks

/// A task's training examples as token sequences, drawn in a seeded order with seeded
/// augmentation: draw `i` depends only on `(seed, i)`, so a resumed run draws exactly the
/// examples the uninterrupted run would have.
public struct TrainingExamples: Sendable {
    public let task: TaskKind
    public let sequence: Int
    public let vocabulary: Int
    /// Inputs and labels, `count × sequence` tokens each.
    public let inputs: [[Int32]]
    public let labels: [[Int32]]
    /// Sudoku: random validity-preserving transform per draw; maze: one of the 8 symmetries.
    public var augment: Bool
    /// Sudoku: the fraction of draws that show an easier copy of the puzzle — some of its
    /// blank cells filled in from the solution, leaving a uniformly drawn number of blanks
    /// between `easierMinimumBlanks` and the puzzle's own (a superset of the givens, so the
    /// solution is still unique). 0: every draw shows the puzzle itself.
    public var easierFraction = 0.0
    public var easierMinimumBlanks = 10

    public var count: Int { inputs.count }

    /// Token sequences as they are (any task with this sequence length and vocabulary).
    public init(task: TaskKind, sequence: Int, vocabulary: Int, inputs: [[Int32]], labels: [[Int32]], augment: Bool) {
        self.task = task
        self.sequence = sequence
        self.vocabulary = vocabulary
        self.inputs = inputs
        self.labels = labels
        self.augment = augment
    }

    /// Sudoku puzzles (tokens as in `SudokuToken`: blank 1, digit d → d + 1).
    public init(sudoku puzzles: [LabelledSudoku], augment: Bool = true) {
        self.init(sudoku: puzzles.map(SudokuExample.init), augment: augment)
    }

    /// Sudoku puzzles with their solutions.
    public init(sudoku puzzles: [SudokuExample], augment: Bool = true) {
        task = .sudoku
        sequence = 81
        vocabulary = SudokuToken.vocabularySize
        inputs = puzzles.map { $0.puzzle.tokens.map(Int32.init) }
        labels = puzzles.map { $0.solution.tokens.map(Int32.init) }
        self.augment = augment
    }

    /// Mazes (tokens `# SGo` → 1…5).
    public init(mazes: [MazeInstance], augment: Bool = true) {
        task = .maze
        let size = mazes.first?.maze.size ?? 30
        sequence = size * size
        vocabulary = 6
        inputs = mazes.map { $0.maze.tokens.map(Int32.init) }
        labels = mazes.map { $0.label.tokens.map(Int32.init) }
        self.augment = augment
    }

    /// The `index`-th draw: epoch `index / count` visits every example once in a seeded
    /// order; the augmentation is drawn from `(seed, index)`.
    public func draw(_ index: Int, seed: UInt64) -> (input: [Int32], label: [Int32]) {
        let epoch = index / count, position = index % count
        let order = Self.permutation(count: count, seed: RandomSource.mix(seed, UInt64(epoch) &+ 0xE90C))
        let k = order[position]
        var input = inputs[k]
        if task == .sudoku && easierFraction > 0 {
            // Its own stream: with easierFraction 0 the draws are exactly those of before.
            let r = RandomSource(seed: RandomSource.mix(RandomSource.mix(seed, 0xEA51E5), UInt64(index)))
            if r.uniform() < easierFraction { input = Self.easier(input, label: labels[k], minimumBlanks: easierMinimumBlanks, using: r) }
        }
        guard augment else { return (input, labels[k]) }
        let random = RandomSource(seed: RandomSource.mix(RandomSource.mix(seed, 0xA06), UInt64(index)))
        switch task {
        case .sudoku:
            let t = SudokuTransform.random(using: random)
            let p = SudokuGrid(tokens: input.map(UInt8.init))!, s = SudokuGrid(tokens: labels[k].map(UInt8.init))!
            return (t.apply(p).tokens.map(Int32.init), t.apply(s).tokens.map(Int32.init))
        case .maze:
            let size = Int(Double(sequence).squareRoot())
            let id = random.integer(below: 8)
            guard let m = try? Maze(tokens: inputs[k].map(UInt8.init), size: size),
                  let l = try? Maze(tokens: labels[k].map(UInt8.init), size: size) else { return (inputs[k], labels[k]) }
            return (m.transformed(id).tokens.map(Int32.init), l.transformed(id).tokens.map(Int32.init))
        }
    }

    /// `input` (Sudoku tokens) with blank cells filled from `label` until a number of blanks
    /// drawn uniformly from `minimumBlanks…(its blanks)` is left (the cells chosen at random).
    static func easier(_ input: [Int32], label: [Int32], minimumBlanks: Int, using r: RandomSource) -> [Int32] {
        let blanks = input.indices.filter { input[$0] == Int32(SudokuToken.blank) }
        guard blanks.count > minimumBlanks else { return input }
        let keep = minimumBlanks + r.integer(below: blanks.count - minimumBlanks + 1)
        var out = input
        var open = blanks
        while open.count > keep {
            let i = r.integer(below: open.count)
            out[open[i]] = label[open[i]]
            open.swapAt(i, open.count - 1)
            open.removeLast()
        }
        return out
    }

    /// `input` (9 × 9 Sudoku tokens) with `cells` of its blank cells turned into wrong givens
    /// (`training.perturbation = wrongClues`): a blank cell chosen at random and, while a
    /// second one is still wanted, a blank cell of the same row, column or box with another
    /// solution digit exchange their solution digits (the grid stays plausible, as a near
    /// miss is); a cell with no such partner gets a uniformly drawn wrong digit. Givens are
    /// kept; fewer cells change when the puzzle has fewer blanks.
    public static func wrongClues(_ input: [Int32], label: [Int32], cells: Int, using r: RandomSource) -> [Int32] {
        precondition(input.count == 81 && label.count == 81, "wrong clues are for 9 × 9 Sudoku")
        func sharesUnit(_ a: Int, _ b: Int) -> Bool {
            a / 9 == b / 9 || a % 9 == b % 9 || (a / 27 == b / 27 && (a % 9) / 3 == (b % 9) / 3)
        }
        var out = input
        var open = input.indices.filter { input[$0] == Int32(SudokuToken.blank) }
        var placed = 0
        while placed < cells && !open.isEmpty {
            let a = open.remove(at: r.integer(below: open.count))
            let partners = placed + 1 < cells ? open.filter { sharesUnit(a, $0) && label[$0] != label[a] } : []
            if !partners.isEmpty {
                let b = partners[r.integer(below: partners.count)]
                open.removeAll { $0 == b }
                out[a] = label[b]
                out[b] = label[a]
                placed += 2
            } else {
                var d = Int32(SudokuToken.digit(1)) + Int32(r.integer(below: 8))  // one of the 8 wrong digits
                if d >= label[a] { d += 1 }
                out[a] = d
                placed += 1
            }
        }
        return out
    }

    /// A seeded Fisher–Yates permutation of `0..<count`.
    static func permutation(count: Int, seed: UInt64) -> [Int] {
        let random = RandomSource(seed: seed)
        var a = Array(0..<count)
        if count > 1 {
            for i in stride(from: count - 1, to: 0, by: -1) { a.swapAt(i, random.integer(below: i + 1)) }
        }
        return a
    }
}
