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

    func run() throws {
        do {
            let grid: SudokuGrid
            do { grid = try SudokuParser.parsePuzzle(puzzle) } catch { throw CommandFailure("puzzle: \(error)") }
            let path = try CheckpointLocator.resolve(checkpoint)
            let (model, manifest) = try ReasoningCheckpoint.loadModel(path, maxBatch: 1, task: .sudoku)
            let config = manifest.configuration
            print("\(config.model.rawValue)-\(config.preset) (\(config.integrator.rawValue), \(config.cycles)×(\(config.fastSteps)+1) steps per segment, up to \(config.segments) segments)")
            var residuals: [Double] = []
            let outcomes = try ReasoningInference.run(model, inputs: [grid.tokens.map(Int32.init)]) { snap in
                residuals.append(snap.residual)
                let board = SudokuGrid(tokens: snap.answer.map { UInt8(clamping: $0) })
                if !quiet {
                    print("segment \(snap.segment): residual \(String(format: "%.3e", snap.residual))\(snap.halted ? " (halted)" : "")")
                    print(board?.rendered ?? "(not a board: contains pad/blank tokens)")
                }
            }
            let o = outcomes[0]
            let answer = SudokuGrid(tokens: o.answer.map { UInt8(clamping: $0) })
            print("residual trajectory: " + residuals.map { String(format: "%.2e", $0) }.joined(separator: " "))
            print("answer:")
            print(answer?.rendered ?? "(not a board)")
            let valid = answer?.isSolution(of: grid) ?? false
            print("valid solution: \(valid ? "yes" : "no")")
            let reached = o.residual < config.equilibriumTolerance
            print("equilibrium reached: \(reached ? "yes" : "no") " + String(format: "(final residual %.3e, tolerance %.2g; %d segments, %d F-evaluations)",
                         o.residual, config.equilibriumTolerance, o.segments, o.functionEvaluations))
        } catch let e as ReasoningError { throw CommandFailure("\(e)") }
    }
}
