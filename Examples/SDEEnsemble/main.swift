// SDE ensemble example: geometric Brownian motion with three schemes, sample moments
// against the exact ones, and the replay guarantee of a Brownian path.
//
//   swift run -c release SDEEnsemble [paths] [dt]
import AttractorDynamics
import Foundation

let arguments = CommandLine.arguments
let paths = arguments.count > 1 ? Int(arguments[1]) ?? 10_000 : 10_000
let dt = arguments.count > 2 ? Double(arguments[2]) ?? 0.01 : 0.01

func format(_ x: Double) -> String { String(format: "%.5f", x) }

print("Geometric Brownian motion dX = μX dt + σX dW (μ 0.5, σ 0.4, X0 1, T 1), \(paths) paths, dt \(dt), seed 42")
print("method           mean     exact    ±SE      variance exact    seconds")
for method in SDECatalogue.methodNames {
    let r = try SDECatalogue.run(problem: "gbm", method: method, dt: dt, seed: 42, paths: paths, repeats: 3)
    print(method.padding(toLength: 16, withPad: " ", startingAt: 0),
          format(r.mean[0]), format(r.exactMean[0]), format(r.meanStandardError[0]),
          format(r.variance[0]), format(r.exactVariance[0]), String(format: "%.4f", r.solveSeconds))
}

let ou = try SDECatalogue.run(problem: "ou", method: "euler-maruyama", dt: dt, seed: 42, paths: paths)
print("\nOrnstein–Uhlenbeck dX = θ(μ − X) dt + σ dW (θ 1, μ 1, σ 0.5, X0 0, T 5), euler-maruyama:")
print("mean \(format(ou.mean[0])) (exact \(format(ou.exactMean[0]))), variance \(format(ou.variance[0])) (exact \(format(ou.exactVariance[0])), stationary 0.125)")

// Strong error against the exact solution on the same Brownian path, for each scheme.
let gbm = GeometricBrownianMotion<Double>(mu: 2, sigma: 1)
let rows = 1000
let path = try BrownianPath<Double>(t1: 1, rows: rows, width: 1, seed: 7, tolerance: 0x1p-12)
let wT = try path.value(at: 1)
print("\nStrong error E|X_T − X_exact| on one path (μ 2, σ 1, \(rows) paths):")
print("dt        euler-maruyama  milstein   sde-heun")
for k in 4...9 {
    let h = Double(sign: .plus, exponent: -k, significand: 1)
    var line = String(format: "2^-%d    ", k)
    for method in SDEMethod.allCases {
        let field = gbm.withCalculus(method.calculus)
        let s = try SDESolver.solve(method, drift: field, noise: field, initialState: [Double](repeating: 1, count: rows),
                                    rows: rows, t1: 1, dt: h, path: path)
        var e = 0.0
        for r in 0..<rows { e += abs(s.finalState[r] - gbm.exactSolution(at: 1, brownian: wT[r])) }
        line += String(format: "  %.5f     ", e / Double(rows))
    }
    print(line)
}

// Replay: a second path with the same seed, queried backward, gives the same values.
let replay = try BrownianPath<Double>(t1: 1, rows: rows, width: 1, seed: 7, tolerance: 0x1p-12)
var identical = true
for k in stride(from: 1000, through: 0, by: -1) {
    let t = Double(k) / 1000
    if try replay.value(at: t) != (try path.value(at: t)) { identical = false }
}
print("\nSame seed, queried backward at 1001 times: bit-identical = \(identical)")
