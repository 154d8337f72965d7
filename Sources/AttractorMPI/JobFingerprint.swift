import Foundation

/// The start-of-job check that every rank runs the same build with the same configuration.
///
/// Each rank hashes its executable file (FNV-1a 64 of `/proc/self/exe`) and describes its
/// configuration (version and arguments); `allgather` gives every rank every description, so
/// all ranks reach the same verdict and exit together — no rank waits in a collective the
/// others never enter.
public enum JobFingerprint {
    /// FNV-1a, 64 bit.
    public static func hash(_ bytes: UnsafeRawBufferPointer, seed: UInt64 = 0xcbf2_9ce4_8422_2325) -> UInt64 {
        var h = seed
        for b in bytes { h = (h ^ UInt64(b)) &* 0x100_0000_01b3 }
        return h
    }

    public static func hash(_ string: String) -> UInt64 {
        var s = string
        return s.withUTF8 { hash(UnsafeRawBufferPointer($0)) }
    }

    /// The hash of the running executable's bytes (0 when it cannot be read).
    public static func executableHash(path: String = "/proc/self/exe") -> UInt64 {
        guard let data = FileManager.default.contents(atPath: path) else { return 0 }
        return data.withUnsafeBytes { hash($0) }
    }

    /// One rank's description: `binary <hash>` and its configuration lines.
    public struct Description: Equatable, Sendable {
        public var binary: UInt64
        public var configuration: String
        public var host: String

        public init(binary: UInt64, configuration: String, host: String) {
            self.binary = binary
            self.configuration = configuration
            self.host = host
        }

        var bytes: [UInt8] { Array("\(String(binary, radix: 16))\n\(host)\n\(configuration)".utf8) }

        init(bytes: [UInt8]) {
            let parts = String(decoding: bytes, as: UTF8.self).split(separator: "\n", maxSplits: 2, omittingEmptySubsequences: false)
            binary = parts.count > 0 ? UInt64(parts[0], radix: 16) ?? 0 : 0
            host = parts.count > 1 ? String(parts[1]) : ""
            configuration = parts.count > 2 ? String(parts[2]) : ""
        }
    }

    /// The first difference from rank 0 in `descriptions` (nil when all agree).
    public static func mismatch(_ descriptions: [Description]) -> String? {
        guard let reference = descriptions.first else { return nil }
        for (r, d) in descriptions.enumerated().dropFirst() {
            if d.binary != reference.binary {
                return "rank \(r) (\(d.host)) runs a different attractor build than rank 0 (\(reference.host)): "
                    + "executable hash \(String(d.binary, radix: 16)) vs \(String(reference.binary, radix: 16)); "
                    + "install the same build on every node"
            }
            if d.configuration != reference.configuration {
                return "rank \(r) (\(d.host)) was started with a different configuration than rank 0: "
                    + "`\(d.configuration)` vs `\(reference.configuration)`; every rank must run the same command"
            }
        }
        return nil
    }

    /// Checks that all ranks agree on the build and `configuration`; throws on every rank
    /// when they do not (the message names the first rank that differs).
    public static func check(_ world: Communicator, configuration: String) throws(MPIError) {
        guard world.size > 1 else { return }
        let mine = Description(binary: executableHash(), configuration: configuration, host: world.processorName)
        let all = try world.allgather(mine.bytes).map(Description.init(bytes:))
        if let message = mismatch(all) { throw MPIError(message) }
    }
}
