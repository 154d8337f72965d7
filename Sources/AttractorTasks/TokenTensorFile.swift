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
    /// Serialises `tensors` and `metadata` to safetensors bytes.
    public static func encode(_ tensors: [String: TokenTensor], metadata: [String: String] = [:]) -> [UInt8] {
        var header = "{"
        var parts: [String] = []
        if !metadata.isEmpty {
            let items = metadata.keys.sorted().map { "\(jsonString($0)):\(jsonString(metadata[$0]!))" }
            parts.append("\"__metadata__\":{" + items.joined(separator: ",") + "}")
        }
        var offset = 0
        for name in tensors.keys.sorted() {
            let t = tensors[name]!
            let shape = t.shape.map(String.init).joined(separator: ",")
            parts.append("\(jsonString(name)):{\"dtype\":\"\(t.dtype.rawValue)\",\"shape\":[\(shape)],\"data_offsets\":[\(offset),\(offset + t.bytes.count)]}")
            offset += t.bytes.count
        }
        header += parts.joined(separator: ",") + "}"
        var headerBytes = Array(header.utf8)
        while headerBytes.count % 8 != 0 { headerBytes.append(UInt8(ascii: " ")) }
        var out = [UInt8]()
        out.reserveCapacity(8 + headerBytes.count + offset)
        withUnsafeBytes(of: UInt64(headerBytes.count).littleEndian) { out.append(contentsOf: $0) }
        out += headerBytes
        for name in tensors.keys.sorted() { out += tensors[name]!.bytes }
        return out
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

    /// Parses safetensors bytes; `path` only names the source in errors.
    public static func decode(_ bytes: [UInt8], path: String = "<memory>") throws -> (tensors: [String: TokenTensor], metadata: [String: String]) {
        func fail(_ reason: String) -> TokenTensorFileError { TokenTensorFileError(path: path, reason: reason) }
        guard bytes.count >= 8 else { throw fail("too short for a safetensors header (\(bytes.count) bytes)") }
        var n: UInt64 = 0
        for k in 0..<8 { n |= UInt64(bytes[k]) << (8 * UInt64(k)) }
        guard n <= UInt64(bytes.count - 8) else {
            throw fail("header length \(n) exceeds the file (\(bytes.count) bytes): truncated or not safetensors")
        }
        let headerEnd = 8 + Int(n)
        guard let json = try? JSONSerialization.jsonObject(with: Data(bytes[8..<headerEnd])),
              let header = json as? [String: Any] else { throw fail("header is not a JSON object") }
        let dataCount = bytes.count - headerEnd
        var metadata: [String: String] = [:]
        var tensors: [String: TokenTensor] = [:]
        var covered = 0
        for (name, value) in header {
            if name == "__metadata__" {
                guard let m = value as? [String: String] else { throw fail("__metadata__ must map strings to strings") }
                metadata = m
                continue
            }
            guard let entry = value as? [String: Any],
                  let dtypeName = entry["dtype"] as? String,
                  let shape = (entry["shape"] as? [Any])?.compactMap({ ($0 as? NSNumber)?.intValue }),
                  let offsets = (entry["data_offsets"] as? [Any])?.compactMap({ ($0 as? NSNumber)?.intValue }),
                  offsets.count == 2 else { throw fail("tensor '\(name)': malformed header entry") }
            guard let dtype = TokenTensor.DType(rawValue: dtypeName) else {
                throw fail("tensor '\(name)': unsupported dtype \(dtypeName) (expected U8 or I32)")
            }
            guard shape.allSatisfy({ $0 >= 0 }), offsets[0] >= 0, offsets[0] <= offsets[1], offsets[1] <= dataCount else {
                throw fail("tensor '\(name)': data offsets \(offsets) outside the data section (\(dataCount) bytes): truncated or corrupted file")
            }
            let expected = shape.reduce(1, *) * dtype.size
            guard offsets[1] - offsets[0] == expected else {
                throw fail("tensor '\(name)': shape \(shape) needs \(expected) bytes, offsets give \(offsets[1] - offsets[0])")
            }
            covered += expected
            tensors[name] = TokenTensor(dtype: dtype, shape: shape,
                                        bytes: Array(bytes[(headerEnd + offsets[0])..<(headerEnd + offsets[1])]))
        }
        guard covered == dataCount else {
            throw fail("data section has \(dataCount) bytes but tensors cover \(covered): truncated or padded file")
        }
        return (tensors, metadata)
    }

    /// A U8 tensor named `name` of shape `[n, width]`, or a clear error.
    public static func tokens(_ tensors: [String: TokenTensor], _ name: String, width: Int, path: String) throws -> TokenTensor {
        guard let t = tensors[name] else { throw TokenTensorFileError(path: path, reason: "missing tensor '\(name)'") }
        guard t.dtype == .u8, t.shape.count == 2, t.shape[1] == width else {
            throw TokenTensorFileError(path: path, reason: "tensor '\(name)' must be U8 [n, \(width)], found \(t.dtype.rawValue) \(t.shape)")
        }
        return t
    }

    static func jsonString(_ s: String) -> String {
        var out = "\""
        for u in s.unicodeScalars {
            switch u {
            case "\"": out += "\\\""
            case "\\": out += "\\\\"
            case "\n": out += "\\n"
            case "\t": out += "\\t"
            default:
                if u.value < 0x20 { out += String(format: "\\u%04x", u.value) } else { out.unicodeScalars.append(u) }
            }
        }
        return out + "\""
    }
}
