import AttractorNumerics

/// Which batch rows an evaluation covers.
///
/// Solvers hand a field a *compacted* block of `count` rows. When some rows have been
/// retired (a steady-state event fired for them), `indices[i]` is the original batch row
/// of compacted row `i`, so a field with per-row data (an input embedding, a per-row
/// parameter) can look it up. `indices == nil` means the identity `0..<count`.
public struct RowSelection {
    public let count: Int
    public let indices: UnsafeBufferPointer<Int>?

    @inlinable public init(count: Int, indices: UnsafeBufferPointer<Int>? = nil) {
        self.count = count
        self.indices = indices
    }

    /// The original batch row of compacted row `i`.
    @inlinable public func originalRow(_ i: Int) -> Int { indices.map { $0[i] } ?? i }
}

/// A (possibly time-dependent) vector field `dz/dt = f(t, z)` over batched state.
///
/// State is `rows × dimension`, row-major and contiguous. Rows are independent: the
/// derivative of row `r` depends on row `r` of the state only (and on `t`). Fields
/// are reference or value types; they own any scratch memory they need so that an
/// evaluation allocates nothing.
public protocol VectorField<Scalar> {
    associatedtype Scalar: AttractorNumerics.Scalar
    /// Length of one row of state.
    var dimension: Int { get }
    /// Whether `f` ignores `t` (lets steady-state checks and caches skip time).
    var isAutonomous: Bool { get }
    /// Writes `f(t, z)` for `rows.count` rows of `state` into `derivative`.
    func evaluate(
        t: Scalar, state: UnsafePointer<Scalar>, derivative: UnsafeMutablePointer<Scalar>,
        rows: RowSelection)
}

extension VectorField {
    public var isAutonomous: Bool { false }
}

/// A vector field that also supplies its Jacobian `∂f/∂z` (dense, per row), for stiff
/// solvers such as GSL's `msbdf`.
public protocol JacobianVectorField<Scalar>: VectorField {
    /// Writes the `dimension × dimension` row-major Jacobian of `f` at one row of state
    /// (`state` points at `dimension` scalars), and `∂f/∂t` into `timeDerivative`.
    func jacobian(
        t: Scalar, state: UnsafePointer<Scalar>, jacobian: UnsafeMutablePointer<Scalar>,
        timeDerivative: UnsafeMutablePointer<Scalar>, row: Int)
}

/// The structure of an SDE's noise term `g(t, z) dW`.
public enum NoiseKind: String, Sendable, CaseIterable {
    /// One Brownian motion shared by every component: `g` is a `dimension` vector, `dW` scalar.
    case scalar
    /// State-independent `g(t)` (diagonal), one Brownian motion per component.
    case additive
    /// State-dependent diagonal `g(t, z)`, one Brownian motion per component.
    case diagonal
}

/// The diffusion `g(t, z)` of an SDE `dz = f(t, z) dt + g(t, z) dW`.
///
/// For all three `NoiseKind`s, `g` is written as `rows × dimension` (the diagonal of the
/// diffusion matrix, or for scalar noise the column multiplying the single `dW`).
public protocol NoiseField<Scalar> {
    associatedtype Scalar: AttractorNumerics.Scalar
    var dimension: Int { get }
    var noiseKind: NoiseKind { get }
    /// Writes `g(t, z)` for `rows.count` rows into `diffusion`.
    func diffusion(
        t: Scalar, state: UnsafePointer<Scalar>, diffusion: UnsafeMutablePointer<Scalar>,
        rows: RowSelection)
    /// Writes `∂g_i/∂z_i` (the diagonal derivative Milstein needs) for `rows.count` rows.
    /// Returns `false` when the field cannot supply it (Milstein then refuses the field).
    func diffusionDerivative(
        t: Scalar, state: UnsafePointer<Scalar>, derivative: UnsafeMutablePointer<Scalar>,
        rows: RowSelection) -> Bool
}

extension NoiseField {
    public func diffusionDerivative(
        t: Scalar, state: UnsafePointer<Scalar>, derivative: UnsafeMutablePointer<Scalar>,
        rows: RowSelection
    ) -> Bool { false }
}

/// A field built from a closure, for tests, examples and one-off problems.
public struct ClosureVectorField<Scalar: AttractorNumerics.Scalar>: VectorField {
    public let dimension: Int
    public let isAutonomous: Bool
    private let body: (Scalar, UnsafePointer<Scalar>, UnsafeMutablePointer<Scalar>, RowSelection) -> Void

    /// `body(t, state, derivative, rows)` evaluates all `rows.count` rows.
    public init(
        dimension: Int, isAutonomous: Bool = false,
        _ body: @escaping (Scalar, UnsafePointer<Scalar>, UnsafeMutablePointer<Scalar>, RowSelection) -> Void
    ) {
        self.dimension = dimension
        self.isAutonomous = isAutonomous
        self.body = body
    }

    public func evaluate(
        t: Scalar, state: UnsafePointer<Scalar>, derivative: UnsafeMutablePointer<Scalar>,
        rows: RowSelection
    ) { body(t, state, derivative, rows) }
}
