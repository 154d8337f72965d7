import Attractor

/// Memory needed by requests sized on the command line (training, datasets, benchmarks),
/// checked against `MemoryBudget` before any data is built or allocated. The figures are
/// lower estimates of what the requests allocate.
enum RequestBudgets {
    /// `train`: the model, its trainer state (raw weights, EMA, two Adam moments, tapes) for
    /// the batch, and the in-process training examples (inputs and labels).
    static func requireTraining(_ c: TrainCommand) throws {
        let sequence = c.task == .maze ? 900 : 81
        var config = try ReasoningConfiguration.preset(c.preset, model: c.model, task: c.task, sequence: sequence)
        if let batch = c.batch { config.training.batch = batch }
        let model = ReasoningCheckpoint.estimatedBytes(config, maxBatch: config.training.batch).flatMap { MemoryBudget.product($0, 2) }
        let examples = MemoryBudget.product(MemoryBudget.sum(c.trainCount, c.evalPuzzles) ?? -1, sequence, 2, 16)
        try MemoryBudget.require(bytes: MemoryBudget.sum(model, examples),
                                 what: "training \(c.model.rawValue)-\(c.preset) with batch \(config.training.batch) on \(c.trainCount) examples")
    }

    /// `data sudoku`: every training example (and its augmented copies) as tokens and labels.
    static func requireSudokuDataset(train: Int, augment: Int) throws {
        let copies = MemoryBudget.sum(augment, 1) ?? -1
        try MemoryBudget.require(bytes: MemoryBudget.product(train, copies, 81, 2, 16),
                                 what: "a dataset of --train \(train) puzzles × \(copies) copies")
    }

    /// `data maze`: every maze (and its 8 symmetries with --augment) as tokens and labels.
    static func requireMazeDataset(count: Int, test: Int, size: Int, augment: Bool) throws {
        let mazes = MemoryBudget.sum(MemoryBudget.product(count, augment ? 8 : 1), test)
        try MemoryBudget.require(bytes: MemoryBudget.product(mazes ?? -1, size, size, 2, 16),
                                 what: "a dataset of \(count) training and \(test) test mazes of \(size)×\(size)")
    }

    /// `bench block`: activations of every layer for the batch, plus the weights.
    static func requireBlockBenchmark(hidden: Int, sequence: Int, layers: Int, batch: Int) throws {
        let activations = MemoryBudget.product(batch, sequence, max(hidden, 1), layers, 4, 16)
        let weights = MemoryBudget.product(layers, MemoryBudget.sum(MemoryBudget.product(hidden, hidden, 12),
                                                                   MemoryBudget.product(sequence, sequence, 12)) ?? -1, 4)
        try MemoryBudget.require(bytes: MemoryBudget.sum(activations, weights),
                                 what: "a block stack of hidden \(hidden), sequence \(sequence), \(layers) layers, batch \(batch)")
    }
}
