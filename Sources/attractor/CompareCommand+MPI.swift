import Attractor
import AttractorMPI
import Foundation

/// `mpirun -np N attractor compare …`: the checkpoints split over the ranks (model i on rank
/// i mod N), one report from rank 0.
///
/// Each model's result is computed exactly as in one process (`ModelComparison.run` on that
/// model alone: every model runs independently), travels as JSON (Doubles round-trip exactly,
/// NaN and ±∞ as strings) and rank 0 assembles the report in checkpoint order with the same
/// agreement matrix. The report equals a single process's except `seconds_per_puzzle` (each
/// model's own wall time on its rank). At most one rank per checkpoint does work.
extension CompareCommand {
    func runSharded() throws {
        try Distributed.run { world in
            let names = checkpoints.split(separator: ",").map(String.init)
            var puzzleCount = 0
            let parts = try Distributed.gather(world) {
                var mine: [ModelComparison.ModelResult] = []
                do {
                    let set = try SudokuPuzzleSet.load(path: puzzles, limit: limit, blanks: blanks, seed: seed,
                                                       allowMultipleSolutions: allowMultiple)
                    puzzleCount = set.puzzles.count
                    for (i, name) in names.enumerated() where i % world.size == world.rank {
                        let model = try ReasoningSudokuModel(checkpoint: name, maxBatch: min(64, set.puzzles.count),
                                                             threads: threads ?? Distributed.threadsPerRank(world),
                                                             rawWeights: rawWeights)
                        let r = try ModelComparison.run([model], puzzles: set.puzzles, solutions: set.solutions, options: options)
                        mine += r.models
                    }
                } catch {
                    let (message, status) = ErrorReport.classify(error)
                    throw CommandFailure("compare: \(message)", status: status)
                }
                return try RankPayload.encode(mine)
            }
            world.finalize()  // the last collective is done; rank 0 reports alone
            guard world.isRoot else { return }
            let perRank = try parts.map { try RankPayload.decode([ModelComparison.ModelResult].self, from: $0) }
            // Model i is the (i / N)-th result of rank i mod N.
            let models = names.indices.map { perRank[$0 % world.size][$0 / world.size] }
            try finish(ModelComparison.Report(models, puzzles: puzzleCount, relativeResiduals: options.relative))
        }
    }
}
