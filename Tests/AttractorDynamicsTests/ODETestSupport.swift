import AttractorDynamics
import AttractorNumerics
import Foundation

/// `y' = y·cos t` per component, exact solution `y0·exp(sin t)`; non-autonomous, so
/// the `c_i` of a tableau matter.
struct ExpSineField<Scalar: AttractorNumerics.Scalar>: VectorField {
    let dimension: Int
    func evaluate(t: Scalar, state: UnsafePointer<Scalar>, derivative: UnsafeMutablePointer<Scalar>, rows: RowSelection) {
        let c = Scalar(Foundation.cos(Double(t)))
        for e in 0..<(rows.count * dimension) { derivative[e] = state[e] * c }
    }
    static func exact(_ y0: Double, at t: Double) -> Double { y0 * Foundation.exp(Foundation.sin(t)) }
}

/// Wraps a field and records, per call, how many rows it saw and which original rows.
final class RecordingField<Inner: VectorField>: VectorField {
    typealias Scalar = Inner.Scalar
    let inner: Inner
    var calls = 0
    /// Evaluations that included each original row.
    var evaluationsPerRow: [Int]
    var isAutonomous: Bool { inner.isAutonomous }
    var dimension: Int { inner.dimension }

    init(_ inner: Inner, rows: Int) {
        self.inner = inner
        evaluationsPerRow = Array(repeating: 0, count: rows)
    }

    func evaluate(t: Scalar, state: UnsafePointer<Scalar>, derivative: UnsafeMutablePointer<Scalar>, rows: RowSelection) {
        calls += 1
        for i in 0..<rows.count { evaluationsPerRow[rows.originalRow(i)] += 1 }
        inner.evaluate(t: t, state: state, derivative: derivative, rows: rows)
    }
}

/// Least-squares slope of `log y` against `log x`.
func logLogSlope(_ x: [Double], _ y: [Double]) -> Double {
    let lx = x.map { Foundation.log($0) }, ly = y.map { Foundation.log($0) }
    let mx = lx.reduce(0, +) / Double(lx.count), my = ly.reduce(0, +) / Double(ly.count)
    var num = 0.0, den = 0.0
    for i in lx.indices {
        num += (lx[i] - mx) * (ly[i] - my)
        den += (lx[i] - mx) * (lx[i] - mx)
    }
    return num / den
}
