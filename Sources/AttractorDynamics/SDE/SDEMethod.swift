/// The stochastic calculus an SDE's drift is written in. The same process has drift `f` in
/// Itô form and `f − ½ g ∂g/∂z` (diagonal noise) in Stratonovich form.
public enum SDECalculus: String, Sendable, CaseIterable {
    case ito
    case stratonovich
}

/// Fixed-step SDE schemes. See `Docs/SDE.md` for the math.
///
/// | method | calculus | strong order | weak order | f / g evaluations per step |
/// | --- | --- | --- | --- | --- |
/// | `eulerMaruyama` | Itô | 0.5 (1 for additive noise) | 1 | 1 / 1 |
/// | `milstein` | Itô | 1 (diagonal noise) | 1 | 1 / 2 (g and ∂g/∂z) |
/// | `stochasticHeun` | Stratonovich | 1 (commutative/additive noise), 0.5 general | 1 | 2 / 2 |
public enum SDEMethod: String, Sendable, CaseIterable {
    case eulerMaruyama = "euler-maruyama"
    case milstein = "milstein"
    case stochasticHeun = "sde-heun"

    /// The calculus whose solution the scheme converges to.
    public var calculus: SDECalculus {
        switch self {
        case .eulerMaruyama, .milstein: return .ito
        case .stochasticHeun: return .stratonovich
        }
    }

    /// Strong order for the noise the scheme is meant for (diagonal, or commutative for Heun).
    public var strongOrder: Double {
        switch self {
        case .eulerMaruyama: return 0.5
        case .milstein, .stochasticHeun: return 1
        }
    }

    public var weakOrder: Double { 1 }
}
