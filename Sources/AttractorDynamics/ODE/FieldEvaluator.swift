import AttractorNumerics

/// A vector field with its type erased to its scalar (`any VectorField<Scalar>`), with
/// time in Double: what `RungeKuttaStepper` and the solvers call.
///
/// Why: the solvers are generic over the scalar only, so they are compiled once per
/// scalar type (Float, Double) into concrete loops, whatever the field type and from
/// whichever module they are called; the field is reached through one existential call
/// per evaluation. Building one may box the field (one allocation per solve); calling
/// it allocates nothing.
public struct FieldEvaluator<Scalar: AttractorNumerics.Scalar> {
    public let field: any VectorField<Scalar>
    public let dimension: Int
    public let isAutonomous: Bool

    public init<F: VectorField>(_ field: F) where F.Scalar == Scalar {
        self.field = field
        dimension = field.dimension
        isAutonomous = field.isAutonomous
    }

    /// Writes `f(t, state)` for `rows.count` rows into `derivative`.
    @inlinable @inline(__always)
    public func evaluate(t: Double, state: UnsafePointer<Scalar>, derivative: UnsafeMutablePointer<Scalar>, rows: RowSelection) {
        field.evaluate(t: Scalar(t), state: state, derivative: derivative, rows: rows)
    }

    /// This evaluator with the scalar type spelled `T` (which must be `Scalar`).
    func reinterpreted<T: AttractorNumerics.Scalar>(as: T.Type) -> FieldEvaluator<T> {
        unsafeBitCast(self, to: FieldEvaluator<T>.self)
    }
}
