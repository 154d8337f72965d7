import Attractor
import AttractorMPI
import Foundation

/// `mpirun -np N attractor validate …`: the suites' checks split over the ranks, one report from rank 0.
///
/// The checks of all selected suites are numbered in order (suite by suite); rank r runs the
/// checks whose number is r mod N (each check is independent and seeded by its own
/// parameters), as a sub-suite of its suite so that checkpoint subjects load as in one
/// process. Results travel as JSON (Doubles round-trip exactly; NaN and ±∞ as strings) and
/// rank 0 reassembles every suite in its original order: the report equals a single
/// process's except the timings — each check keeps the seconds it took on its rank, and a
/// suite's `seconds` is the sum over its checks.
extension ValidateCommand {
    private struct Piece: Codable {
        var suite: Int
        var check: Int
        var result: CheckResult
    }

    func runSharded() throws {
        try Distributed.run { world in
            var loaded: [ValidationSuite] = []
            let parts = try Distributed.gather(world) {
                let directory = ValidationRunner.suiteDirectory(executable: CommandLine.arguments[0])
                let names = suites.isEmpty ? (directory.map(ValidationRunner.suiteNames(in:)) ?? []) : suites
                guard !names.isEmpty else { throw CommandFailure("no suites given and no Validation/ folder found; run from the repository or give a suite .json path", status: .noInput) }
                let options = ValidationRunner.Options(limit: limit, checkpoint: checkpoint, puzzles: puzzles, blanks: blanks, seed: seed,
                                                       threads: threads ?? Distributed.threadsPerRank(world), rawWeights: rawWeights)
                var pieces: [Piece] = []
                do {
                    loaded = try names.map { name throws(StabilityError) in try ValidationRunner.load(name, directory: directory) }
                    var number = 0
                    for (s, suite) in loaded.enumerated() {
                        var mine: [Int] = []
                        for c in suite.checks.indices {
                            if number % world.size == world.rank { mine.append(c) }
                            number += 1
                        }
                        guard !mine.isEmpty else { continue }
                        var part = suite
                        part.checks = mine.map { suite.checks[$0] }
                        let r = try ValidationRunner.run(part, options: options)
                        for (k, c) in mine.enumerated() { pieces.append(Piece(suite: s, check: c, result: r.checks[k])) }
                    }
                } catch {
                    let (message, status) = ErrorReport.classify(error)
                    throw CommandFailure("validate: \(message)", status: status)
                }
                return try RankPayload.encode(pieces)
            }
            world.finalize()  // the last collective is done; rank 0 reports alone
            guard world.isRoot else { return }
            var checks = loaded.map { [CheckResult?](repeating: nil, count: $0.checks.count) }
            for part in parts {
                for p in try RankPayload.decode([Piece].self, from: part) { checks[p.suite][p.check] = p.result }
            }
            var results: [SuiteResult] = []
            for (s, suite) in loaded.enumerated() {
                let done = checks[s].compactMap { $0 }
                guard done.count == suite.checks.count else { throw CommandFailure("validate: suite \(suite.name) lost a check result") }
                let r = SuiteResult(suite: suite.name, description: suite.description, file: suite.file, checks: done,
                                    seconds: done.reduce(0) { $0 + $1.seconds })
                if format == .text { printSuite(r) }
                results.append(r)
            }
            try finish(results)
        }
    }
}
