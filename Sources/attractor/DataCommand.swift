import ArgumentParser

/// `attractor data`: build training and test datasets.
struct DataCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "data",
        abstract: "Build labelled, split, augmented datasets (safetensors of u8 tokens).",
        subcommands: [DataSudokuCommand.self, DataMazeCommand.self])
}
