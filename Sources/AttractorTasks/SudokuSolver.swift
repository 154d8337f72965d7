/// An exact Sudoku solver: bit-set constraint propagation plus depth-first search.
///
/// Every cell holds a 9-bit candidate mask. Propagation repeats two rules to a fixed point:
/// *naked singles* (a placed digit is removed from the 20 peers; a peer left with one
/// candidate is placed in turn) and *hidden singles* (a digit with one possible cell in a
/// row, column or box is placed there); an empty mask, or a digit with no place in a unit, is
/// a contradiction. When propagation stalls the search branches on an unplaced cell with the
/// fewest candidates, trying its candidates in increasing order on a copy of the state
/// (164 bytes per level, at most 81 levels, all preallocated).
///
/// **Guesses** count every trial assignment the search makes (each candidate tried at a
/// branching cell, including the last one). A puzzle solved by propagation alone has 0.
/// With `limit: 2` the search visits the whole tree (or stops at a second solution), so the
/// count does not depend on the order in which candidates are tried: that count is the
/// puzzle's rating (``SudokuGenerator/rating(_:)``). Optional locked candidates
/// (`init(lockedCandidates: true)`) add box/line eliminations when singles stall.
///
/// Not thread-safe (it owns its workspace); use one solver per thread.
/// - Complexity: exponential in the worst case; on the shipped forum-hardest collections
///   ~350 guesses per puzzle on average and under 4,000 at most (limit 2), tens to hundreds
///   of µs (Docs/Tasks.md). `solve` allocates only the returned grid.
public final class SudokuSolver {
    private static let stride = 82          // 81 masks + placed-cell count
    private static let all: UInt16 = 0x1FF
    private static let placed: UInt16 = 0x200

    private let stack: UnsafeMutablePointer<UInt16>
    private let queue: UnsafeMutablePointer<UInt8>
    private let peers: UnsafeMutablePointer<UInt8>
    private let units: UnsafeMutablePointer<UInt8>
    private let firstSolution: UnsafeMutablePointer<UInt8>
    private let cellUnits: UnsafeMutablePointer<UInt32>   // bit u set when the cell lies in unit u
    private var dirtyUnits: UInt32 = 0                     // units changed since their last hidden-single scan
    private var queueCount = 0
    private var guesses = 0
    private var found = 0
    private var limit = 2
    private let segments: UnsafeMutablePointer<UInt16>       // 27 row segments, 27 column segments
    /// Whether propagation also applies locked candidates (box/line interactions).
    public let usesLockedCandidates: Bool

    /// - Parameter lockedCandidates: also apply box/line eliminations (pointing and claiming)
    ///   whenever singles stall: ~20% fewer guesses but more work per node; measured slightly
    ///   slower on the forum-hardest set (Docs/Tasks.md), so off by default. Ratings are
    ///   defined with it off.
    public init(lockedCandidates: Bool = false) {
        usesLockedCandidates = lockedCandidates
        segments = .allocate(capacity: 54)
        stack = .allocate(capacity: 83 * Self.stride)
        queue = .allocate(capacity: 96)
        peers = .allocate(capacity: 81 * 20)
        units = .allocate(capacity: 27 * 9)
        firstSolution = .allocate(capacity: 81)
        cellUnits = .allocate(capacity: 81)
        for i in 0..<81 {
            let r = i / 9, c = i % 9, b = 3 * (r / 3) + c / 3
            cellUnits[i] = (1 << r) | (1 << (9 + c)) | (1 << (18 + b))
        }
        SudokuGeometry.peers.withUnsafeBufferPointer { peers.initialize(from: $0.baseAddress!, count: 81 * 20) }
        SudokuGeometry.units.withUnsafeBufferPointer { units.initialize(from: $0.baseAddress!, count: 27 * 9) }
    }

    deinit {
        stack.deallocate(); queue.deallocate(); peers.deallocate(); units.deallocate(); firstSolution.deallocate(); cellUnits.deallocate(); segments.deallocate()
    }

    /// Solves `puzzle`, stopping after `limit` solutions (2 decides uniqueness; 1 is fastest).
    public func solve(_ puzzle: SudokuGrid, limit: Int = 2) -> SudokuSolveResult {
        var solution: SudokuGrid?
        var result = SudokuSolveResult(solution: nil, count: .none, guesses: 0)
        puzzle.cells.withUnsafeBufferPointer { cells in
            let (count, guesses) = solve(cells: cells.baseAddress!, limit: limit)
            result.count = count
            result.guesses = guesses
            if count != .none {
                solution = SudokuGrid(trusted: Array(UnsafeBufferPointer(start: firstSolution, count: 81)))
            }
        }
        result.solution = solution
        return result
    }

    /// Number of solutions (`.none`, `.unique`, `.multiple`) of `puzzle`, exact.
    public func solutionCount(_ puzzle: SudokuGrid) -> SudokuSolutionCount { solve(puzzle, limit: 2).count }

    /// Allocation-free core: solves the 81 cells at `cells` (0 blank), keeps the first solution
    /// for ``copyFirstSolution(to:)``, and returns the solution count and guess count.
    public func solve(cells: UnsafePointer<UInt8>, limit: Int = 2) -> (SudokuSolutionCount, guesses: Int) {
        precondition(limit >= 1, "solution limit must be at least 1")
        self.limit = limit
        guesses = 0
        found = 0
        queueCount = 0
        let s = stack
        for i in 0..<81 { s[i] = Self.all }
        s[81] = 0
        dirtyUnits = (1 << 27) - 1
        for i in 0..<81 {
            let v = cells[i]
            guard v != 0 else { continue }
            guard v <= 9 else { return (.none, 0) }
            s[i] = 1 << (v - 1)
            queue[queueCount] = UInt8(i)
            queueCount += 1
        }
        if propagate(s) {
            if s[81] == 81 { record(s) } else { _ = search(depth: 0) }
        }
        let count: SudokuSolutionCount = found == 0 ? .none : (found == 1 ? .unique : .multiple)
        return (count, guesses)
    }

    /// Copies the first solution of the last solve (valid when it had one) to `out` (81 digits).
    public func copyFirstSolution(to out: UnsafeMutablePointer<UInt8>) {
        out.update(from: firstSolution, count: 81)
    }

    // MARK: - Search

    /// Depth-first search from the propagated state at `depth`; true means "stop" (limit reached).
    private func search(depth: Int) -> Bool {
        let s = stack + depth * Self.stride
        var best = 0, bestCount = 10
        for i in 0..<81 {
            let m = s[i]
            if m & Self.placed == 0 {
                let n = m.nonzeroBitCount
                if n < bestCount {
                    bestCount = n
                    best = i
                    if n == 2 { break }
                }
            }
        }
        var candidates = s[best]
        let next = s + Self.stride
        while candidates != 0 {
            let bit = candidates & (0 &- candidates)
            candidates &= candidates &- 1
            guesses += 1
            // The last candidate may overwrite this level: nothing else needs it any more.
            let t = candidates == 0 ? s : next
            if t != s { t.update(from: s, count: Self.stride) }
            t[best] = bit
            dirtyUnits = cellUnits[best]
            queue[0] = UInt8(best)
            queueCount = 1
            if propagate(t) {
                if t[81] == 81 {
                    record(t)
                    if found >= limit { return true }
                } else if search(depth: t == s ? depth : depth + 1) {
                    return true
                }
            }
        }
        return false
    }

    private func record(_ s: UnsafeMutablePointer<UInt16>) {
        found += 1
        guard found == 1 else { return }
        for i in 0..<81 { firstSolution[i] = UInt8((s[i] & Self.all).trailingZeroBitCount + 1) }
    }

    // MARK: - Propagation

    /// Removes `digits` from cell `j`; false on an emptied cell. Queues new singles.
    @inline(__always)
    private func eliminate(_ digits: UInt16, at j: Int, _ s: UnsafeMutablePointer<UInt16>) -> Bool {
        let m = s[j]
        guard m & digits != 0 else { return true }
        let n = m & ~digits
        s[j] = n
        dirtyUnits |= cellUnits[j]
        let d = n & Self.all
        if d == 0 { return false }
        if n & Self.placed == 0 && d & (d &- 1) == 0 {
            queue[queueCount] = UInt8(j)
            queueCount += 1
        }
        return true
    }

    /// Locked candidates on row and column segments (3 cells where a line crosses a box).
    /// *Pointing*: a digit confined, inside a box, to one segment leaves the rest of that line.
    /// *Claiming*: a digit confined, inside a line, to one segment leaves the rest of that box.
    /// Returns -1 on contradiction, 0 when nothing changed, 1 on progress.
    private func eliminateLockedCandidates(_ s: UnsafeMutablePointer<UInt16>) -> Int {
        let rows = segments, cols = segments + 27            // index: line * 3 + segment
        for line in 0..<9 {
            for k in 0..<3 {
                let r = 9 * line + 3 * k
                rows[3 * line + k] = (s[r] | s[r + 1] | s[r + 2]) & Self.all
                let c = 27 * k + line
                cols[3 * line + k] = (s[c] | s[c + 9] | s[c + 18]) & Self.all
            }
        }
        for pass in 0..<2 {                                   // 0: rows, 1: columns
            let seg = pass == 0 ? rows : cols
            for band in 0..<3 {
                for stack in 0..<3 {
                    // The box at (band, stack) in this orientation; its segments are
                    // seg[(3 band + i) * 3 + stack], i = 0…2.
                    let a = seg[(3 * band) * 3 + stack], b = seg[(3 * band + 1) * 3 + stack], c = seg[(3 * band + 2) * 3 + stack]
                    for i in 0..<3 {
                        let line = 3 * band + i
                        let own = i == 0 ? a : (i == 1 ? b : c)
                        let othersInBox = i == 0 ? (b | c) : (i == 1 ? (a | c) : (a | b))
                        let lineSegs = seg + 3 * line
                        let othersInLine = stack == 0 ? (lineSegs[1] | lineSegs[2])
                            : (stack == 1 ? (lineSegs[0] | lineSegs[2]) : (lineSegs[0] | lineSegs[1]))
                        // Pointing: in the box only here → not elsewhere on the line.
                        let pointing = own & ~othersInBox & othersInLine
                        if pointing != 0 {
                            for k in 0..<3 where k != stack {
                                for t in 0..<3 {
                                    let cell = pass == 0 ? 9 * line + 3 * k + t : 9 * (3 * k + t) + line
                                    if !eliminate(pointing, at: cell, s) { return -1 }
                                }
                            }
                        }
                        // Claiming: on the line only here → not elsewhere in the box.
                        let claiming = own & ~othersInLine & othersInBox
                        if claiming != 0 {
                            for j in 0..<3 where j != i {
                                let other = 3 * band + j
                                for t in 0..<3 {
                                    let cell = pass == 0 ? 9 * other + 3 * stack + t : 9 * (3 * stack + t) + other
                                    if !eliminate(claiming, at: cell, s) { return -1 }
                                }
                            }
                        }
                    }
                }
            }
        }
        return dirtyUnits != 0 ? 1 : 0                        // `eliminate` marks what it changed
    }

    /// Naked and hidden singles to a fixed point. False on contradiction. Empties the queue.
    ///
    /// Hidden singles are only looked for in units changed since their last scan
    /// (`dirtyUnits`): the parent state was at a fixed point, so untouched units hold none.
    /// Profiling (callgrind) showed the full 27-unit scan took ~70% of the time before this.
    @inline(__always)
    private func propagate(_ s: UnsafeMutablePointer<UInt16>) -> Bool {
        while true {
            while queueCount > 0 {
                queueCount -= 1
                let cell = Int(queue[queueCount])
                let bit = s[cell]
                if bit & Self.placed != 0 { continue }
                s[cell] = bit | Self.placed
                s[81] &+= 1
                let p = peers + cell * 20
                for k in 0..<20 {
                    let j = Int(p[k])
                    let m = s[j]
                    if m & bit != 0 {
                        let n = m & ~bit
                        s[j] = n
                        dirtyUnits |= cellUnits[j]
                        let d = n & Self.all
                        if d == 0 { queueCount = 0; return false }
                        if n & Self.placed == 0 && d & (d &- 1) == 0 {
                            queue[queueCount] = UInt8(j)
                            queueCount += 1
                        }
                    }
                }
            }
            if s[81] == 81 { return true }
            if dirtyUnits == 0 {
                guard usesLockedCandidates else { return true }
                let outcome = eliminateLockedCandidates(s)
                if outcome < 0 { queueCount = 0; return false }
                if outcome == 0 { return true }
                continue
            }
            var scan = dirtyUnits
            dirtyUnits = 0
            while scan != 0 {
                let u = scan.trailingZeroBitCount
                scan &= scan &- 1
                let cu = units + u * 9
                var once: UInt16 = 0, twice: UInt16 = 0, singles: UInt16 = 0
                for k in 0..<9 {
                    let m = s[Int(cu[k])] & Self.all
                    twice |= once & m
                    once |= m
                    if m & (m &- 1) == 0 { singles |= m }
                }
                if once != Self.all { return false }
                var hidden = once & ~twice & ~singles
                while hidden != 0 {
                    let bit = hidden & (0 &- hidden)
                    hidden &= hidden &- 1
                    var k = 0
                    while k < 9 && s[Int(cu[k])] & bit == 0 { k += 1 }
                    // Another hidden single of this unit may have taken the only cell for `bit`.
                    if k == 9 { queueCount = 0; return false }
                    let cell = Int(cu[k])
                    s[cell] = bit
                    dirtyUnits |= cellUnits[cell]
                    queue[queueCount] = UInt8(cell)
                    queueCount += 1
                }
            }
        }
    }
}
