import Foundation

/// A set of named tensors in the safetensors format: an 8-byte little-endian header
/// length `N`, `N` bytes of UTF-8 JSON (`{"name": {"dtype", "shape", "data_offsets"}, …,
/// "__metadata__": {string: string}}`, padded with spaces to a multiple of 8), then the
/// little-endian tensor data, every byte covered by exactly one tensor.
///
/// Reading validates everything before touching data: the header length against the
/// file size and a limit, the JSON structure, every dtype and shape, and that the
/// offsets tile the data section exactly (no overlap, no gap, no over-read). Failures are
/// `SafetensorsError`s; nothing traps on a malformed file.
///
/// Writing lays tensors out as the reference implementation does (by dtype width, then
/// by name), so a file written here is byte-identical to one written by Python's
/// `safetensors` for the same tensors and at most one metadata entry (Python orders
/// several metadata entries by hash; here they are sorted by key). See `Docs/Safetensors.md`.
public struct SafetensorsArchive: Sendable, Equatable {
    /// One stored tensor: dtype, shape and its raw little-endian bytes.
    public struct Entry: Sendable, Equatable {
        public let dtype: SafetensorsDType
        public let shape: [Int]
        public let bytes: [UInt8]
        public var elementCount: Int { shape.reduce(1, *) }
    }

    /// Largest header accepted on read (the reference implementation's limit, 100 MB).
    public static let maximumHeaderLength = 100_000_000

    /// Free-form string metadata (`__metadata__`).
    public var metadata: [String: String]
    /// The tensors by name.
    public private(set) var entries: [String: Entry]

    /// Tensor names, sorted.
    public var names: [String] { entries.keys.sorted() }

    /// An empty archive.
    public init(metadata: [String: String] = [:]) {
        self.metadata = metadata
        self.entries = [:]
    }

    // MARK: Adding tensors

    /// Stores `scalars` under `name` with `shape` (replacing any tensor of that name).
    /// - Throws: `.invalidShape` when the shape's element count is not `scalars.count`.
    public mutating func set<E: SafetensorsElement>(_ name: String, shape: [Int], scalars: [E]) throws(SafetensorsError) {
        guard let count = Self.elementCount(shape), count == scalars.count else {
            throw .invalidShape(tensor: name, shape: shape)
        }
        var bytes: [UInt8] = []
        bytes.reserveCapacity(count * E.safetensorsDType.byteCount)
        for s in scalars { s.appendLittleEndianBytes(to: &bytes) }
        entries[name] = Entry(dtype: E.safetensorsDType, shape: shape, bytes: bytes)
    }

    /// Stores a tensor under `name` with its own shape and scalar type (`F32` or `F64`).
    public mutating func set<T: Scalar & SafetensorsElement>(_ name: String, _ tensor: Tensor<T>) {
        // The tensor's shape always matches its scalar count.
        try! set(name, shape: tensor.shape, scalars: tensor.scalars)
    }

    // MARK: Taking tensors out

    /// The scalars of tensor `name`, which must be stored as `E`'s dtype.
    /// - Throws: `.missingTensor`, `.dtypeMismatch`.
    public func scalars<E: SafetensorsElement>(_ name: String, as type: E.Type = E.self) throws(SafetensorsError) -> (shape: [Int], scalars: [E]) {
        guard let entry = entries[name] else { throw .missingTensor(name) }
        guard entry.dtype == E.safetensorsDType else {
            throw .dtypeMismatch(tensor: name, stored: entry.dtype, requested: E.safetensorsDType)
        }
        let width = entry.dtype.byteCount
        let values = entry.bytes.withUnsafeBytes { raw in
            (0..<entry.elementCount).map { E.fromLittleEndianBytes(raw.baseAddress! + $0 * width) }
        }
        return (entry.shape, values)
    }

    /// Tensor `name` as a `Tensor<T>`, optionally checking its shape.
    /// - Throws: `.missingTensor`, `.dtypeMismatch`, `.shapeMismatch`.
    public func tensor<T: Scalar & SafetensorsElement>(
        _ name: String, as type: T.Type = T.self, shape expected: [Int]? = nil
    ) throws(SafetensorsError) -> Tensor<T> {
        let (shape, values) = try scalars(name, as: T.self)
        if let expected, expected != shape { throw .shapeMismatch(tensor: name, stored: shape, expected: expected) }
        return Tensor(shape: shape, scalars: values)
    }

    // MARK: Serialising

    /// The file's bytes.
    /// - Complexity: O(total tensor bytes).
    public func serialized() -> [UInt8] {
        let order = entries.keys.sorted { l, r in
            let dl = entries[l]!.dtype, dr = entries[r]!.dtype
            return dl != dr ? dl > dr : l.utf8.lexicographicallyPrecedes(r.utf8)
        }
        var header = "{"
        var parts: [String] = []
        if !metadata.isEmpty {
            let members = metadata.keys.sorted().map { "\(Self.jsonString($0)):\(Self.jsonString(metadata[$0]!))" }
            parts.append("\"__metadata__\":{" + members.joined(separator: ",") + "}")
        }
        var offset = 0
        for name in order {
            let e = entries[name]!
            let shape = e.shape.map(String.init).joined(separator: ",")
            parts.append("\(Self.jsonString(name)):{\"dtype\":\"\(e.dtype.rawValue)\",\"shape\":[\(shape)],\"data_offsets\":[\(offset),\(offset + e.bytes.count)]}")
            offset += e.bytes.count
        }
        header += parts.joined(separator: ",") + "}"
        var headerBytes = Array(header.utf8)
        while headerBytes.count % 8 != 0 { headerBytes.append(0x20) }
        var out: [UInt8] = []
        out.reserveCapacity(8 + headerBytes.count + offset)
        UInt64(headerBytes.count).appendLittleEndianBytes(to: &out)
        out.append(contentsOf: headerBytes)
        for name in order { out.append(contentsOf: entries[name]!.bytes) }
        return out
    }

    /// Writes the archive to `path` (atomically: a temporary file renamed into place).
    public func write(toFile path: String) throws(SafetensorsError) {
        do {
            try Data(serialized()).write(to: URL(fileURLWithPath: path), options: .atomic)
        } catch {
            throw .io(path: path, reason: "\(error.localizedDescription)")
        }
    }

    // MARK: Parsing

    /// Reads and validates the file at `path`.
    public init(contentsOfFile path: String) throws(SafetensorsError) {
        let data: Data
        do {
            data = try Data(contentsOf: URL(fileURLWithPath: path))
        } catch {
            throw .io(path: path, reason: "\(error.localizedDescription)")
        }
        try self.init(bytes: [UInt8](data))
    }

    /// Parses and validates a complete file image.
    /// - Complexity: O(file size).
    public init(bytes: [UInt8]) throws(SafetensorsError) {
        guard bytes.count >= 8 else { throw .truncated(needed: 8, available: bytes.count) }
        let headerLength = bytes.withUnsafeBytes { UInt64.fromLittleEndianBytes($0.baseAddress!) }
        guard headerLength <= UInt64(Self.maximumHeaderLength) else {
            throw .headerTooLarge(length: headerLength, limit: Self.maximumHeaderLength)
        }
        let n = Int(headerLength)
        guard bytes.count - 8 >= n else { throw .truncated(needed: 8 + headerLength, available: bytes.count) }
        guard n > 0, bytes[8] == UInt8(ascii: "{") else { throw .invalidHeader("header must be a JSON object starting with '{'") }
        let json = try bytes.withUnsafeBufferPointer { buffer throws(SafetensorsError) in
            try SafetensorsJSONParser.parse(UnsafeBufferPointer(rebasing: buffer[8..<(8 + n)]))
        }
        guard case let .object(members) = json else { throw .invalidHeader("header is not a JSON object") }

        let dataStart = 8 + n
        let dataSize = bytes.count - dataStart
        var metadata: [String: String] = [:]
        var spans: [(name: String, dtype: SafetensorsDType, shape: [Int], begin: Int, end: Int)] = []
        for (name, value) in members {
            if name == "__metadata__" {
                if case .null = value { continue }
                guard case let .object(pairs) = value else { throw .invalidHeader("__metadata__ must be an object of strings") }
                for (k, v) in pairs {
                    guard case let .string(s) = v else { throw .invalidHeader("__metadata__ value for '\(k)' is not a string") }
                    metadata[k] = s
                }
                continue
            }
            spans.append(try Self.parseTensorInfo(name: name, value, dataSize: dataSize))
        }
        // The offsets must tile [0, dataSize) exactly.
        spans.sort { ($0.begin, $0.end) < ($1.begin, $1.end) }
        var cursor = 0
        var entries: [String: Entry] = [:]
        for s in spans {
            guard s.begin == cursor else { throw .offsetsNotContiguous(tensor: s.name, expected: cursor, begin: s.begin) }
            let slice = Array(bytes[(dataStart + s.begin)..<(dataStart + s.end)])
            entries[s.name] = Entry(dtype: s.dtype, shape: s.shape, bytes: slice)
            cursor = s.end
        }
        guard cursor == dataSize else { throw .dataNotCovered(covered: cursor, dataSize: dataSize) }
        self.metadata = metadata
        self.entries = entries
    }

    private static func parseTensorInfo(
        name: String, _ value: SafetensorsJSON, dataSize: Int
    ) throws(SafetensorsError) -> (name: String, dtype: SafetensorsDType, shape: [Int], begin: Int, end: Int) {
        guard case let .object(fields) = value else { throw .invalidHeader("tensor '\(name)' is not an object") }
        var dtypeName: String?, shape: [Int]?, offsets: [Int]?
        for (key, v) in fields {
            switch key {
            case "dtype":
                guard case let .string(s) = v else { throw .invalidHeader("tensor '\(name)': dtype is not a string") }
                dtypeName = s
            case "shape":
                shape = try integerArray(v, what: "tensor '\(name)': shape")
            case "data_offsets":
                offsets = try integerArray(v, what: "tensor '\(name)': data_offsets")
            default:
                throw .invalidHeader("tensor '\(name)': unexpected field '\(key)'")
            }
        }
        guard let dtypeName, let shape, let offsets else {
            throw .invalidHeader("tensor '\(name)' needs dtype, shape and data_offsets")
        }
        guard let dtype = SafetensorsDType(rawValue: dtypeName) else { throw .unknownDType(tensor: name, dtype: dtypeName) }
        guard let count = elementCount(shape) else { throw .invalidShape(tensor: name, shape: shape) }
        guard offsets.count == 2 else { throw .invalidHeader("tensor '\(name)': data_offsets must be [begin, end]") }
        let (begin, end) = (offsets[0], offsets[1])
        guard begin >= 0, begin <= end, end <= dataSize else {
            throw .offsetsOutOfRange(tensor: name, begin: begin, end: end, dataSize: dataSize)
        }
        let (expected, overflow) = count.multipliedReportingOverflow(by: dtype.byteCount)
        guard !overflow, expected == end - begin else {
            throw .byteCountMismatch(tensor: name, dtype: dtype, shape: shape,
                                     expected: overflow ? Int.max : expected, actual: end - begin)
        }
        return (name, dtype, shape, begin, end)
    }

    private static func integerArray(_ v: SafetensorsJSON, what: String) throws(SafetensorsError) -> [Int] {
        guard case let .array(items) = v else { throw .invalidHeader("\(what) is not an array") }
        var out: [Int] = []
        for item in items {
            guard case let .integer(i) = item, i >= 0 else { throw .invalidHeader("\(what) must hold non-negative integers") }
            out.append(i)
        }
        return out
    }

    /// The product of `shape`, or nil on a negative dimension or overflow.
    static func elementCount(_ shape: [Int]) -> Int? {
        var n = 1
        for d in shape {
            guard d >= 0 else { return nil }
            let (p, o) = n.multipliedReportingOverflow(by: d)
            if o { return nil }
            n = p
        }
        return n
    }

    private static func jsonString(_ s: String) -> String {
        var out = "\""
        for u in s.unicodeScalars {
            switch u {
            case "\"": out += "\\\""
            case "\\": out += "\\\\"
            case "\n": out += "\\n"
            case "\r": out += "\\r"
            case "\t": out += "\\t"
            case _ where u.value < 0x20: out += String(format: "\\u%04x", u.value)
            default: out.unicodeScalars.append(u)
            }
        }
        return out + "\""
    }
}
