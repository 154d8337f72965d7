import AttractorNumerics

/// A named model parameter, for reports (`--format json`'s `parameters`).
public struct SDEParameter: Sendable, Equatable {
    public let name: String
    public let value: Double
    public init(_ name: String, _ value: Double) {
        self.name = name
        self.value = value
    }
}

/// An SDE that is its own drift and noise field and knows the exact mean and variance of
/// its solution, per component, at any time: the test problems of `SDEEnsemble`.
///
/// The process is fixed by the model; `calculus` only says in which form the drift is
/// exposed to a solver, so that Itô schemes (Euler–Maruyama, Milstein) and Stratonovich
/// schemes (stochastic Heun) converge to the same process and the same exact moments.
public protocol ExactMomentsSDE<Scalar>: VectorField, NoiseField {
    /// The form the drift `evaluate` writes.
    var calculus: SDECalculus { get }
    /// The same process with its drift written for `calculus`.
    func withCalculus(_ calculus: SDECalculus) -> Self
    /// The initial state of every row (`dimension` values).
    var initialState: [Double] { get }
    var t0: Double { get }
    /// The default end time.
    var defaultEndTime: Double { get }
    /// Model parameters, for reports.
    var parameters: [SDEParameter] { get }
    /// `E[X_t]` per component.
    func exactMean(at t: Double) -> [Double]
    /// `Var[X_t]` per component.
    func exactVariance(at t: Double) -> [Double]
}
