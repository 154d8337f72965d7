import Testing
import AttractorNumerics
@testable import AttractorDynamics

@Suite struct ImplicitGradientTests {
    let d = 4, rows = 2
    let z0: [Double] = [0.5, -0.2, 0.9, 0.1, -0.7, 0.4, 0.0, 0.3]

    func field(_ theta: [Double]) -> DifferentiableContractionField<Double> {
        DifferentiableContractionField(weight: Array(theta[0..<(d * d)]), bias: Array(theta[(d * d)...]))
    }

    @Test(arguments: [ImplicitGradient<DifferentiableContractionField<Double>>.Method.fixedPoint, .anderson])
    func matchesFiniteDifferencesOfTheEquilibrium(method: ImplicitGradient<DifferentiableContractionField<Double>>.Method) throws {
        let f = DifferentiableContractionField<Double>(dimension: d, contraction: 0.7, seed: 31)
        let loss = TerminalLoss<Double>.halfSquaredNorm
        let (zStar, _) = try EquilibriumSearch.run(f, from: z0, rows: rows, tolerance: 3e-13)
        let result = try ImplicitGradient(field: f, method: method, tolerance: 1e-12).gradient(
            equilibrium: zStar, rows: rows, loss: loss)
        let fd = try FiniteDifference.gradient(at: f.parameters, epsilon: 1e-5) { theta in
            loss.value(try EquilibriumSearch.run(field(theta), from: zStar, rows: rows, tolerance: 3e-13).equilibrium)
        }
        #expect(FiniteDifference.relativeError(result.parameterGradient, fd) < 1e-7)
        #expect(result.residual <= 1e-12)
    }

    @Test func andersonNeedsFewerIterationsThanFixedPoint() throws {
        let f = DifferentiableContractionField<Double>(dimension: 8, contraction: 0.97, seed: 32)
        let start = (0..<16).map { Double($0 % 5) / 5 - 0.4 }
        let (zStar, _) = try EquilibriumSearch.run(f, from: start, rows: 2, tolerance: 1e-12)
        let plain = try ImplicitGradient(field: f, method: .fixedPoint, tolerance: 1e-10, maximumIterations: 5000)
            .gradient(equilibrium: zStar, rows: 2, loss: .halfSquaredNorm)
        let anderson = try ImplicitGradient(field: f, method: .anderson, tolerance: 1e-10)
            .gradient(equilibrium: zStar, rows: 2, loss: .halfSquaredNorm)
        #expect(anderson.iterations < plain.iterations)
        #expect(FiniteDifference.relativeError(anderson.parameterGradient, plain.parameterGradient) < 1e-8)
    }

    @Test func nonConvergenceIsAnError() throws {
        // An expansive map (‖W‖ large): the Neumann series diverges; a tiny cap also fails.
        let f = DifferentiableContractionField<Double>(dimension: d, contraction: 0.7, seed: 33)
        let (zStar, _) = try EquilibriumSearch.run(f, from: z0, rows: rows)
        #expect {
            try ImplicitGradient(field: f, method: .fixedPoint, tolerance: 1e-12, maximumIterations: 3)
                .gradient(equilibrium: zStar, rows: rows, loss: .halfSquaredNorm)
        } throws: { error in
            guard case let .implicitSolveDidNotConverge(_, iterations, _, _) = error as? GradientError else { return false }
            return iterations == 3
        }
        let expansive = DifferentiableContractionField<Double>(
            weight: (0..<(d * d)).map { $0 % (d + 1) == 0 ? 3.0 : 0.0 }, bias: [Double](repeating: 0, count: d))
        // z = 0 is an (unstable) equilibrium of tanh(3z) − z.
        #expect(throws: GradientError.self) {
            try ImplicitGradient(field: expansive, method: .fixedPoint, tolerance: 1e-10, maximumIterations: 200)
                .gradient(equilibrium: [Double](repeating: 0, count: d), rows: 1,
                          loss: TerminalLoss(name: "sum") { _, g in for i in g.indices { g[i] = 1 }; return 0 })
        }
    }
}
