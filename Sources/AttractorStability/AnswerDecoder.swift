/// Reads a discrete answer (e.g. the 81 digits of a Sudoku) off one latent row; the
/// diagnostics compare answers, never latents, when a decoder is given.
/// `row` is the map's row (input) the latent belongs to.
public typealias AnswerDecoder = (_ latent: ArraySlice<Double>, _ row: Int) -> [Int]

/// Majority vote over answers.
public enum AnswerVote {
    /// The most frequent answer (ties: first seen) and the fraction that agree with it.
    public static func majority(_ answers: [[Int]]) -> (answer: [Int], agreement: Double)? {
        guard !answers.isEmpty else { return nil }
        var counts: [[Int]: Int] = [:]
        var order: [[Int]] = []
        for a in answers {
            if counts[a] == nil { order.append(a) }
            counts[a, default: 0] += 1
        }
        let best = order.max { counts[$0]! < counts[$1]! }!
        // `max` returns the last of equal maxima; take the first instead.
        let top = counts[best]!
        let first = order.first { counts[$0]! == top }!
        return (first, Double(top) / Double(answers.count))
    }
}
