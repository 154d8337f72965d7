import AttractorNumerics
import Dispatch

extension ODEGradientSolver {
    /// Contiguous row blocks of a `rows`-row batch, one per worker.
    private static func blocks(rows: Int, count: Int) -> [Range<Int>] {
        let per = (rows + count - 1) / count
        return (0..<count).compactMap { b in
            let start = b * per
            return start < rows ? start..<min(start + per, rows) : nil
        }
    }

    /// Runs `work(block, field, rowRange)` for every block concurrently and returns the results in order.
    private func concurrently<R>(
        rows: Int, fields: [Field], _ work: (Field, Range<Int>) throws(GradientError) -> R
    ) throws(GradientError) -> [R] {
        let ranges = Self.blocks(rows: rows, count: fields.count)
        var results = [Result<R, GradientError>?](repeating: nil, count: ranges.count)
        results.withUnsafeMutableBufferPointer { out in
            withoutActuallyEscaping(work) { work in
                let body: (Int) -> Void = { b in
                    do throws(GradientError) {
                        out[b] = .success(try work(fields[b], ranges[b]))
                    } catch {
                        out[b] = .failure(error)
                    }
                }
                withoutActuallyEscaping(body) { body in
                    nonisolated(unsafe) let body = body
                    DispatchQueue.concurrentPerform(iterations: ranges.count) { b in body(b) }
                }
            }
        }
        return try results.map { r throws(GradientError) in try r!.get() }
    }

    private func validateSplit(_ z0: [Scalar], rows: Int, fields: [Field]) throws(GradientError) {
        guard case .fixed = integration else {
            throw .unsupported(strategy: "batch split", reason: "adaptive steps would differ per block; split only fixed-step solves")
        }
        guard !fields.isEmpty, fields.allSatisfy({ $0.dimension == field.dimension && $0.parameterCount == field.parameterCount }) else {
            throw .invalidArgument("batch split needs one field per block, each like the solver's field")
        }
        guard rows > 0, z0.count == rows * field.dimension else {
            throw .solver(.dimensionMismatch(expected: rows * field.dimension, got: z0.count, what: "initial state"))
        }
    }

    /// `solve` with the batch split into row blocks integrated concurrently, one per field in
    /// `blockFields` (separate instances with the same parameters, so that no scratch memory
    /// is shared). Rows are independent, so the result equals the unsplit fixed-step solve.
    public func solve(initialState z0: [Scalar], rows: Int, blockFields: [Field]) throws(GradientError) -> (finalState: [Scalar], statistics: GradientStatistics) {
        try validateSplit(z0, rows: rows, fields: blockFields)
        let d = field.dimension
        let parts = try concurrently(rows: rows, fields: blockFields) { f, range throws(GradientError) in
            var s = self
            s.field = f
            return try s.solve(initialState: Array(z0[(range.lowerBound * d)..<(range.upperBound * d)]), rows: range.count)
        }
        var stats = parts[0].statistics
        stats.peakBytes = parts.reduce(0) { $0 + $1.statistics.peakBytes }
        return (parts.flatMap(\.finalState), stats)
    }

    /// `gradient` with the batch split into row blocks processed concurrently, one per field in
    /// `blockFields`. The loss must be a sum over rows (as `halfSquaredNorm` is); parameter
    /// gradients and losses of the blocks are summed. Equals the unsplit fixed-step result up
    /// to the order of that summation. Statistics are those of one block (evaluations per
    /// batch call), with the blocks' stored bytes added up.
    public func gradient(
        initialState z0: [Scalar], rows: Int, loss: TerminalLoss<Scalar>, strategy: GradientStrategy, blockFields: [Field]
    ) throws(GradientError) -> GradientResult<Scalar> {
        try validateSplit(z0, rows: rows, fields: blockFields)
        let d = field.dimension
        let parts = try concurrently(rows: rows, fields: blockFields) { f, range throws(GradientError) in
            var s = self
            s.field = f
            return try s.gradient(initialState: Array(z0[(range.lowerBound * d)..<(range.upperBound * d)]),
                                  rows: range.count, loss: loss, strategy: strategy)
        }
        var merged = parts[0]
        for p in parts.dropFirst() {
            merged.loss += p.loss
            merged.finalState += p.finalState
            merged.initialStateGradient += p.initialStateGradient
            for i in merged.parameterGradient.indices { merged.parameterGradient[i] += p.parameterGradient[i] }
            merged.statistics.peakBytes += p.statistics.peakBytes
        }
        return merged
    }
}
