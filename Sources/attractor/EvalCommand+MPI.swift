import Attractor
import AttractorMPI
import Foundation

/// `mpirun -np N attractor eval …`: the puzzles split over the ranks, one report from rank 0.
///
/// Every rank reads the same puzzles and forms the same batches as a single process
/// (`--batch`, capped at the puzzle count); rank r runs a consecutive range of whole batches
/// (`Distributed.batchShard`), so each batch computes the same bits as in one process. The
/// per-puzzle outcomes (residuals as bit patterns) are gathered on rank 0 in puzzle order and
/// scored by `ReasoningInference.aggregateSudoku`, the function a single process uses: the JSON
/// is identical except `seconds`, which is rank 0's wall time from its start of inference to
/// the scored report (gather included). Maze checkpoints run unsharded on rank 0.
extension EvalCommand {
    func runSharded() throws {
        try Distributed.run { world in
            let clock = ContinuousClock()
            var t0 = clock.now
            var items: [SudokuExample] = []
            var name = ""
            var maze = false
            let parts = try Distributed.gather(world) {
                do {
                    let path = try CheckpointLocator.resolve(checkpoint)
                    try ReasoningCheckpoint.requireMemory(at: path, maxBatch: batch)
                    if try ReasoningCheckpoint.manifest(at: path).configuration.task == .maze {
                        maze = true
                        if world.isRoot { try evaluateMazes(path) }
                        return []
                    }
                    items = try Self.loadPuzzles(puzzles, limit: limit, allowMultiple: allowMultiple, reblanking: blanks != nil)
                    if let blanks { items = try items.reblanked(blanks: blanks, seed: seed) }
                    let workers = threads ?? Distributed.threadsPerRank(world)
                    let maxBatch = max(1, min(batch, (items.count + workers - 1) / workers))
                    let (model, manifest) = try ReasoningCheckpoint.loadModel(path, maxBatch: maxBatch, task: .sudoku, rawWeights: rawWeights)
                    guard model.configuration.task == .sudoku else {
                        throw CommandFailure("the model was trained on \(model.configuration.task.rawValue), not sudoku")
                    }
                    name = "\(manifest.configuration.model.rawValue)-\(manifest.configuration.preset)"
                    let shard = Distributed.batchShard(count: items.count, batch: maxBatch, rank: world.rank, size: world.size)
                    t0 = clock.now
                    let outcomes = shard.isEmpty ? [] :
                        try ReasoningInference.run(model, inputs: items[shard].map { $0.puzzle.tokens.map(Int32.init) },
                                                   threads: workers)
                    return ReasoningInference.Outcome.encode(outcomes)
                } catch let e as ReasoningError { throw e }
            }
            world.finalize()  // the last collective is done; rank 0 reports alone
            guard world.isRoot, !maze else { return }
            var outcomes: [ReasoningInference.Outcome] = []
            do {
                for part in parts { outcomes += try ReasoningInference.Outcome.decode(part) }
            } catch { throw CommandFailure("eval: gathering the ranks' results: \(error)") }
            guard outcomes.count == items.count else {
                throw CommandFailure("eval: gathered \(outcomes.count) outcomes for \(items.count) puzzles")
            }
            let e = ReasoningInference.aggregateSudoku(name: name, puzzles: items, outcomes: outcomes, since: t0)
            try printSudoku(e, name: name)
        }
    }
}
