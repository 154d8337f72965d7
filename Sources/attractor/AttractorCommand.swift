import ArgumentParser
import Attractor
import Foundation

@main
struct AttractorCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "attractor",
        abstract: "Recursive latent reasoning as continuous dynamics: integrate, differentiate, validate.",
        discussion: """
            \(ExitStatus.summary)
            Memory: requests are sized before allocating and refused above \(MemoryBudget.environmentVariable) \
            (default: three quarters of the physical memory). Shell completion: attractor --generate-completion-script bash|zsh|fish.
            """,
        version: "0.1.0",
        subcommands: [
            InfoCommand.self,
            IntegrateCommand.self,
            SudokuCommand.self,
            DataCommand.self,
            BenchCommand.self,
            GradcheckCommand.self,
            TrainCommand.self,
            EvalCommand.self,
            CurvesCommand.self,
            ScalingCommand.self,
            SolveCommand.self,
            ValidateCommand.self,
            CompareCommand.self,
        ]
    )

    /// Parses, runs, and reports every failure in one style: `error: <problem and what to do>`
    /// on stderr with the status of `ExitStatus`. Standard output is line-buffered, so progress
    /// written to a file or pipe appears line by line. `ATTRACTOR_KERNELS` is checked before
    /// any command runs, so a bad value is a clean error rather than the library's stop at
    /// the first product.
    static func main() {
        lineBufferStandardOutput()
        do {
            if let path = try KernelPath.fromEnvironment() { try KernelPath.force(path) }
            var command = try parseAsRoot()
            try command.run()
        } catch {
            ErrorReport.exit(error, command: Self.self)
        }
    }
}
