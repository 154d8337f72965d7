/// The checks a suite file can name, each with its parameter schema (`SuiteSchema`).
public enum CheckKind: String, CaseIterable, Sendable, Codable {
    // solvers
    case odeOrder = "ode-order"
    case adaptiveReference = "adaptive-reference"
    case stiffConservation = "stiff-conservation"
    case sdeStrongOrder = "sde-strong-order"
    case sdeWeakOrder = "sde-weak-order"
    // gradients
    case gradientCheck = "gradient-check"
    case adjointMemory = "adjoint-memory"
    // equilibrium (on the suite's target)
    case convergence
    case localStability = "local-stability"
    case lyapunov
    case basins
    case fixedPoint = "fixed-point"
    case noise

    /// Whether the check runs on the suite's `target` (a model or field).
    public var needsTarget: Bool {
        switch self {
        case .convergence, .localStability, .lyapunov, .basins, .fixedPoint, .noise: return true
        default: return false
        }
    }

    var schema: [String: SuiteSchema.Entry] {
        typealias E = SuiteSchema.Entry
        switch self {
        case .odeOrder:
            return ["methods": E(.strings, .strings(["euler", "midpoint", "heun", "rk4", "dopri5"]),
                                 choices: ["euler", "midpoint", "heun", "rk4", "dopri5"]),
                    "tolerance": E(.positiveNumber, .number(0.2)),
                    "largest_step": E(.positiveNumber, .number(0.2)),
                    "halvings": E(.integer, .number(4))]
        case .adaptiveReference:
            return ["methods": E(.strings, .strings(["dopri5", "gsl-rkf45"]), choices: ["dopri5", "gsl-rkf45", "gsl-rk8pd"]),
                    "problem": E(.string, .string("pleiades"), choices: ["pleiades", "lorenz", "vanderpol"]),
                    "end_time": E(.positiveNumber, nil),
                    "tolerances": E(.numbers, .numbers([1e-7, 1e-8, 1e-9, 1e-10])),
                    "factor": E(.positiveNumber, .number(100)),
                    "reference_tolerance": E(.positiveNumber, .number(1e-13))]
        case .stiffConservation:
            return ["tolerance": E(.positiveNumber, .number(1e-6)),
                    "rtol": E(.positiveNumber, .number(1e-8))]
        case .sdeStrongOrder:
            return ["methods": E(.strings, .strings(["euler-maruyama", "milstein", "sde-heun"]),
                                 choices: ["euler-maruyama", "milstein", "sde-heun"]),
                    "paths": E(.integer, .number(1000)), "seed": E(.integer, .number(1)),
                    "tolerance": E(.positiveNumber, .number(0.15))]
        case .sdeWeakOrder:
            return ["methods": E(.strings, .strings(["euler-maruyama"]), choices: ["euler-maruyama", "milstein"]),
                    "paths": E(.integer, .number(20000)), "seed": E(.integer, .number(3)),
                    "tolerance": E(.positiveNumber, .number(0.15))]
        case .gradientCheck:
            return ["problems": E(.strings, .strings(["contraction", "gbm"]), choices: ["contraction", "gbm"]),
                    "tolerance": E(.positiveNumber, .number(1e-6)),
                    "repeats": E(.integer, .number(1))]
        case .adjointMemory:
            return ["steps": E(.numbers, .numbers([40, 160, 640])),
                    "max_growth": E(.positiveNumber, .number(1.5))]
        case .convergence:
            return ["samples": E(.integer, .number(32)), "max_steps": E(.integer, .number(200)),
                    "tolerance": E(.positiveNumber, .number(1e-6)), "scale": E(.positiveNumber, .number(1)),
                    "min_converged_fraction": E(.number, nil), "seed": E(.integer, .number(0)),
                    "relative": E(.flag, .flag(false))]
        case .localStability:
            return ["iterations": E(.integer, .number(100)), "dense_limit": E(.integer, .number(128)),
                    "min_stable_fraction": E(.number, nil), "max_spectral_radius": E(.number, nil)]
        case .lyapunov:
            return ["steps": E(.integer, .number(200)), "transient": E(.integer, .number(20)),
                    "samples": E(.integer, .number(16)), "scale": E(.positiveNumber, .number(1)),
                    "max_exponent": E(.number, nil), "seed": E(.integer, .number(0))]
        case .basins:
            return ["samples": E(.integer, .number(32)), "scale": E(.positiveNumber, .number(1)),
                    "cluster_tolerance": E(.positiveNumber, .number(1e-3)), "max_steps": E(.integer, .number(300)),
                    "tolerance": E(.positiveNumber, .number(1e-8)),
                    "expect_distinct": E(.integer, nil), "seed": E(.integer, .number(0)),
                    "relative": E(.flag, .flag(false)), "puzzles": E(.integer, .number(1)),
                    "sigma": E(.number, .number(0)), "noisy_segments": E(.integer, .number(0)),
                    "gate": E(.string, .string("none"), choices: ["none", "halting", "verified"]),
                    "wrong_clues": E(.integer, .number(0)), "wrong_clue_segments": E(.integer, .number(8))]
        case .fixedPoint:
            return ["steps": E(.integer, .number(50)), "drift_tolerance": E(.positiveNumber, .number(1e-6)),
                    "puzzles": E(.integer, .number(16)),
                    "perturbation": E(.number, .number(0)), "min_pass_rate": E(.number, nil), "seed": E(.integer, .number(0))]
        case .noise:
            return ["sigmas": E(.numbers, .numbers([0, 0.01, 0.03, 0.1, 0.3])), "samples": E(.integer, .number(8)),
                    "end_time": E(.positiveNumber, .number(20)), "step_size": E(.positiveNumber, .number(0.25)),
                    "cluster_tolerance": E(.positiveNumber, .number(0.1)), "max_drift": E(.number, nil),
                    "seed": E(.integer, .number(0))]
        }
    }
}

/// Parameter types and defaults for suite files.
enum SuiteSchema {
    enum ValueType: Equatable {
        case number, positiveNumber, integer, string, numbers, strings, flag
        var phrase: String {
            switch self {
            case .number: return "a number"
            case .positiveNumber: return "a positive number"
            case .integer: return "a non-negative integer"
            case .string: return "a string"
            case .numbers: return "a non-empty array of numbers"
            case .strings: return "a non-empty array of strings"
            case .flag: return "true or false"
            }
        }
    }

    struct Entry {
        var type: ValueType
        var defaultValue: SuiteParameters.Value?
        var choices: [String]?
        init(_ type: ValueType, _ defaultValue: SuiteParameters.Value?, choices: [String]? = nil) {
            self.type = type
            self.defaultValue = defaultValue
            self.choices = choices
        }
    }

    /// The suite-level `target` of equilibrium checks: a built-in field.
    static let target: [String: Entry] = [
        "field": Entry(.string, nil, choices: ["contraction", "double-well"]),
        "dimension": Entry(.integer, .number(16)),
        "seed": Entry(.integer, .number(0)),
        "spectral_norm": Entry(.positiveNumber, .number(0.9)),
        "step_size": Entry(.positiveNumber, .number(1)),
    ]
}
