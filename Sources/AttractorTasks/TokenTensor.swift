/// A tensor of the dataset files: unsigned 8-bit tokens or signed 32-bit integers.
public struct TokenTensor: Hashable, Sendable {
    public enum DType: String, Hashable, Sendable { case u8 = "U8", i32 = "I32"
        var size: Int { self == .u8 ? 1 : 4 }
    }
    public var dtype: DType
    public var shape: [Int]
    /// Raw little-endian bytes, row-major.
    public var bytes: [UInt8]

    /// A U8 tensor (e.g. token grids `[n, 81]`).
    public init(u8 values: [UInt8], shape: [Int]) {
        precondition(shape.reduce(1, *) == values.count, "shape does not match the number of values")
        dtype = .u8; self.shape = shape; bytes = values
    }

    /// An I32 tensor (e.g. ratings `[n]`).
    public init(i32 values: [Int32], shape: [Int]) {
        precondition(shape.reduce(1, *) == values.count, "shape does not match the number of values")
        dtype = .i32; self.shape = shape
        var b = [UInt8](); b.reserveCapacity(4 * values.count)
        for v in values { withUnsafeBytes(of: v.littleEndian) { b.append(contentsOf: $0) } }
        bytes = b
    }

    init(dtype: DType, shape: [Int], bytes: [UInt8]) { self.dtype = dtype; self.shape = shape; self.bytes = bytes }

    public var elementCount: Int { shape.reduce(1, *) }

    /// The values of an I32 tensor (nil for U8).
    public var int32Values: [Int32]? {
        guard dtype == .i32 else { return nil }
        return (0..<elementCount).map { i in
            Int32(bitPattern: UInt32(bytes[4 * i]) | UInt32(bytes[4 * i + 1]) << 8
                  | UInt32(bytes[4 * i + 2]) << 16 | UInt32(bytes[4 * i + 3]) << 24)
        }
    }
}
