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
}
