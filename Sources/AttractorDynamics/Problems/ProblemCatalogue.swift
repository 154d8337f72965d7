import AttractorNumerics

/// The built-in problems by name, for `attractor integrate`, examples and benchmarks.
///
/// ODE problems: `lorenz`, `pleiades`, `vanderpol`, `robertson`, `contraction`. SDE
/// problems (`gbm`, `ou`) register beside them with their own `make…` function; the CLI
/// asks `kind(of:)` which solver family a name belongs to.
public enum ProblemCatalogue {
    /// Which family of solvers a named problem needs.
    public enum Kind: Sendable { case ode, sde }

    /// Knobs some problems take; unused ones are ignored by the others.
    public struct Settings: Sendable {
        /// Van der Pol's `μ`.
        public var mu: Double = 1
        /// State dimension of `contraction`.
        public var dimension: Int = 16
        /// Seed for problems with random data (`contraction`).
        public var seed: UInt64 = 0
        /// Batch rows for problems that take several initial states (`contraction`).
        public var rows: Int = 1

        public init(mu: Double = 1, dimension: Int = 16, seed: UInt64 = 0, rows: Int = 1) {
            self.mu = mu
            self.dimension = dimension
            self.seed = seed
            self.rows = rows
        }
    }

    /// The ODE problem names, in the order the CLI lists them.
    public static let odeNames = ["lorenz", "pleiades", "vanderpol", "robertson", "contraction"]

    /// The SDE problem names (`SDECatalogue`: `gbm`, `ou`).
    public static var sdeNames: [String] { SDECatalogue.problemNames }

    /// Every problem name.
    public static var names: [String] { odeNames + sdeNames }

    /// Which solver family `name` needs, or nil for an unknown name.
    public static func kind(of name: String) -> Kind? {
        if odeNames.contains(name) { return .ode }
        if sdeNames.contains(name) { return .sde }
        return nil
    }

    /// The ODE problem called `name`, or nil if there is none.
    public static func ode(named name: String, settings: Settings = Settings()) -> ODEProblem? {
        switch name {
        case "lorenz":
            let f = Lorenz()
            return ODEProblem(name: name, field: f, initialState: [1, 1, 1], t1: 10,
                              parameters: [("sigma", f.sigma), ("rho", f.rho), ("beta", f.beta)])
        case "pleiades":
            return ODEProblem(name: name, field: Pleiades(), initialState: Pleiades.initialState, t1: 3)
        case "vanderpol":
            return ODEProblem(name: name, field: VanDerPol(mu: settings.mu), initialState: [2, 0], t1: 20,
                              parameters: [("mu", settings.mu)], isStiff: settings.mu >= 100)
        case "robertson":
            return ODEProblem(name: name, field: Robertson(), initialState: [1, 0, 0], t1: 40,
                              parameters: [("k1", 0.04), ("k2", 3e7), ("k3", 1e4)], isStiff: true)
        case "contraction":
            guard settings.dimension > 0, settings.rows > 0 else { return nil }
            let f = ContractionField<Double>(dimension: settings.dimension, seed: settings.seed)
            return ODEProblem(name: name, field: f, initialState: f.initialState(rows: settings.rows, seed: settings.seed),
                              t1: 50,
                              parameters: [("dim", Double(settings.dimension)), ("seed", Double(settings.seed)),
                                           ("rows", Double(settings.rows)), ("spectral_norm", f.contraction)])
        default:
            return nil
        }
    }
}
