/// Why a safetensors file could not be read, or a tensor could not be taken from it.
public enum SafetensorsError: Error, Equatable, Sendable, CustomStringConvertible {
    /// The file ends before the 8-byte header length, or before the header it announces.
    case truncated(needed: UInt64, available: Int)
    /// The announced header length exceeds the limit (guards against absurd allocations).
    case headerTooLarge(length: UInt64, limit: Int)
    /// The header is not UTF-8 JSON of the expected structure.
    case invalidHeader(String)
    /// A tensor names a dtype this implementation does not know.
    case unknownDType(tensor: String, dtype: String)
    /// A shape with a negative dimension or an element count that overflows.
    case invalidShape(tensor: String, shape: [Int])
    /// `data_offsets` not a pair `[begin, end]` with `begin ≤ end ≤ data size`.
    case offsetsOutOfRange(tensor: String, begin: Int, end: Int, dataSize: Int)
    /// Tensors overlap or leave a gap: sorted by offset, this tensor should begin at `expected`.
    case offsetsNotContiguous(tensor: String, expected: Int, begin: Int)
    /// The data section has bytes no tensor covers.
    case dataNotCovered(covered: Int, dataSize: Int)
    /// The byte range does not hold `shape`'s element count of `dtype`.
    case byteCountMismatch(tensor: String, dtype: SafetensorsDType, shape: [Int], expected: Int, actual: Int)
    /// The same tensor name twice (in one header, or when adding to an archive).
    case duplicateTensor(String)
    /// No tensor of that name.
    case missingTensor(String)
    /// The stored dtype is not the one asked for.
    case dtypeMismatch(tensor: String, stored: SafetensorsDType, requested: SafetensorsDType)
    /// The stored shape is not the one expected.
    case shapeMismatch(tensor: String, stored: [Int], expected: [Int])
    /// Reading or writing the file failed.
    case io(path: String, reason: String)

    public var description: String {
        switch self {
        case let .truncated(needed, available):
            return "safetensors: truncated file (needs at least \(needed) bytes, has \(available))"
        case let .headerTooLarge(length, limit):
            return "safetensors: header length \(length) exceeds the limit of \(limit) bytes"
        case let .invalidHeader(reason):
            return "safetensors: invalid header: \(reason)"
        case let .unknownDType(tensor, dtype):
            return "safetensors: tensor '\(tensor)' has unknown dtype '\(dtype)'"
        case let .invalidShape(tensor, shape):
            return "safetensors: tensor '\(tensor)' has invalid shape \(shape)"
        case let .offsetsOutOfRange(tensor, begin, end, size):
            return "safetensors: tensor '\(tensor)' data_offsets [\(begin), \(end)] outside the data section of \(size) bytes"
        case let .offsetsNotContiguous(tensor, expected, begin):
            return "safetensors: tensor '\(tensor)' begins at byte \(begin), expected \(expected) (tensors overlap or leave a gap)"
        case let .dataNotCovered(covered, size):
            return "safetensors: tensors cover \(covered) of \(size) data bytes"
        case let .byteCountMismatch(tensor, dtype, shape, expected, actual):
            return "safetensors: tensor '\(tensor)' (\(dtype.rawValue) \(shape)) needs \(expected) bytes, offsets give \(actual)"
        case let .duplicateTensor(name):
            return "safetensors: duplicate tensor '\(name)'"
        case let .missingTensor(name):
            return "safetensors: no tensor named '\(name)'"
        case let .dtypeMismatch(tensor, stored, requested):
            return "safetensors: tensor '\(tensor)' is \(stored.rawValue), requested \(requested.rawValue)"
        case let .shapeMismatch(tensor, stored, expected):
            return "safetensors: tensor '\(tensor)' has shape \(stored), expected \(expected)"
        case let .io(path, reason):
            return "safetensors: \(path): \(reason)"
        }
    }
}
