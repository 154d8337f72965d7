import AttractorDynamics
import AttractorNumerics

/// Helpers over `rows × dimension` row-major buffers shared by the diagnostics: row norms
/// and differences in Double whatever the map's scalar, and the row-index buffer that
/// tells a map which original row (input) each working row belongs to.
enum LatentBatch {
    /// `‖x_r‖₂` of row `r`, accumulated in Double.
    @inline(__always)
    static func rowNorm<S: AttractorNumerics.Scalar>(_ x: UnsafePointer<S>, row r: Int, dimension d: Int) -> Double {
        var s = 0.0
        for c in 0..<d { let v = Double(x[r * d + c]); s += v * v }
        return s.squareRoot()
    }

    /// `‖x_r − y_r‖₂`, accumulated in Double.
    @inline(__always)
    static func rowDistance<S: AttractorNumerics.Scalar>(
        _ x: UnsafePointer<S>, _ y: UnsafePointer<S>, row r: Int, dimension d: Int
    ) -> Double {
        var s = 0.0
        for c in 0..<d { let v = Double(x[r * d + c]) - Double(y[r * d + c]); s += v * v }
        return s.squareRoot()
    }

    /// Euclidean distance of two Double vectors.
    static func distance(_ a: ArraySlice<Double>, _ b: ArraySlice<Double>) -> Double {
        var s = 0.0
        for (x, y) in zip(a, b) { s += (x - y) * (x - y) }
        return s.squareRoot()
    }

    /// Scales each row of `x` to unit norm; returns the norms before scaling.
    static func normalizeRows<S: AttractorNumerics.Scalar>(
        _ x: UnsafeMutablePointer<S>, rows: Int, dimension d: Int, into norms: inout [Double]
    ) {
        for r in 0..<rows {
            let n = rowNorm(UnsafePointer(x), row: r, dimension: d)
            norms[r] = n
            if n > 0 { let inv = S(1 / n); for c in 0..<d { x[r * d + c] *= inv } }
        }
    }

    /// Checks a row-count/state-length pair and the original-row list.
    static func validate(stateCount: Int, rows: Int, dimension: Int, originalRows: [Int]?) throws(StabilityError) {
        guard dimension > 0 else { throw .invalidArgument("map dimension must be positive") }
        guard rows > 0 else { throw .invalidArgument("need at least one row, got \(rows)") }
        guard stateCount == rows * dimension else {
            throw .invalidArgument("state has \(stateCount) scalars, expected rows × dimension = \(rows) × \(dimension)")
        }
        if let o = originalRows, o.count != rows {
            throw .invalidArgument("originalRows has \(o.count) entries for \(rows) rows")
        }
    }

    /// Runs `body` with a `RowSelection` of `rows` rows mapping to `originalRows` (nil: identity).
    static func withSelection<R>(rows: Int, originalRows: [Int]?, _ body: (RowSelection) throws -> R) rethrows -> R {
        guard let o = originalRows else { return try body(RowSelection(count: rows)) }
        return try o.withUnsafeBufferPointer { try body(RowSelection(count: rows, indices: $0)) }
    }

    /// `rows × d` Gaussian entries with standard deviation `scale`, seeded.
    static func gaussian<S: AttractorNumerics.Scalar>(rows: Int, dimension d: Int, scale: Double, seed: UInt64) -> [S] {
        var x = [Double](repeating: 0, count: rows * d)
        RandomSource(seed: seed).fillGaussian(&x, sigma: scale)
        return x.map { S($0) }
    }
}
