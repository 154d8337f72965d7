import ArgumentParser

/// `attractor bench …`: performance measurements (release builds only give meaningful numbers).
struct BenchCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "bench", abstract: "Measure the speed of the building blocks on this machine.",
        subcommands: [BenchBlockCommand.self, BenchNodeCommand.self, BenchKernelsCommand.self, BenchTrainCommand.self, BenchAllreduceCommand.self])
}
