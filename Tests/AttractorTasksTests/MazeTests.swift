import Testing
import AttractorTasks

@Suite struct MazeTests {
    /// Independent BFS (written separately from `MazeShortestPath`): shortest distance and
    /// number of shortest paths (exact, not saturated) from start to goal.
    static func referenceBFS(_ maze: Maze) -> (length: Int?, paths: Int) {
        let n = maze.size
        var dist = Array(repeating: Int.max, count: n * n)
        var ways = Array(repeating: 0, count: n * n)
        var frontier = [maze.start]
        dist[maze.start] = 0; ways[maze.start] = 1
        var level = 0
        while !frontier.isEmpty {
            var next: [Int] = []
            for i in frontier {
                let (r, c) = (i / n, i % n)
                for (dr, dc) in [(-1, 0), (1, 0), (0, -1), (0, 1)] {
                    let (rr, cc) = (r + dr, c + dc)
                    guard rr >= 0, rr < n, cc >= 0, cc < n, maze[rr, cc] != .wall else { continue }
                    let j = rr * n + cc
                    if dist[j] == Int.max { dist[j] = level + 1; next.append(j) }
                    if dist[j] == level + 1 { ways[j] += ways[i] }
                }
            }
            frontier = next
            level += 1
        }
        return dist[maze.goal] == Int.max ? (nil, 0) : (dist[maze.goal] + 1, ways[maze.goal])
    }

    @Test func generatedMazesHaveUniqueLongShortestPaths() throws {
        let g = MazeGenerator(seed: 42)
        for _ in 0..<6 {
            let inst = try g.instance(pathLongerThan: 110)
            #expect(inst.maze.size == 30)
            let ref = Self.referenceBFS(inst.maze)
            #expect(ref.length == inst.pathLength)
            #expect(ref.paths == 1)
            #expect(inst.pathLength > 110)
            // The label marks exactly the path minus start and goal.
            #expect(inst.label.cells.filter { $0 == .path }.count == inst.pathLength - 2)
            #expect(inst.label.unlabelled == inst.maze)
            #expect(MazePathValidator.validate(prediction: inst.label.tokens, for: inst.maze) == .correct)
        }
    }

    @Test func generatorIsSeededAndFilterIsRespected() throws {
        let a = try MazeGenerator(seed: 8).instance(pathLongerThan: 60)
        let b = try MazeGenerator(seed: 8).instance(pathLongerThan: 60)
        let c = try MazeGenerator(seed: 9).instance(pathLongerThan: 60)
        #expect(a == b)
        #expect(a != c)
        #expect(throws: MazeGeneratorError.self) {
            try MazeGenerator(seed: 1, size: 9).instance(pathLongerThan: 200, maxAttempts: 5)
        }
    }

    @Test func tokensUseHRMAlphabet() throws {
        let m = try Maze(text: "#S #\n#  #\n# G#\n####\n")
        #expect(m.tokens == [1, 3, 2, 1, 1, 2, 2, 1, 1, 2, 4, 1, 1, 1, 1, 1])
        #expect(try Maze(tokens: m.tokens, size: 4) == m)
        #expect(m.text == "#S #\n#  #\n# G#\n####\n")
        #expect(throws: MazeInputError.self) { try Maze(text: "#S\n#?\n") }
        #expect(throws: MazeInputError.self) { try Maze(text: "SS\nG \n") }
        #expect(throws: MazeInputError.self) { try Maze(tokens: [3, 4, 0, 2], size: 2) }
    }

    @Test func dihedralSymmetriesAreAGroupAndKeepPaths() throws {
        let inst = try MazeGenerator(seed: 5, size: 12).instance(pathLongerThan: 10)
        var seen = Set<[UInt8]>()
        for s in 0..<8 {
            let m = inst.maze.transformed(s), l = inst.label.transformed(s)
            seen.insert(m.tokens)
            #expect(m.transformed(Maze.inverseSymmetry(s)) == inst.maze)
            #expect(MazePathValidator.validate(prediction: l.tokens, for: m) == .correct)
            #expect(Self.referenceBFS(m).length == inst.pathLength)
        }
        #expect(seen.count == 8)            // a random maze has no symmetry of its own
        // Symmetry 1 is numpy's rot90 (counter-clockwise): top-right corner goes to top-left.
        let t = try Maze(text: "S..\n...\n..G\n".replacingOccurrences(of: ".", with: " "))
        #expect(t.transformed(1)[2, 0] == .start)
        #expect(t.transformed(4)[0, 2] == .start)
        #expect(t.transformed(6)[2, 2] == .goal)
        #expect(t.transformed(7)[0, 0] == .goal)
    }

    @Test func validatorRejectsBrokenWalledAndLongPaths() throws {
        // 5×5: a short route along the top and a longer detour.
        let maze = try Maze(text: """
            S   G
             ### 
             ### 
                 
            #####
            """)
        let optimal = [0, 1, 2, 3, 4]
        #expect(MazePathValidator.validate(path: optimal, for: maze) == .correct)
        #expect(MazePathValidator.validate(prediction: maze.labelled(path: optimal).tokens, for: maze) == .correct)
        // Too long: the detour around the block.
        let detour = [0, 5, 10, 15, 16, 17, 18, 19, 14, 9, 4]
        #expect(MazePathValidator.validate(path: detour, for: maze) == .notOptimal(length: 11, optimal: 5))
        #expect(MazePathValidator.validate(prediction: maze.labelled(path: detour).tokens, for: maze)
                == .notOptimal(length: 11, optimal: 5))
        // Broken: a gap.
        var gap = maze.labelled(path: optimal).tokens
        gap[2] = MazeCell.open.rawValue
        #expect(MazePathValidator.validate(prediction: gap, for: maze) == .notAPath(cell: 1))
        #expect(MazePathValidator.validate(path: [0, 1, 3, 4], for: maze) == .notAPath(cell: 3))
        // Through a wall.
        var walled = maze.labelled(path: optimal).tokens
        walled[7] = MazeCell.path.rawValue
        #expect(MazePathValidator.validate(prediction: walled, for: maze) == .wallOnPath(cell: 7))
        #expect(MazePathValidator.validate(path: [0, 1, 6, 7], for: maze) == .wallOnPath(cell: 6))
        // A branch (extra stray cell) and a changed wall.
        var stray = maze.labelled(path: optimal).tokens
        stray[15] = MazeCell.path.rawValue
        #expect(MazePathValidator.validate(prediction: stray, for: maze) == .notAPath(cell: 15))
        var changed = maze.labelled(path: optimal).tokens
        changed[20] = MazeCell.open.rawValue
        #expect(MazePathValidator.validate(prediction: changed, for: maze) == .gridChanged(cell: 20))
        // Wrong endpoints, unknown token.
        #expect(MazePathValidator.validate(path: [1, 2, 3, 4], for: maze) == .notAPath(cell: 1))
        var unknown = maze.tokens; unknown[3] = 9
        #expect(MazePathValidator.validate(prediction: unknown, for: maze) == .gridChanged(cell: 3))
    }
}
