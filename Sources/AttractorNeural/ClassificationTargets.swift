import AttractorNumerics

/// Target checking shared by the classification losses.
enum ClassificationTargets {
    /// Number of rows whose target is not `ignoreIndex`, after checking every counted
    /// target lies in `0..<classes`.
    /// - Throws: `.invalidConfiguration` for no classes, `.tokenOutOfRange` for a bad target.
    static func countCounted(
        _ targets: UnsafePointer<Int32>, rows: Int, classes: Int, ignoreIndex: Int32
    ) throws(NeuralError) -> Int {
        guard classes > 0 else { throw .invalidConfiguration("a classification loss needs at least one class") }
        var count = 0
        for r in 0..<rows where targets[r] != ignoreIndex {
            guard targets[r] >= 0 && Int(targets[r]) < classes else {
                throw .tokenOutOfRange(token: Int(targets[r]), vocabulary: classes)
            }
            count += 1
        }
        return count
    }
}
