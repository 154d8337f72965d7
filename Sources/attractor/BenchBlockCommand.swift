import ArgumentParser
import Attractor
import Foundation

/// `attractor bench block`: forward and forward+backward time of one network `F`, its
/// FLOP rate, and that rate as a fraction of this machine's sgemm rate (same run).
struct BenchBlockCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "block",
        abstract: "Time a stack of post-norm residual blocks (forward, forward+backward) against sgemm.")

    enum Format: String, ExpressibleByArgument, CaseIterable { case text, json }

    @Option(help: "Position mixer: \(BlockConfiguration.Mixer.allCases.map(\.rawValue).joined(separator: "|")).")
    var mixer: BlockConfiguration.Mixer = .mlp
    @Option(help: "Block structure: \(BlockConfiguration.Structure.allCases.map(\.rawValue).joined(separator: "|")).")
    var structure: BlockConfiguration.Structure = .postNorm
    @Flag(help: "Contractive blocks read an injected input in their channel MLP (block.injection).")
    var injection = false
    @Flag(help: "…and in their token mixing (block.tokenInjection; implies --injection).")
    var tokenInjection = false
    @Option(help: "Hidden width D.") var hidden: Int = 128
    @Option(help: "Sequence length L.") var seq: Int = 81
    @Option(help: "Number of blocks N.") var layers: Int = 2
    @Option(help: "Batch size B.") var batch: Int = 64
    @Option(name: .customLong("repeat"), help: "Timed repetitions (medians are reported).") var repeats: Int = 10
    @Option(help: "Attention heads (default hidden/64, at least 1).") var heads: Int?
    @Option(help: "Output format: text or json.") var format: Format = .text

    func validate() throws {
        guard hidden > 0, seq > 0, layers > 0, batch > 0, repeats > 0 else {
            throw ValidationError("--hidden, --seq, --layers, --batch and --repeat must be positive")
        }
        if let heads, heads <= 0 { throw ValidationError("--heads must be positive") }
    }

    func run() throws {
        try RequestBudgets.requireBlockBenchmark(hidden: hidden, sequence: seq, layers: layers, batch: batch)
        let config = BlockConfiguration(hidden: hidden, sequence: seq, layers: layers, mixer: mixer, heads: heads,
                                        structure: structure, injection: injection || tokenInjection,
                                        tokenInjection: tokenInjection)
        do { try config.validate() } catch { throw ValidationError("\(error)") }
        let r = try BlockBenchmark.run(configuration: config, batch: batch, repeats: repeats)
        switch format {
        case .json:
            try printJSON(r)
        case .text:
            print("block stack: \(structure.rawValue)\(config.injection ? " (injected input\(tokenInjection ? " in both MLPs" : ""))" : ""), mixer \(r.mixer), hidden \(r.hidden), seq \(r.sequence), layers \(r.layers), batch \(r.batch)")
            print(String(format: "forward           %9.3f ms (median of %d)", r.forwardSeconds * 1e3, r.repeats))
            print(String(format: "forward+backward  %9.3f ms", r.forwardBackwardSeconds * 1e3))
            print(String(format: "FLOPs fwd+bwd     %9.3f GFLOP", Double(r.flopsForwardBackward) / 1e9))
            print(String(format: "rate              %9.2f GFLOP/s", r.gflops))
            print(String(format: "sgemm %d³        %9.2f GFLOP/s (OpenBLAS core %@, %d threads)",
                         r.sgemmSize, r.sgemmGflops, r.blasCore, r.blasThreads))
            print(String(format: "fraction of sgemm %9.1f %%", r.fractionOfSgemm * 100))
        }
    }
}

extension BlockConfiguration.Mixer: ExpressibleByArgument {}
extension BlockConfiguration.Structure: ExpressibleByArgument {}
