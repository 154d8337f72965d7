import AttractorNeural
import AttractorNumerics
import AttractorTasks
import Foundation

/// A Sudoku model whose answer is read from the **one** fixed point of a monotone operator:
/// token embedding plus a learned per-position bias → `MonotoneLayer` → linear answer head
/// (9 digits per cell). One level, no halting head: the equilibrium is the answer. Trained by
/// AdamW through the layer's implicit gradient (`trainStep`), scored at the equilibrium
/// (`score`). The probe behind Docs/Training.md's round 30; the reasoning models' `cmm` does
/// not use it yet (its two levels fall outside the guarantee, Docs/Neural.md).
public final class MonotoneSudokuModel {
    public let hidden: Int
    public let embedding: Embedding
    public let bias: ParameterView
    public let layer: MonotoneLayer
    public let head: Linear
    public let store: ParameterStore<Float>
    public let optimiser: AdamW<Float>
    public let maxBatch: Int
    let workspace: MonotoneLayer.Workspace<Float>
    let loss = SoftmaxCrossEntropy()
    var u: [Float], logits: [Float], dLogits: [Float], dz: [Float]
    var tokens: [Int32], targets: [Int32]

    public init(hidden: Int, strongMonotonicity m: Double, maxBatch: Int, seed: UInt64) {
        self.hidden = hidden
        self.maxBatch = maxBatch
        var layout = ParameterLayout()
        embedding = Embedding("embed", vocabulary: 11, dimension: hidden, layout: &layout,
                              initializer: .truncatedNormal(std: 1))
        bias = layout.add("bias", shape: [81, hidden], initializer: .zeros)
        layer = MonotoneLayer("mon", sequence: 81, hidden: hidden, strongMonotonicity: m, layout: &layout)
        head = Linear("head", inFeatures: hidden, outFeatures: 9, bias: true, layout: &layout,
                      initializer: .uniformFanIn(fanIn: hidden))
        store = ParameterStore(layout: layout)
        store.initialize(using: RandomSource(seed: seed))
        optimiser = AdamW(count: store.count, beta1: 0.9, beta2: 0.95, weightDecay: 0)
        workspace = MonotoneLayer.Workspace(layer, maxBatch: maxBatch)
        u = [Float](repeating: 0, count: maxBatch * 81 * hidden)
        dz = u
        logits = [Float](repeating: 0, count: maxBatch * 81 * 9)
        dLogits = logits
        tokens = []
        targets = []
    }

    /// Writes every parameter, by name, to a safetensors file (metadata: `hidden`, `m`); an
    /// existing file is replaced only by a complete new one (written beside it, then moved).
    public func save(to path: String) throws {
        var archive = SafetensorsArchive(metadata: ["format": "attractor-monotone-sudoku-1", "hidden": "\(hidden)",
                                                    "m": "\(layer.strongMonotonicity)"])
        for view in store.layout.views {
            try archive.set(view.name, shape: view.shape, scalars: store.values(named: view.name)!)
        }
        let partial = path + ".partial"
        try archive.write(toFile: partial)
        if FileManager.default.fileExists(atPath: path) { try FileManager.default.removeItem(atPath: path) }
        try FileManager.default.moveItem(atPath: partial, toPath: path)
    }

    /// A model read back from `save(to:)`'s file.
    /// - Throws: `SafetensorsError` for an unreadable file or a missing tensor,
    ///   `ReasoningError.invalidConfiguration` when it is not a monotone Sudoku model.
    public convenience init(contentsOf path: String, maxBatch: Int) throws {
        let archive = try SafetensorsArchive(contentsOfFile: path)
        guard archive.metadata["format"] == "attractor-monotone-sudoku-1", let hidden = archive.metadata["hidden"].flatMap(Int.init),
              let m = archive.metadata["m"].flatMap(Double.init) else {
            throw ReasoningError.invalidConfiguration("\(path) is not a monotone Sudoku model (format attractor-monotone-sudoku-1)")
        }
        self.init(hidden: hidden, strongMonotonicity: m, maxBatch: maxBatch, seed: 0)
        for view in store.layout.views {
            let (shape, values) = try archive.scalars(view.name, as: Float.self)
            guard shape == view.shape else {
                throw ReasoningError.invalidConfiguration("\(view.name) has shape \(shape) in \(path), expected \(view.shape)")
            }
            try store.setValues(named: view.name, values)
        }
    }

    /// Iterations and largest relative step of the last forward pass.
    public var lastIterations: Int { workspace.iterations }
    public var lastRelativeStep: Double { workspace.relativeStep }

    func load(_ examples: ArraySlice<SudokuExample>) {
        tokens.removeAll(keepingCapacity: true)
        targets.removeAll(keepingCapacity: true)
        for e in examples {
            tokens += e.puzzle.tokens.map { Int32($0) }
            targets += e.solution.cells.map { Int32($0) - 1 }
        }
    }

    /// Logits at the fixed point (to `tolerance`, at most `iterations`) for the loaded batch.
    func forward(batch: Int, iterations: Int, tolerance: Double) throws(NeuralError) {
        let p = UnsafePointer(store.values.pointer), n = 81 * hidden
        try tokens.withUnsafeBufferPointer { (t) throws(NeuralError) in
            try u.withUnsafeMutableBufferPointer { (b) throws(NeuralError) in
                try embedding.forward(t.baseAddress!, rows: batch * 81, parameters: p, into: b.baseAddress!)
            }
        }
        for b in 0..<batch { for i in 0..<n { u[b * n + i] += p[bias.offset + i] } }
        let z = u.withUnsafeBufferPointer {
            layer.forward($0.baseAddress!, batch: batch, parameters: p, workspace: workspace, tolerance: tolerance,
                          maximumIterations: iterations)
        }
        logits.withUnsafeMutableBufferPointer { head.forward(z, rows: batch * 81, parameters: p, into: $0.baseAddress!) }
    }

    /// One AdamW step on `examples` (≤ `maxBatch`): `forwardIterations` iterations of the
    /// layer (a truncation when the equilibrium is further), the implicit gradient with
    /// `adjointIterations` Neumann terms. Returns the mean cross-entropy over all 81 cells.
    @discardableResult
    public func trainStep(_ examples: ArraySlice<SudokuExample>, learningRate: Double, forwardIterations: Int = 100,
                          adjointIterations: Int = 20) throws(NeuralError) -> Double {
        let batch = examples.count
        precondition(batch > 0 && batch <= maxBatch, "batch \(batch) outside 1...\(maxBatch)")
        load(examples)
        try forward(batch: batch, iterations: forwardIterations, tolerance: 0)
        store.zeroGradients()
        let p = UnsafePointer(store.values.pointer), g = store.gradients.pointer, n = 81 * hidden
        let value = try targets.withUnsafeBufferPointer { (t) throws(NeuralError) in
            try logits.withUnsafeBufferPointer { (l) throws(NeuralError) in
                try dLogits.withUnsafeMutableBufferPointer { (d) throws(NeuralError) in
                    try loss.evaluate(logits: l.baseAddress!, targets: t.baseAddress!, rows: batch * 81, classes: 9,
                                      gradient: d.baseAddress!)
                }
            }
        }
        dLogits.withUnsafeBufferPointer { dl in
            dz.withUnsafeMutableBufferPointer {
                head.backward(dl.baseAddress!, input: UnsafePointer(workspace.output.pointer), rows: batch * 81,
                              parameters: p, gradients: g, inputCotangent: $0.baseAddress!)
            }
        }
        dz.withUnsafeBufferPointer {
            layer.backward($0.baseAddress!, parameters: p, gradients: g, workspace: workspace,
                           adjointIterations: adjointIterations)
        }
        let du = UnsafePointer(workspace.inputCotangent.pointer)
        for b in 0..<batch { for i in 0..<n { g[bias.offset + i] += du[b * n + i] } }
        tokens.withUnsafeBufferPointer { embedding.backward(du, tokens: $0.baseAddress!, rows: batch * 81, gradients: g) }
        _ = GradientClipping.clipGlobalNorm(store, maxNorm: 1)
        optimiser.update(store, learningRate: learningRate)
        return value.loss
    }

    public struct Score: Sendable {
        public var exact: Double
        public var blankCells: Double
        /// The largest iteration count a batch needed, and whether every batch converged.
        public var iterations: Int
        public var converged: Bool
    }

    /// Exact and blank-cell accuracy at the equilibrium (relative step `tolerance`).
    public func score(_ examples: [SudokuExample], tolerance: Double = 1e-5,
                      maximumIterations: Int = 50_000) throws(NeuralError) -> Score {
        var exact = 0, right = 0, blanks = 0, iterations = 0, converged = true
        var start = 0
        while start < examples.count {
            let slice = examples[start..<min(start + maxBatch, examples.count)]
            load(slice)
            try forward(batch: slice.count, iterations: maximumIterations, tolerance: tolerance)
            iterations = max(iterations, workspace.iterations)
            converged = converged && workspace.relativeStep <= tolerance
            for e in 0..<slice.count {
                var solved = true
                for c in 0..<81 {
                    let row = (e * 81 + c) * 9
                    var best = 0
                    for d in 1..<9 where logits[row + d] > logits[row + best] { best = d }
                    let correct = best == Int(targets[e * 81 + c])
                    if !correct { solved = false }
                    if tokens[e * 81 + c] == Int32(SudokuToken.blank) {
                        blanks += 1
                        if correct { right += 1 }
                    }
                }
                if solved { exact += 1 }
            }
            start += slice.count
        }
        return Score(exact: Double(exact) / Double(max(examples.count, 1)),
                     blankCells: Double(right) / Double(max(blanks, 1)), iterations: iterations, converged: converged)
    }
}
