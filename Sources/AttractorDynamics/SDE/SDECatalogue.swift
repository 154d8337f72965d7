/// A name the SDE catalogue does not know.
public enum SDECatalogueError: Error, Equatable, Sendable, CustomStringConvertible {
    case unknownProblem(String, valid: [String])
    case unknownMethod(String, valid: [String])

    public var description: String {
        switch self {
        case let .unknownProblem(name, valid):
            return "unknown SDE problem '\(name)'; valid problems: \(valid.joined(separator: ", "))"
        case let .unknownMethod(name, valid):
            return "unknown SDE method '\(name)'; valid methods: \(valid.joined(separator: ", "))"
        }
    }
}

/// The built-in SDE problems with exact moments, by name, with their default parameters
/// (documented in `Docs/SDE.md`):
///
/// | name | SDE | defaults |
/// | --- | --- | --- |
/// | `gbm` | `dX = μX dt + σX dW` | μ 0.5, σ 0.4, X₀ 1, t1 1 |
/// | `ou` | `dX = θ(μ − X) dt + σ dW` | θ 1, μ 1, σ 0.5, X₀ 0, t1 5 |
public enum SDECatalogue {
    public static let problemNames = ["gbm", "ou"]
    public static var methodNames: [String] { SDEMethod.allCases.map(\.rawValue) }
    /// Default fixed step for catalogue runs.
    public static let defaultStepSize = 0.01

    /// Whether `name` is a catalogue problem.
    public static func contains(_ name: String) -> Bool { problemNames.contains(name) }

    /// The method named `name` (`euler-maruyama`, `milstein`, `sde-heun`).
    public static func method(named name: String) throws -> SDEMethod {
        guard let m = SDEMethod(rawValue: name) else { throw SDECatalogueError.unknownMethod(name, valid: methodNames) }
        return m
    }

    /// The default end time of problem `name`.
    public static func defaultEndTime(of name: String) throws -> Double {
        switch name {
        case "gbm": return GeometricBrownianMotion<Double>().defaultEndTime
        case "ou": return OrnsteinUhlenbeck<Double>().defaultEndTime
        default: throw SDECatalogueError.unknownProblem(name, valid: problemNames)
        }
    }

    /// Runs `paths` sample paths of catalogue problem `problem` with method `method`
    /// (the call behind `attractor integrate gbm|ou --method … --paths N`).
    /// - Parameters:
    ///   - dt: fixed step (default `defaultStepSize`); t1: end time (default the problem's).
    public static func run(problem: String, method: String, dt: Double? = nil, t1: Double? = nil,
                           seed: UInt64 = 0, paths: Int = 1, repeats: Int = 1) throws -> SDEEnsembleResult {
        let m = try self.method(named: method)
        let h = dt ?? defaultStepSize
        switch problem {
        case "gbm":
            return try SDEEnsemble.run(GeometricBrownianMotion<Double>(), name: problem, method: m, dt: h, t1: t1,
                                       seed: seed, paths: paths, repeats: repeats)
        case "ou":
            return try SDEEnsemble.run(OrnsteinUhlenbeck<Double>(), name: problem, method: m, dt: h, t1: t1,
                                       seed: seed, paths: paths, repeats: repeats)
        default:
            throw SDECatalogueError.unknownProblem(problem, valid: problemNames)
        }
    }
}
