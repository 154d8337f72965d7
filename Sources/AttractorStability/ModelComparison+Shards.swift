/// Assembling a comparison from per-model results computed elsewhere (`mpirun … attractor
/// compare` runs each model on one rank and gathers the results on rank 0).
extension ModelComparison.Report {
    /// The report of `models` (in checkpoint order) with their pairwise agreement, as `run` computes it.
    public init(_ models: [ModelComparison.ModelResult], puzzles: Int, relativeResiduals: Bool) {
        var agreement = [[Double]](repeating: [Double](repeating: 1, count: models.count), count: models.count)
        for i in models.indices {
            for j in models.indices where i != j {
                let same = zip(models[i].answers, models[j].answers).filter { $0 == $1 }.count
                agreement[i][j] = Double(same) / Double(puzzles)
            }
        }
        self.init(models: models, agreement: agreement, relativeResiduals: relativeResiduals)
    }
}
