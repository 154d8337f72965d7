import AttractorNumerics

/// Sizes a suite asks for, checked when the suite is loaded (before any check runs):
/// counts must fit in an `Int`, and the memory of each check must fit `MemoryBudget`.
enum SuiteBudget {
    /// Integers above 2⁵³ are not exact as JSON numbers, and far beyond any sane count.
    static let largestInteger = 9_007_199_254_740_992.0

    static func check(_ checks: [ValidationSuite.Check], target: SuiteParameters,
                      fail: (String) -> StabilityError) throws(StabilityError) {
        typealias M = MemoryBudget
        let dimension = target.integer("dimension") ?? 16
        for (i, check) in checks.enumerated() {
            let p = check.parameters
            let context = "check \(i + 1) (\(check.kind.rawValue))"
            var bytes: Int? = 0
            var what = context
            switch check.kind {
            case .sdeStrongOrder, .sdeWeakOrder:
                let paths = p.integer("paths") ?? 0
                // State, stages, noise and the Brownian path's increments (about 64 Doubles a path).
                bytes = M.product(paths, 8, 64)
                what = "\(context) with paths \(paths)"
            case .adjointMemory:
                if let steps = p.numbers("steps"), let bad = steps.first(where: { $0 < 1 || $0 > 1e9 || $0 != $0.rounded() }) {
                    throw fail("\(context): 'steps' holds \(bad), expected integers in 1…10⁹")
                }
            default:
                if check.kind.needsTarget {
                    let samples = max(p.integer("samples") ?? 0, p.integer("puzzles") ?? 0, 1)
                    let dense = p.integer("dense_limit") ?? 0
                    bytes = M.sum(M.product(samples, dimension, 8, 32), M.product(dimension, dimension, 8, 4),
                                  M.product(dense, dense, 8, 4))
                    what = "\(context) with \(samples) samples of dimension \(dimension)"
                }
            }
            do { try M.require(bytes: bytes, what: what) } catch { throw fail(error.description) }
        }
    }
}
