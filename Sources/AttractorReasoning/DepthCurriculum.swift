import Foundation

/// A depth curriculum (CGAR's): the first part of training runs shallower segments —
/// fewer low-level steps `n` and cycles `T` — and the rest the configuration's own depth.
/// Written `"2x1@0.2,4x2@0.5"`: `(n, T) = (2, 1)` for the first 20% of the schedule's steps,
/// `(4, 2)` until 50%, then the configured `(lowSteps, cycles)`. The empty string is no
/// curriculum. A shallow step costs fewer evaluations of `F`, so a CPU budget buys more steps.
///
/// The stage of a step depends only on the step and the schedule's length, so a resumed run
/// takes exactly the steps of an uninterrupted one.
public struct DepthCurriculum: Equatable, Sendable {
    public struct Stage: Equatable, Sendable {
        public var lowSteps: Int
        public var cycles: Int
        /// The stage runs while `step < until · totalSteps`.
        public var until: Double
    }

    public let stages: [Stage]

    public var isEmpty: Bool { stages.isEmpty }

    /// Parses `"nxT@f,…"` (`×` is accepted for `x`). Throws `invalidConfiguration` naming the
    /// part that is wrong: a malformed stage, a depth that is not positive, fractions that are
    /// not increasing inside (0, 1).
    public init(parsing text: String) throws(ReasoningError) {
        let trimmed = text.filter { !$0.isWhitespace }
        guard !trimmed.isEmpty else { stages = []; return }
        var parsed: [Stage] = []
        for part in trimmed.split(separator: ",", omittingEmptySubsequences: false) {
            let pieces = part.replacingOccurrences(of: "×", with: "x").split(separator: "@", omittingEmptySubsequences: false)
            let depth = pieces.first.map { $0.split(separator: "x", omittingEmptySubsequences: false) } ?? []
            guard pieces.count == 2, depth.count == 2, let n = Int(depth[0]), let t = Int(depth[1]),
                  let until = Double(pieces[1]) else {
                throw .invalidConfiguration("training.depthCurriculum: '\(part)' is not a stage nxT@fraction (e.g. 2x1@0.2,4x2@0.5)")
            }
            guard n >= 1, t >= 1 else {
                throw .invalidConfiguration("training.depthCurriculum: '\(part)' needs n ≥ 1 and T ≥ 1")
            }
            let previous = parsed.last?.until ?? 0
            guard until > previous, until < 1.0 else {
                throw .invalidConfiguration("training.depthCurriculum: the fractions must increase inside (0, 1), got '\(part)'")
            }
            parsed.append(Stage(lowSteps: n, cycles: t, until: until))
        }
        stages = parsed
    }

    /// The curriculum run under a configured depth `(lowSteps, cycles)`: each stage capped at
    /// it (`min` of each), so a stage never runs deeper than the model it trains (a preset's
    /// curriculum still works when `--set lowSteps=2` makes the model shallower than a stage).
    public func capped(lowSteps: Int, cycles: Int) -> DepthCurriculum {
        DepthCurriculum(stages: stages.map { Stage(lowSteps: min($0.lowSteps, lowSteps), cycles: min($0.cycles, cycles), until: $0.until) })
    }

    private init(stages: [Stage]) { self.stages = stages }

    /// `(lowSteps, cycles)` of the step after `step` steps done, in a schedule of
    /// `totalSteps`; `full` after the last stage.
    public func depth(step: Int, totalSteps: Int, full: (lowSteps: Int, cycles: Int)) -> (lowSteps: Int, cycles: Int) {
        for s in stages where Double(step) < s.until * Double(totalSteps) { return (s.lowSteps, s.cycles) }
        return full
    }

    /// The relative cost of one training segment at depth `(n, T)`: `(n + 1)·T` forward steps
    /// plus the taped ones' backward pass at about twice a forward step (`taped(n)` steps),
    /// plus `overhead`: the passes of `F` per example that do not scale with depth (the
    /// regularisers' residual evaluations and probes), measured by the budget fit. What is not
    /// a pass of `F` (embedding, heads, optimiser) is left out, so shallow stages come out a
    /// little cheaper than they are. Without the overhead the cmm `tiny` preset's (2, 1) step
    /// was priced 3.9× cheaper than its (6, 3) one where it measured 2.9× (a fitted schedule
    /// ended early); with its measured 2.3 forward and 1.5 backward extra passes, 2.8×.
    public static func segmentCost(lowSteps n: Int, cycles t: Int, tapedSteps: (Int) -> Int,
                                   overhead: Overhead = .none) -> Double {
        Double((n + 1) * t) + overhead.forward + 2 * (Double(tapedSteps(n)) + overhead.backward)
    }

    /// Passes of `F` per example and step that do not depend on the depth.
    public struct Overhead: Equatable, Sendable {
        public var forward: Double
        public var backward: Double
        public init(forward: Double, backward: Double) {
            self.forward = forward
            self.backward = backward
        }
        public static let none = Overhead(forward: 0, backward: 0)

        /// The overhead in `forward`/`backward` passes per example measured at depth `(n, T)`:
        /// what exceeds the depth's own `(n + 1)·T` and `taped(n)` (never below zero).
        public init(measuredForward forward: Double, backward: Double, lowSteps n: Int, cycles t: Int,
                    tapedSteps: (Int) -> Int) {
            self.init(forward: max(0, forward - Double((n + 1) * t)), backward: max(0, backward - Double(tapedSteps(n))))
        }
    }

    /// The relative cost of steps `from..<to` of a schedule of `totalSteps`.
    public func cost(from: Int, to: Int, totalSteps: Int, full: (lowSteps: Int, cycles: Int),
                     tapedSteps: (Int) -> Int, overhead: Overhead = .none) -> Double {
        cost(from: from, to: to, totalSteps: totalSteps, full: full) {
            Self.segmentCost(lowSteps: $0, cycles: $1, tapedSteps: tapedSteps, overhead: overhead)
        }
    }

    /// Steps `from..<to` of a schedule of `totalSteps`, each priced by `price(n, T)` at its
    /// stage's depth.
    public func cost(from: Int, to: Int, totalSteps: Int, full: (lowSteps: Int, cycles: Int),
                     price: (Int, Int) -> Double) -> Double {
        guard to > from else { return 0 }
        var total = 0.0, start = from
        for s in stages {
            let end = min(to, Int((s.until * Double(totalSteps)).rounded(.up)))
            if end > start {
                total += Double(end - start) * price(s.lowSteps, s.cycles)
                start = end
            }
        }
        if to > start { total += Double(to - start) * price(full.lowSteps, full.cycles) }
        return total
    }
}
