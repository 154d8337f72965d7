import AttractorNeural
import AttractorNumerics
import Foundation

/// Checkpoints: a directory with `config.json` (the `Manifest`), `model.safetensors` (the
/// evaluation weights by parameter name: the EMA once it has forgotten its initialisation,
/// else the raw weights — see `ReasoningTrainer.evaluationUsesEMA`) and, for resuming,
/// `state.safetensors` (raw weights, EMA, AdamW moments, the slots' latent states, tokens
/// and counters). Every file is written to a temporary name and renamed, so an interrupted
/// write never leaves a corrupt checkpoint.
public enum ReasoningCheckpoint {
    public static let format = "attractor-reasoning-1"

    /// `config.json`.
    public struct Manifest: Codable, Sendable {
        public var format: String
        public var configuration: ReasoningConfiguration
        public var step: Int
        public var draws: Int
        public var seed: UInt64
        public var parameters: Int
        public var trainingSeconds: Double
        /// Free-form provenance (data, command line, last metrics).
        public var notes: [String: String]

        /// Process CPU seconds of training so far (all threads, across `--resume`), written
        /// by `attractor train`; nil in checkpoints without it.
        public var cpuSeconds: Double? { notes[Self.cpuSecondsKey].flatMap(Double.init) }

        /// The notes `attractor train` writes: data description, seed, CPU seconds, draws.
        public static func trainingNotes(data: String, seed: UInt64, cpuSeconds: Double, examplesSeen: Int) -> [String: String] {
            ["data": data, "seed": "\(seed)", cpuSecondsKey: String(format: "%.1f", cpuSeconds), "examples_seen": "\(examplesSeen)"]
        }

        static let cpuSecondsKey = "cpu_seconds"
    }

    /// Writes the trainer's checkpoint into `directory` (created if needed).
    public static func save(_ trainer: ReasoningTrainer, to directory: String, trainingSeconds: Double,
                            notes: [String: String] = [:], includeState: Bool = true) throws(ReasoningError) {
        do {
            try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
            let model = trainer.model
            let useEMA = trainer.evaluationUsesEMA
            var weights = SafetensorsArchive(metadata: ["format": format, "weights": useEMA ? "ema" : "raw"])
            let chosen = useEMA ? Array(trainer.ema.shadow.buffer) : model.store.values.array
            for view in model.store.layout.views {
                try weights.set(view.name, shape: view.shape, scalars: Array(chosen[view.offset..<view.end]))
            }
            if includeState {
                var state = SafetensorsArchive(metadata: ["format": format])
                try state.set("parameters", shape: [model.store.count], scalars: model.store.values.array)
                try state.set("ema", shape: [model.store.count], scalars: trainer.ema.shadow.array)
                try state.set("adam.m", shape: [model.store.count], scalars: trainer.optimizer.firstMoment.array)
                try state.set("adam.v", shape: [model.store.count], scalars: trainer.optimizer.secondMoment.array)
                let high = trainer.carryRows(high: true), low = trainer.carryRows(high: false)
                try state.set("carry.high", shape: [high.count], scalars: high)
                try state.set("carry.low", shape: [low.count], scalars: low)
                try state.set("slots.inputs", shape: [trainer.slotInputs.count], scalars: trainer.slotInputs)
                try state.set("slots.labels", shape: [trainer.slotLabels.count], scalars: trainer.slotLabels)
                try state.set("slots.segments", shape: [trainer.batch], scalars: trainer.slotSegments.map { Int64($0) })
                try state.set("slots.halted", shape: [trainer.batch], scalars: trainer.slotHalted.map { UInt8($0 ? 1 : 0) })
                try state.set("counters", shape: [3],
                              scalars: [Int64(trainer.step), Int64(trainer.draws), Int64(trainer.optimizer.step)])
                try atomicWrite(state.serialized(), to: directory + "/state.safetensors")
            }
            try atomicWrite(weights.serialized(), to: directory + "/model.safetensors")
            let manifest = Manifest(format: format, configuration: trainer.runConfiguration, step: trainer.step,
                                    draws: trainer.draws, seed: trainer.seed, parameters: model.store.count,
                                    trainingSeconds: trainingSeconds, notes: notes)
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
            try atomicWrite(Array(try encoder.encode(manifest)), to: directory + "/config.json")
        } catch let e as ReasoningError {
            throw e
        } catch {
            throw .checkpoint("cannot write \(directory): \(error)")
        }
    }

    static func atomicWrite(_ bytes: [UInt8], to path: String) throws {
        let temporary = path + ".tmp-\(getpid())"
        try Data(bytes).write(to: URL(fileURLWithPath: temporary))
        guard rename(temporary, path) == 0 else {
            throw ReasoningError.checkpoint("cannot rename \(temporary) to \(path): errno \(errno)")
        }
    }

    /// Reads `config.json` of a checkpoint directory.
    public static func manifest(at directory: String) throws(ReasoningError) -> Manifest {
        let path = directory + "/config.json"
        guard let data = FileManager.default.contents(atPath: path) else {
            throw .checkpoint("no checkpoint at \(directory) (missing config.json)")
        }
        do {
            let m = try JSONDecoder().decode(Manifest.self, from: data)
            guard m.format == format else { throw ReasoningError.checkpoint("\(path): format \(m.format), expected \(format)") }
            return m
        } catch let e as ReasoningError { throw e } catch {
            throw .checkpoint("\(path) is not a reasoning checkpoint: \(describe(error)); point --checkpoint at a directory written by `attractor train`")
        }
    }

    /// Loads a checkpoint's evaluation weights (`model.safetensors`) into a fresh model for up
    /// to `maxBatch` examples — or, with `rawWeights`, the training weights of its last step
    /// (`state.safetensors`' `parameters`), to compare them with the saved average.
    /// With `expecting`, a different model kind, preset or task is an error naming both.
    public static func loadModel(_ directory: String, maxBatch: Int, expecting model: ModelKind? = nil,
                                 preset: Preset? = nil, task: TaskKind? = nil, rawWeights: Bool = false) throws(ReasoningError)
        -> (model: ReasoningModel<Float>, manifest: Manifest) {
        let m = try manifest(at: directory)
        try check(m, model: model, preset: preset, task: task, directory: directory)
        try requireMemory(m.configuration, maxBatch: maxBatch, directory: directory)
        let net = try ReasoningModel<Float>(configuration: m.configuration, maxBatch: maxBatch, seed: m.seed)
        if rawWeights {
            let file = directory + "/state.safetensors"
            guard FileManager.default.fileExists(atPath: file) else {
                throw .checkpoint("\(directory) has no state.safetensors (a bundled or exported checkpoint, or a training snapshot, keeps only its evaluation weights); drop --raw-weights")
            }
            do {
                let (_, v) = try SafetensorsArchive(contentsOfFile: file).scalars("parameters", as: Float.self)
                guard v.count == net.store.count else {
                    throw ReasoningError.mismatch("\(file): parameters holds \(v.count) scalars, the model \(net.store.count)")
                }
                try requireFinite(v, tensor: "parameters", file: file)
                net.store.values.assign(v)
            } catch let e as ReasoningError { throw e } catch {
                throw .checkpoint("cannot read \(file): \(error)")
            }
            return (net, m)
        }
        let archive: SafetensorsArchive
        do { archive = try SafetensorsArchive(contentsOfFile: directory + "/model.safetensors") } catch {
            throw .checkpoint("cannot read \(directory)/model.safetensors: \(error)")
        }
        for view in net.store.layout.views {
            do {
                let (shape, scalars) = try archive.scalars(view.name, as: Float.self)
                guard shape == view.shape else {
                    throw ReasoningError.mismatch("parameter \(view.name) has shape \(shape) in the checkpoint, \(view.shape) in the model")
                }
                try requireFinite(scalars, tensor: view.name, file: directory + "/model.safetensors")
                try net.store.setValues(named: view.name, scalars)
            } catch let e as ReasoningError { throw e } catch {
                throw .checkpoint("\(directory)/model.safetensors: \(view.name): \(error)")
            }
        }
        return (net, m)
    }

    static func check(_ m: Manifest, model: ModelKind?, preset: Preset?, task: TaskKind?, directory: String) throws(ReasoningError) {
        if let model, model != m.configuration.model {
            throw .mismatch("checkpoint \(directory) holds a \(m.configuration.model.rawValue) model, not \(model.rawValue)")
        }
        if let preset, preset != m.configuration.preset {
            throw .mismatch("checkpoint \(directory) uses preset \(m.configuration.preset), not \(preset)")
        }
        if let task, task != m.configuration.task {
            throw .mismatch("checkpoint \(directory) was trained on \(m.configuration.task.rawValue), not \(task.rawValue)")
        }
    }

    /// Restores a trainer (built with the same configuration, data and seed) from
    /// `state.safetensors`, so training continues bit for bit.
    public static func restore(_ trainer: ReasoningTrainer, from directory: String) throws(ReasoningError) {
        let m = try manifest(at: directory)
        try check(m, model: trainer.configuration.model, preset: trainer.configuration.preset,
                  task: trainer.configuration.task, directory: directory)
        guard m.configuration == trainer.runConfiguration else {
            throw .mismatch("checkpoint \(directory) was trained with a different configuration (architecture, schedule or losses)")
        }
        guard m.seed == trainer.seed else { throw .mismatch("checkpoint seed \(m.seed) differs from --seed \(trainer.seed)") }
        do {
            let s = try SafetensorsArchive(contentsOfFile: directory + "/state.safetensors")
            func floats(_ name: String, into buffer: ScalarBuffer<Float>) throws {
                let (_, v) = try s.scalars(name, as: Float.self)
                guard v.count == buffer.count else { throw ReasoningError.mismatch("\(name): \(v.count) scalars, expected \(buffer.count)") }
                buffer.assign(v)
            }
            try floats("parameters", into: trainer.model.store.values)
            try floats("adam.m", into: trainer.optimizer.firstMoment)
            try floats("adam.v", into: trainer.optimizer.secondMoment)
            try trainer.setCarryRows(high: true, try s.scalars("carry.high", as: Float.self).scalars)
            try trainer.setCarryRows(high: false, try s.scalars("carry.low", as: Float.self).scalars)
            if s.names.contains("ema") {
                try floats("ema", into: trainer.ema.shadow)
            } else {  // first format: model.safetensors held the EMA
                let weights = try SafetensorsArchive(contentsOfFile: directory + "/model.safetensors")
                for view in trainer.model.store.layout.views {
                    let (_, v) = try weights.scalars(view.name, as: Float.self)
                    for i in 0..<view.count { trainer.ema.shadow.pointer[view.offset + i] = v[i] }
                }
            }
            trainer.slotInputs = try s.scalars("slots.inputs", as: Int32.self).scalars
            trainer.slotLabels = try s.scalars("slots.labels", as: Int32.self).scalars
            trainer.slotSegments = try s.scalars("slots.segments", as: Int64.self).scalars.map { Int($0) }
            trainer.slotHalted = try s.scalars("slots.halted", as: UInt8.self).scalars.map { $0 != 0 }
            let counters = try s.scalars("counters", as: Int64.self).scalars
            trainer.step = Int(counters[0])
            trainer.draws = Int(counters[1])
            trainer.optimizer.restore(step: Int(counters[2]))
        } catch let e as ReasoningError { throw e } catch {
            throw .checkpoint("cannot resume from \(directory)/state.safetensors: \(error)")
        }
    }
}
