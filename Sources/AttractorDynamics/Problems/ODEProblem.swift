import AttractorNumerics

/// A named initial-value problem in Double: the field, its initial state, time span and
/// parameters, as the CLI, examples and benchmarks use it.
public struct ODEProblem {
    public let name: String
    public let field: any VectorField<Double>
    /// `rows × dimension` initial state (most problems have one row).
    public let initialState: [Double]
    public let t0: Double
    public let t1: Double
    /// The problem's parameters in display order (for reports and JSON output).
    public let parameters: [(name: String, value: Double)]
    /// Whether explicit methods are expected to struggle (stability-limited steps).
    public let isStiff: Bool

    public init(name: String, field: any VectorField<Double>, initialState: [Double], t0: Double = 0, t1: Double,
                parameters: [(name: String, value: Double)] = [], isStiff: Bool = false) {
        self.name = name
        self.field = field
        self.initialState = initialState
        self.t0 = t0
        self.t1 = t1
        self.parameters = parameters
        self.isStiff = isStiff
    }

    public var dimension: Int { field.dimension }
    public var rows: Int { initialState.count / max(field.dimension, 1) }

    /// Solves this problem (from its own initial state) with `method`.
    public func solve(
        t1: Double? = nil, method: ODEMethod, options: SolverOptions = SolverOptions()
    ) throws(SolverError) -> Solution<Double> {
        try ODESolver.solve(field, initialState: initialState, t0: t0, t1: t1 ?? self.t1, method: method, options: options)
    }
}
