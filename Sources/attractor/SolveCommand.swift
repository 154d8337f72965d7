import ArgumentParser
import Attractor
import Foundation

/// `attractor solve`: one puzzle through a reasoning checkpoint, segment by segment.
struct SolveCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "solve", abstract: "Solve a Sudoku with a reasoning checkpoint, printing each segment.")

    @Option(help: "Checkpoint directory or bundled name (cmm-tiny, trm-tiny, hrm-tiny).") var checkpoint: String
    @Argument(help: "A puzzle: 81 characters (digits, '.' or '0' for blanks).") var puzzle: String
    @Flag(help: "Print only the residual trajectory and the final board.") var quiet = false
    @Option(help: "Also integrate the continuous system to equilibrium with this solver-core method (dopri5, rk4, euler).") var ode: String?
    @Option(help: "End time for --ode.") var odeTime: Double = 64
    @Option(help: "Output format: text or json (one object: answer, valid, residuals, …; not with --ode).") var format: OutputFormat = .text
    @OptionGroup(title: "Test-time scaling (Docs/TestTimeScaling.md)") var scaling: TestTimeOptions

    func validate() throws {
        if format == .json && ode != nil { throw ValidationError("--format json does not cover --ode; drop one of them") }
        if !(odeTime > 0 && odeTime.isFinite) { throw ValidationError("--ode-time must be a positive number, got \(odeTime)") }
        try scaling.validate()
        if scaling.isActive && (ode != nil || format == .json) {
            throw ValidationError("--samples, --verify and the other test-time options print trajectories as text: drop --ode and --format json")
        }
    }

    /// `--format json`.
    struct Output: Encodable {
        var model: String
        var answer: String
        var valid: Bool
        var residuals: [Double]
        var finalResidual: Double
        var equilibriumReached: Bool
        var segments: Int
        var functionEvaluations: Int
        enum CodingKeys: String, CodingKey {
            case model, answer, valid, residuals, segments
            case finalResidual = "final_residual", equilibriumReached = "equilibrium_reached", functionEvaluations = "function_evaluations"
        }
    }

    /// A board from answer tokens; non-digit tokens (pad, blank) show as '.'.
    static func board(_ tokens: [Int32]) -> SudokuGrid {
        SudokuGrid(cells: tokens.map { (2...10).contains($0) ? UInt8($0 - 1) : 0 }) ?? .empty
    }

    func run() throws {
        do {
            let grid: SudokuGrid
            do { grid = try SudokuParser.parsePuzzle(puzzle) } catch {
                throw CommandFailure("\(error); give 81 characters: digits 1–9, and '.' or '0' for blanks", status: .dataError)
            }
            let path = try CheckpointLocator.resolve(checkpoint)
            let (model, manifest) = try ReasoningCheckpoint.loadModel(path, maxBatch: 1, task: .sudoku)
            let config = manifest.configuration
            if scaling.isActive { return try sample(model, grid: grid, name: "\(config.model.rawValue)-\(config.preset)") }
            let quiet = self.quiet || format == .json
            if format == .text { print("\(config.model.rawValue)-\(config.preset) (\(config.integrator.rawValue), \(config.cycles)×(\(config.lowSteps)+1) steps per segment, up to \(config.segments) segments)") }
            var residuals: [Double] = []
            let outcomes = try ReasoningInference.run(model, inputs: [grid.tokens.map(Int32.init)], trace: { snap in
                residuals.append(snap.residual)
                if !quiet {
                    print("segment \(snap.segment): residual \(String(format: "%.3e", snap.residual))\(snap.halted ? " (halted)" : "")")
                    print(Self.board(snap.answer).rendered)
                }
            })
            let o = outcomes[0]
            let answer = Self.board(o.answer)
            if format == .json {
                try printJSON(Output(model: "\(config.model.rawValue)-\(config.preset)", answer: answer.cells.map(String.init).joined(),
                                     valid: answer.isSolution(of: grid), residuals: residuals, finalResidual: o.residual,
                                     equilibriumReached: o.residual < config.equilibriumTolerance, segments: o.segments,
                                     functionEvaluations: o.functionEvaluations))
                return
            }
            print("residual trajectory: " + residuals.map { String(format: "%.2e", $0) }.joined(separator: " "))
            print("answer:")
            print(answer.rendered)
            let valid = answer.isSolution(of: grid)
            print("valid solution: \(valid ? "yes" : "no")")
            let reached = o.residual < config.equilibriumTolerance
            print("equilibrium reached: \(reached ? "yes" : "no") " + String(format: "(final residual %.3e, tolerance %.2g; %d segments, %d F-evaluations)",
                         o.residual, config.equilibriumTolerance, o.segments, o.functionEvaluations))
            if let ode {
                guard let method = ODEMethod.named(ode) else {
                    throw CommandFailure("unknown --ode method \(ode); use one of \(ODEMethod.all.map(\.name).joined(separator: ", "))", status: .usage)
                }
                var options = SolverOptions(relativeTolerance: 1e-3, absoluteTolerance: 1e-5)
                if !method.isAdaptive { options.stepSize = 0.5 }
                let (sol, answers) = try model.integrateToEquilibrium(tokens: grid.tokens.map(Int32.init), t1: odeTime,
                                                                      method: method, options: options)
                let b = Self.board(answers[0])
                let steady = sol.steadyState?.allConverged == true
                print("continuous (\(method.name)): \(sol.statistics.steps) steps, \(sol.statistics.functionEvaluations) field evaluations, "
                      + "equilibrium reached: \(steady ? "yes" : "no")" + (steady ? String(format: " at t = %.2f", sol.steadyState!.latestTime) : "")
                      + String(format: ", residual ‖f‖ %.3e", sol.steadyState?.largestResidual ?? .nan))
                print(b.rendered)
                print("valid solution: \(b.isSolution(of: grid) ? "yes" : "no")")
            }
        } catch let e as ReasoningError { throw e }
    }

    /// `--samples K` (and the other test-time options): each trajectory's residuals and
    /// answer changes, which one was certified, and the choice.
    func sample(_ model: ReasoningModel<Float>, grid: SudokuGrid, name: String) throws {
        guard let options = scaling.samplingOptions else { return }
        print("\(name): up to \(options.samples) trajectories of up to \(options.inference.segments ?? model.configuration.segments) segments"
              + (options.verify ? ", each answer checked against the rules" : ""))
        var lines: [Int: [String]] = [:]
        let outcome = try SudokuSampling.solve(model, puzzles: [grid], options: options, threads: 1, trace: { j, snap in
            lines[j, default: []].append(String(format: "%.1e", snap.residual))
        })[0]
        if options.commit != nil {
            // Each sample is a chain of trajectories on ever fuller puzzles.
            for (j, t) in outcome.trajectories.enumerated() {
                let answer = Self.board(t.answer)
                let blanksRight = (0..<81).filter { grid[$0] == 0 && answer[$0] != 0 }.count
                print("trajectory \(j): \(t.segments) segments, \(t.functionEvaluations) F-evaluations, \(t.verified ? "VERIFIED" : "not verified"), \(blanksRight) blanks filled")
            }
        }
        for (j, t) in outcome.trajectories.enumerated() where options.commit == nil {
            let transform = SudokuSampling.transform(sample: j, puzzle: 0, options: options)
            let answer = Self.board(t.answer)
            let blanksRight = (0..<81).filter { grid[$0] == 0 && answer[$0] != 0 }.count
            print("sample \(j)\(transform == .identity ? " (the puzzle itself)" : " (permuted and shuffled)"): \(t.segments) segments, \(t.functionEvaluations) F-evaluations, "
                  + "answer settled at segment \(t.settledSegment), \(t.verified ? "VERIFIED" : "not verified")"
                  + (t.confidence.map { String(format: ", q_halt %.2f", $0) } ?? "") + ", \(blanksRight) blanks filled")
            if !quiet, let r = lines[j] { print("  residuals: " + r.joined(separator: " ")) }
        }
        let answer = Self.board(outcome.answer)
        print("chosen: \(outcome.selection.rawValue)" + (outcome.chosenSample.map { " (sample \($0))" } ?? " (per-cell vote)")
              + ", \(outcome.functionEvaluations) F-evaluations in all")
        print(answer.rendered)
        print("valid solution: \(answer.isSolution(of: grid) ? "yes" : "no")")
    }
}
