/// A GSL `gsl_odeiv2` stepper available through `ODESolver`.
public enum GSLStepper: String, Sendable, CaseIterable {
    /// Runge–Kutta–Fehlberg 4(5), adaptive (6 evaluations per step).
    case rkf45
    /// Prince–Dormand 8(9), adaptive (13 evaluations per step); for reference solutions.
    case rk8pd
    /// Variable-order (1–5) BDF, the stiff solver; needs a `JacobianVectorField`.
    case msbdf
}

/// How `ODESolver` integrates.
public enum ODEMethod: Sendable, Equatable, CustomStringConvertible {
    /// A fixed-step explicit Runge–Kutta method given by its tableau
    /// (`SolverOptions.stepSize` required).
    case rungeKutta(ButcherTableau)
    /// Adaptive Dormand–Prince 5(4) with PI control and dense output.
    case dormandPrince54
    /// A GSL `gsl_odeiv2` stepper (Double arithmetic inside GSL).
    case gsl(GSLStepper)

    public static let euler = ODEMethod.rungeKutta(.euler)
    public static let midpoint = ODEMethod.rungeKutta(.midpoint)
    public static let heun = ODEMethod.rungeKutta(.heun)
    public static let rk4 = ODEMethod.rungeKutta(.rk4)

    /// The method's command-line name: `euler`, `midpoint`, `heun`, `rk4`, `dopri5`,
    /// `gsl-rkf45`, `gsl-rk8pd`, `gsl-msbdf`.
    public var name: String {
        switch self {
        case let .rungeKutta(t): return t.name
        case .dormandPrince54: return "dopri5"
        case let .gsl(s): return "gsl-\(s.rawValue)"
        }
    }

    public var description: String { name }

    /// Whether the method chooses its own steps.
    public var isAdaptive: Bool {
        if case .rungeKutta = self { return false }
        return true
    }

    /// Every named ODE method, in the order the CLI lists them.
    public static let all: [ODEMethod] = [
        .euler, .midpoint, .heun, .rk4, .dormandPrince54, .gsl(.rkf45), .gsl(.rk8pd), .gsl(.msbdf),
    ]

    /// The method with command-line name `name`, if any.
    public static func named(_ name: String) -> ODEMethod? { all.first { $0.name == name } }
}
