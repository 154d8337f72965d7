import ArgumentParser
import Attractor

@main
struct AttractorCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "attractor",
        abstract: "Recursive latent reasoning as continuous dynamics: integrate, differentiate, validate.",
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
            SolveCommand.self,
            ValidateCommand.self,
            CompareCommand.self,
        ]
    )

    /// Checks `ATTRACTOR_KERNELS` before any command runs, so a bad value is a clean error
    /// (exit status 1) rather than the library's stop at the first product.
    static func main() {
        do {
            if let path = try KernelPath.fromEnvironment() { try KernelPath.force(path) }
        } catch {
            Self.exit(withError: CommandFailure("\(error)"))
        }
        main(nil)
    }
}
