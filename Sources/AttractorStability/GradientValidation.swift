import AttractorDynamics
import AttractorNumerics

/// The `gradients` checks: every gradient strategy against central finite differences
/// (through `GradientCheck`, the library side of `attractor gradcheck`), and the memory
/// claim of the adjoint: its peak stored bytes do not grow with the number of steps,
/// while backprop's do.
public enum GradientValidation {
    /// Exact strategies must match finite differences within `tolerance`; the others are
    /// reported (their error is a property of the method, not a defect).
    public static func gradientCheck(problems: [String], tolerance: Double, repeats: Int) throws(StabilityError) -> CheckResult {
        var measurements: [CheckResult.Measurement] = []
        var labels: [String] = [], errors: [Double] = []
        var notes: [String] = []
        for problem in problems {
            let report: GradientCheckReport
            do { report = try GradientCheck.run(problem: problem, repeats: max(repeats, 1)) } catch {
                throw .underlying("gradient check \(problem): \(error)")
            }
            for row in report.rows {
                measurements.append(.init(label: "\(problem): \(row.strategy) rel. error vs FD", value: row.relativeErrorFD,
                                          criterion: row.exact ? "≤ \(tolerance)" : "informational (inexact strategy)",
                                          passed: row.exact ? row.relativeErrorFD <= tolerance : nil))
                labels.append("\(problem): \(row.strategy)")
                errors.append(max(row.relativeErrorFD, 1e-17))
            }
            notes += report.notes.map { "\(problem): \($0)" }
        }
        return CheckResult(name: "", check: CheckKind.gradientCheck.rawValue, measurements: measurements, notes: notes,
                           figures: [Figure(title: "Gradients: relative error against finite differences", kind: .bar,
                                            xLabel: "strategy", yLabel: "relative error", logY: true,
                                            series: [.init(label: "rel. error", x: labels.indices.map(Double.init), y: errors)],
                                            labels: labels)])
    }

    /// Peak stored bytes of backprop and adjoint(checkpoints: 1) on the contraction field
    /// (D = 6, 3 rows, RK4) at each step count: the adjoint's largest over smallest must be
    /// at most `maxGrowth`, backprop's must grow.
    public static func adjointMemory(steps: [Int], maxGrowth: Double) throws(StabilityError) -> CheckResult {
        guard steps.count >= 2, steps.allSatisfy({ $0 > 0 }) else {
            throw .invalidArgument("adjoint-memory: need at least two positive step counts")
        }
        let field = DifferentiableContractionField<Double>(dimension: 6, contraction: 0.9, seed: 2026)
        var z0 = [Double](repeating: 0, count: 18)
        RandomSource(seed: 7).fillGaussian(&z0)
        var back: [Double] = [], adjoint: [Double] = []
        for n in steps {
            let solver = ODEGradientSolver(field: field, integration: .fixed(.rk4, steps: n))
            do {
                back.append(Double(try solver.gradient(initialState: z0, rows: 3, loss: .halfSquaredNorm, strategy: .backprop).statistics.peakBytes))
                adjoint.append(Double(try solver.gradient(initialState: z0, rows: 3, loss: .halfSquaredNorm,
                                                          strategy: .adjoint(checkpoints: 1)).statistics.peakBytes))
            } catch { throw .underlying("adjoint-memory: \(error)") }
        }
        let adjointGrowth = adjoint.last! / adjoint.first!
        let backGrowth = back.last! / back.first!
        let x = steps.map(Double.init)
        return CheckResult(name: "", check: CheckKind.adjointMemory.rawValue, measurements: [
            .init(label: "adjoint peak bytes, \(steps.last!) / \(steps.first!) steps", value: adjointGrowth,
                  criterion: "≤ \(maxGrowth)", passed: adjointGrowth <= maxGrowth),
            .init(label: "backprop peak bytes, \(steps.last!) / \(steps.first!) steps", value: backGrowth,
                  criterion: "> \(maxGrowth) (grows with steps)", passed: backGrowth > maxGrowth),
        ], notes: ["contraction field D = 6, 3 rows, RK4; peak bytes counted by the strategies themselves"],
           figures: [Figure(title: "Gradient memory vs steps", kind: .line, xLabel: "RK4 steps", yLabel: "peak stored bytes",
                            logX: true, logY: true,
                            series: [.init(label: "backprop", x: x, y: back), .init(label: "adjoint(checkpoints: 1)", x: x, y: adjoint)])])
    }
}
