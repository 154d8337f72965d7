import AttractorDynamics
import AttractorNumerics
import AttractorReasoning
import AttractorTasks
import Foundation

/// Runs validation suites: the library side of `attractor validate`.
public enum ValidationRunner {
    public struct Options: Sendable {
        /// Caps sample counts of equilibrium checks (nil: the suite's).
        public var limit: Int?
        /// A trained model checkpoint for equilibrium checks (needs the issue-6 reasoning models).
        public var checkpoint: String?
        /// Puzzle file for equilibrium checks on a checkpoint.
        public var puzzles: String?
        /// Replace each puzzle by a blanks-ladder puzzle of its solution with exactly this many blanks.
        public var blanks: Int?
        /// Seed for `blanks`.
        public var seed: UInt64
        /// Worker threads of a checkpoint's segment map (default: all cores); the results do
        /// not depend on it.
        public var threads: Int
        /// Load a checkpoint's training weights of its last step (`state.safetensors`)
        /// instead of its evaluation weights.
        public var rawWeights: Bool
        /// Called with a line before and after each check (the CLI prints it on stderr).
        public var progress: (@Sendable (String) -> Void)?

        public init(limit: Int? = nil, checkpoint: String? = nil, puzzles: String? = nil, blanks: Int? = nil, seed: UInt64 = 0,
                    threads: Int = WorkerPool.availableCores, rawWeights: Bool = false) {
            self.threads = threads
            self.rawWeights = rawWeights
            self.limit = limit
            self.checkpoint = checkpoint
            self.puzzles = puzzles
            self.blanks = blanks
            self.seed = seed
        }
    }

    /// The folder of suite files: `Validation/` of the current directory, else of the first
    /// ancestor of `executable` that has one (the repository a binary was built in).
    public static func suiteDirectory(executable: String) -> String? {
        let fm = FileManager.default
        let cwd = fm.currentDirectoryPath + "/Validation"
        var isDir: ObjCBool = false
        if fm.fileExists(atPath: cwd, isDirectory: &isDir), isDir.boolValue { return cwd }
        var dir = URL(fileURLWithPath: executable).resolvingSymlinksInPath().deletingLastPathComponent()
        while dir.path != "/" {
            let candidate = dir.appendingPathComponent("Validation").path
            if fm.fileExists(atPath: candidate, isDirectory: &isDir), isDir.boolValue { return candidate }
            dir.deleteLastPathComponent()
        }
        return nil
    }

    /// The suite names (`<name>.json`) in `directory`, sorted.
    public static func suiteNames(in directory: String) -> [String] {
        ((try? FileManager.default.contentsOfDirectory(atPath: directory)) ?? [])
            .filter { $0.hasSuffix(".json") }.map { String($0.dropLast(5)) }.sorted()
    }

    /// Resolves `name` (a suite name in `directory`, or a path to a `.json` file) and parses it.
    public static func load(_ name: String, directory: String?) throws(StabilityError) -> ValidationSuite {
        if name.hasSuffix(".json") || name.contains("/") { return try ValidationSuite.load(path: name) }
        guard let directory else {
            throw .invalidArgument("no Validation/ folder found (run from the repository, or give a path to a suite .json)")
        }
        let path = directory + "/" + name + ".json"
        guard FileManager.default.fileExists(atPath: path) else {
            throw .invalidArgument("unknown suite '\(name)' (known: \(suiteNames(in: directory).joined(separator: ", ")))")
        }
        return try ValidationSuite.load(path: path)
    }

    /// Runs every check of `suite`.
    public static func run(_ suite: ValidationSuite, options: Options = Options()) throws(StabilityError) -> SuiteResult {
        var subject: EquilibriumValidation.Subject<ReasoningLatentMap>? = nil
        if suite.checks.contains(where: \.kind.needsTarget), let checkpoint = options.checkpoint {
            guard let puzzles = options.puzzles else {
                throw .invalidArgument("suite '\(suite.name)' on a checkpoint needs --puzzles FILE")
            }
            subject = try modelSubject(checkpoint: checkpoint, puzzles: puzzles, limit: options.limit,
                                       blanks: options.blanks, seed: options.seed, threads: options.threads,
                                       rawWeights: options.rawWeights)
        } else if options.checkpoint == nil, options.puzzles != nil || options.blanks != nil, suite.checks.contains(where: \.kind.needsTarget) {
            throw .invalidArgument("--puzzles and --blanks need --checkpoint")
        }
        let clock = ContinuousClock()
        let start = clock.now
        var results: [CheckResult] = []
        for check in suite.checks {
            let t0 = clock.now
            options.progress?("[\(suite.name)] \(check.name) (\(check.kind.rawValue)) …")
            var r: CheckResult
            if let subject, check.kind.needsTarget {
                r = try EquilibriumValidation.run(check, on: subject, limit: options.limit)
            } else {
                r = try runCheck(check, suite: suite, options: options)
            }
            r.name = check.name
            r.seconds = seconds(clock.now - t0)
            options.progress?("[\(suite.name)] \(check.name): \(r.passed.map { $0 ? "pass" : "FAIL" } ?? "done") in \(String(format: "%.1f", r.seconds)) s")
            results.append(r)
        }
        return SuiteResult(suite: suite.name, description: suite.description, file: suite.file, checks: results,
                           seconds: seconds(clock.now - start))
    }

    /// A Sudoku checkpoint bound to the puzzles of `puzzles` (first `limit`, default 16;
    /// with `blanks`, each replaced by a ladder puzzle of its solution with that many blanks).
    public static func modelSubject(checkpoint: String, puzzles: String, limit: Int?, blanks: Int? = nil, seed: UInt64 = 0,
                                    threads: Int = WorkerPool.availableCores, rawWeights: Bool = false)
        throws(StabilityError) -> EquilibriumValidation.Subject<ReasoningLatentMap> {
        guard threads >= 1 else { throw .invalidArgument("threads must be at least 1, got \(threads)") }
        let set = try SudokuPuzzleSet.load(path: puzzles, limit: limit ?? 16, blanks: blanks, seed: seed)
        let model = try ReasoningSudokuModel(checkpoint: checkpoint, maxBatch: 64, threads: threads, rawWeights: rawWeights)
        let (map, initial) = try model.bind(puzzles: set.puzzles)
        return EquilibriumValidation.Subject(
            name: model.name, map: map, inputs: set.puzzles.count, initialState: initial,
            decoder: { model.decode($0, row: $1) }, expected: set.solutions,
            fixedPointInputs: { (count: Int) throws(StabilityError) in
                let inputs = set.oneBlank(count: count, seed: 7)
                let m = try ReasoningLatentMap(model: model.model, inputs: inputs.map { $0.map { Int32($0 == 0 ? 1 : $0 + 1) } },
                                               threads: threads)
                return (m, m.initialState(rows: inputs.count), Array(set.solutions.prefix(inputs.count)))
            },
            certificate: model.model.network.contractionCertificate(),
            leastConfidence: { map.leastCellConfidence($0) },
            verifies: { latent, row in
                let answer = model.decode(latent, row: row)
                guard let grid = SudokuGrid(cells: answer.map(UInt8.init)), let puzzle = SudokuGrid(cells: set.puzzles[row].map(UInt8.init))
                else { return false }
                return grid.isSolution(of: puzzle)
            },
            halts: map.haltingSignal(map.initialState(rows: 1).map(Double.init)[...]) == nil ? nil : { map.haltingSignal($0)! },
            haltsRotated: map.haltingSignal(map.initialState(rows: 1).map(Double.init)[...]) == nil
                ? nil : { map.haltingSignal(rotated: $0, seed: UInt64($1)) },
            wrongClueSegments: { (states: [Float], row: Int, cells: Int, segments: Int, seed: UInt64) throws(StabilityError) -> [Float] in
                let d = map.dimension, rows = states.count / d
                let blank = Int32(SudokuToken.blank)
                let input = set.puzzles[row].map { Int32($0 == 0 ? Int(blank) : $0 + 1) }
                let label = set.solutions[row].map { Int32($0 + 1) }
                let inputs = (0..<rows).map {
                    TrainingExamples.wrongClues(input, label: label, cells: cells,
                                                using: RandomSource(seed: RandomSource.mix(RandomSource.mix(seed, 0x3C1E), UInt64($0))))
                }
                let misled = try ReasoningLatentMap(model: model.model, inputs: inputs, threads: threads)
                var z = states, image = states
                for _ in 0..<segments {
                    z.withUnsafeBufferPointer { zp in
                        image.withUnsafeMutableBufferPointer { ip in
                            misled.apply(state: zp.baseAddress!, image: ip.baseAddress!, rows: RowSelection(count: rows))
                        }
                    }
                    swap(&z, &image)
                }
                return z
            },
            noisySegment: { states, rows, sigma, seeds in
                var image = states
                LatentBatch.withSelection(rows: rows.count, originalRows: rows) { sel in
                    states.withUnsafeBufferPointer { z in
                        image.withUnsafeMutableBufferPointer { out in
                            map.noisySegment(state: z.baseAddress!, image: out.baseAddress!, rows: sel, sigma: sigma, seeds: seeds)
                        }
                    }
                }
                return image
            })
    }

    static func seconds(_ d: Duration) -> Double {
        Double(d.components.seconds) + Double(d.components.attoseconds) * 1e-18
    }

    static func runCheck(_ check: ValidationSuite.Check, suite: ValidationSuite, options: Options) throws(StabilityError) -> CheckResult {
        let p = check.parameters
        switch check.kind {
        case .odeOrder:
            return try SolverValidation.odeOrder(methods: p.strings("methods")!, tolerance: p.number("tolerance")!,
                                                 largestStep: p.number("largest_step")!, halvings: p.integer("halvings")!)
        case .adaptiveReference:
            return try SolverValidation.adaptiveReference(
                methods: p.strings("methods")!, problem: p.string("problem")!, endTime: p.number("end_time"),
                tolerances: p.numbers("tolerances")!, factor: p.number("factor")!, referenceTolerance: p.number("reference_tolerance")!)
        case .stiffConservation:
            return try SolverValidation.stiffConservation(tolerance: p.number("tolerance")!, rtol: p.number("rtol")!)
        case .sdeStrongOrder, .sdeWeakOrder:
            return try SolverValidation.sdeOrder(strong: check.kind == .sdeStrongOrder, methods: p.strings("methods")!,
                                                 paths: p.integer("paths")!, seed: UInt64(p.integer("seed")!),
                                                 tolerance: p.number("tolerance")!)
        case .gradientCheck:
            return try GradientValidation.gradientCheck(problems: p.strings("problems")!, tolerance: p.number("tolerance")!,
                                                        repeats: p.integer("repeats")!)
        case .adjointMemory:
            return try GradientValidation.adjointMemory(steps: p.numbers("steps")!.map { Int($0) }, maxGrowth: p.number("max_growth")!)
        case .convergence, .localStability, .lyapunov, .basins, .fixedPoint, .noise:
            return try EquilibriumValidation.run(check, target: suite.target, limit: options.limit)
        }
    }

    /// `report.json` bytes (pretty, sorted keys; NaN and infinities as strings).
    public static func json(_ report: ValidationReport) throws(StabilityError) -> Data {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
        encoder.nonConformingFloatEncodingStrategy = .convertToString(positiveInfinity: "inf", negativeInfinity: "-inf", nan: "nan")
        do { return try encoder.encode(report) } catch { throw .underlying("encoding report.json: \(error)") }
    }

    /// Writes `report.json` and `index.html` into `directory` (created if needed).
    public static func writeReport(_ report: ValidationReport, to directory: String) throws(StabilityError) {
        do {
            try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
            try json(report).write(to: URL(fileURLWithPath: directory + "/report.json"))
            try Data(HTMLReport.render(report).utf8).write(to: URL(fileURLWithPath: directory + "/index.html"))
        } catch let e as StabilityError { throw e } catch {
            throw .underlying("writing the report to \(directory): \(fileErrorText(error))")
        }
    }
}

/// A Foundation file error as a short sentence ("No such file or directory: /x/y", "/x is a
/// file, not a directory"), without the `NSCocoaErrorDomain Code=…` dump.
public func fileErrorText(_ error: Error) -> String {
    let ns = error as NSError
    let path = (ns.userInfo[NSFilePathErrorKey] as? String) ?? (ns.userInfo[NSURLErrorKey] as? URL)?.path
    if let underlying = ns.userInfo[NSUnderlyingErrorKey] as? NSError, underlying.domain == NSPOSIXErrorDomain {
        return String(cString: strerror(Int32(underlying.code))) + (path.map { ": \($0)" } ?? "")
    }
    if let path, let reason = diagnoseUnwritable(path) { return reason }
    return "cannot access \(path ?? "the file") (file error \(ns.code))"
}

/// Why `path` cannot be created: the nearest existing ancestor is a file or not writable.
public func diagnoseUnwritable(_ path: String) -> String? {
    let fm = FileManager.default
    var url = URL(fileURLWithPath: path)
    while url.path != "/" && !url.path.isEmpty {
        var isDirectory: ObjCBool = false
        if fm.fileExists(atPath: url.path, isDirectory: &isDirectory) {
            if !isDirectory.boolValue { return url.path == path ? "\(path) is a file" : "\(url.path) is a file, not a directory" }
            if !fm.isWritableFile(atPath: url.path) { return "no permission to write in \(url.path)" }
            return nil
        }
        url = url.deletingLastPathComponent()
    }
    return nil
}
