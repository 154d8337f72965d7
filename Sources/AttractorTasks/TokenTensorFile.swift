import AttractorNumerics
import Foundation

/// Reads and writes the dataset files: the **safetensors** format restricted to U8 and I32
/// tensors (readable by `safetensors.numpy.load_file` and by HF tooling).
///
/// Layout: an 8-byte little-endian header length `N`, `N` bytes of JSON header
/// (`{"__metadata__": {string: string}, name: {"dtype", "shape", "data_offsets": [begin, end]}}`,
/// padded with spaces to a multiple of 8), then the tensors' bytes back to back.
/// Writing is deterministic: tensors and metadata keys in sorted order, no timestamps, so one
/// seed gives byte-identical files. Reading checks every offset, shape and dtype.
public enum TokenTensorFile {
    /// Serialises `tensors` and `metadata` to safetensors bytes (through the numerics
    /// layer's `SafetensorsArchive`, which lays tensors out as the reference writer does).
    public static func encode(_ tensors: [String: TokenTensor], metadata: [String: String] = [:]) -> [UInt8] {
        var archive = SafetensorsArchive(metadata: metadata)
        for (name, t) in tensors {
            // A TokenTensor's byte count always matches its shape, so `set` cannot fail.
            switch t.dtype {
            case .u8: try! archive.set(name, shape: t.shape, scalars: t.bytes)
            case .i32: try! archive.set(name, shape: t.shape, scalars: t.int32Values!)
            }
        }
        return archive.serialized()
    }

    /// Writes `tensors` to `path` atomically.
    public static func write(_ tensors: [String: TokenTensor], metadata: [String: String] = [:], to path: String) throws {
        try Data(encode(tensors, metadata: metadata)).write(to: URL(fileURLWithPath: path), options: .atomic)
    }

    /// Reads a file written by ``write(_:metadata:to:)`` (or any safetensors file of U8/I32 tensors).
    public static func read(path: String) throws -> (tensors: [String: TokenTensor], metadata: [String: String]) {
        guard FileManager.default.fileExists(atPath: path) else {
            throw TokenTensorFileError(path: path, reason: "no such file")
        }
        let data: Data
        do { data = try Data(contentsOf: URL(fileURLWithPath: path)) } catch {
            throw TokenTensorFileError(path: path, reason: "cannot read: \(error.localizedDescription)")
        }
        return try decode(Array(data), path: path)
    }

    /// Parses safetensors bytes (validated by `SafetensorsArchive`: header, offsets, dtypes,
    /// coverage); `path` only names the source in errors.
    public static func decode(_ bytes: [UInt8], path: String = "<memory>") throws -> (tensors: [String: TokenTensor], metadata: [String: String]) {
        let archive: SafetensorsArchive
        do { archive = try SafetensorsArchive(bytes: bytes) } catch {
            throw TokenTensorFileError(path: path, reason: error.description)
        }
        var tensors: [String: TokenTensor] = [:]
        for name in archive.names {
            let entry = archive.entries[name]!
            let dtype: TokenTensor.DType
            switch entry.dtype.rawValue {
            case "U8": dtype = .u8
            case "I32": dtype = .i32
            default:
                throw TokenTensorFileError(
                    path: path, reason: "tensor '\(name)': unsupported dtype \(entry.dtype.rawValue) (expected U8 or I32)")
            }
            tensors[name] = TokenTensor(dtype: dtype, shape: entry.shape, bytes: entry.bytes)
        }
        return (tensors, archive.metadata)
    }

    /// A U8 tensor named `name` of shape `[n, width]`, or a clear error.
    public static func tokens(_ tensors: [String: TokenTensor], _ name: String, width: Int, path: String) throws -> TokenTensor {
        guard let t = tensors[name] else { throw TokenTensorFileError(path: path, reason: "missing tensor '\(name)'") }
        guard t.dtype == .u8, t.shape.count == 2, t.shape[1] == width else {
            throw TokenTensorFileError(path: path, reason: "tensor '\(name)' must be U8 [n, \(width)], found \(t.dtype.rawValue) \(t.shape)")
        }
        return t
    }
}
