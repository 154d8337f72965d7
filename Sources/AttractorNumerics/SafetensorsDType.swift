/// The element types of the safetensors format, spelled as in the file header.
///
/// The declaration order matters: `rank` mirrors the Rust reference implementation's
/// `Dtype` ordering, which decides the order tensors are laid out when a file is written
/// (largest rank first, then by name), so files written here match Python's byte for byte.
public enum SafetensorsDType: String, Sendable, CaseIterable, Comparable {
    case bool = "BOOL"
    case u8 = "U8"
    case i8 = "I8"
    case i16 = "I16"
    case u16 = "U16"
    case f16 = "F16"
    case bf16 = "BF16"
    case i32 = "I32"
    case u32 = "U32"
    case f32 = "F32"
    case f64 = "F64"
    case i64 = "I64"
    case u64 = "U64"

    /// Bytes per element.
    public var byteCount: Int {
        switch self {
        case .bool, .u8, .i8: return 1
        case .i16, .u16, .f16, .bf16: return 2
        case .i32, .u32, .f32: return 4
        case .f64, .i64, .u64: return 8
        }
    }

    /// Position in the reference implementation's dtype order (see type comment).
    var rank: Int {
        switch self {
        case .bool: return 0
        case .u8: return 4
        case .i8: return 5
        case .i16: return 9
        case .u16: return 10
        case .f16: return 11
        case .bf16: return 12
        case .i32: return 13
        case .u32: return 14
        case .f32: return 15
        case .f64: return 17
        case .i64: return 18
        case .u64: return 19
        }
    }

    public static func < (lhs: Self, rhs: Self) -> Bool { lhs.rank < rhs.rank }
}

/// A Swift type that can be stored in and loaded from a safetensors tensor
/// (little-endian, fixed width).
public protocol SafetensorsElement: Sendable {
    static var safetensorsDType: SafetensorsDType { get }
    /// The value's little-endian bytes, appended to `bytes`.
    func appendLittleEndianBytes(to bytes: inout [UInt8])
    /// Decodes one value from `byteCount` little-endian bytes at `pointer`.
    static func fromLittleEndianBytes(_ pointer: UnsafeRawPointer) -> Self
}

/// Fixed-width integers: the bit pattern in little-endian order.
public protocol SafetensorsIntegerElement: SafetensorsElement, FixedWidthInteger {}

extension SafetensorsIntegerElement {
    @inlinable public func appendLittleEndianBytes(to bytes: inout [UInt8]) {
        withUnsafeBytes(of: littleEndian) { bytes.append(contentsOf: $0) }
    }
    @inlinable public static func fromLittleEndianBytes(_ pointer: UnsafeRawPointer) -> Self {
        Self(littleEndian: pointer.loadUnaligned(as: Self.self))
    }
}

extension UInt8: SafetensorsIntegerElement { public static var safetensorsDType: SafetensorsDType { .u8 } }
extension Int8: SafetensorsIntegerElement { public static var safetensorsDType: SafetensorsDType { .i8 } }
extension Int16: SafetensorsIntegerElement { public static var safetensorsDType: SafetensorsDType { .i16 } }
extension UInt16: SafetensorsIntegerElement { public static var safetensorsDType: SafetensorsDType { .u16 } }
extension Int32: SafetensorsIntegerElement { public static var safetensorsDType: SafetensorsDType { .i32 } }
extension UInt32: SafetensorsIntegerElement { public static var safetensorsDType: SafetensorsDType { .u32 } }
extension Int64: SafetensorsIntegerElement { public static var safetensorsDType: SafetensorsDType { .i64 } }
extension UInt64: SafetensorsIntegerElement { public static var safetensorsDType: SafetensorsDType { .u64 } }

extension Float: SafetensorsElement {
    public static var safetensorsDType: SafetensorsDType { .f32 }
    @inlinable public func appendLittleEndianBytes(to bytes: inout [UInt8]) {
        bitPattern.appendLittleEndianBytes(to: &bytes)
    }
    @inlinable public static func fromLittleEndianBytes(_ pointer: UnsafeRawPointer) -> Float {
        Float(bitPattern: UInt32.fromLittleEndianBytes(pointer))
    }
}

extension Double: SafetensorsElement {
    public static var safetensorsDType: SafetensorsDType { .f64 }
    @inlinable public func appendLittleEndianBytes(to bytes: inout [UInt8]) {
        bitPattern.appendLittleEndianBytes(to: &bytes)
    }
    @inlinable public static func fromLittleEndianBytes(_ pointer: UnsafeRawPointer) -> Double {
        Double(bitPattern: UInt64.fromLittleEndianBytes(pointer))
    }
}

extension Bool: SafetensorsElement {
    public static var safetensorsDType: SafetensorsDType { .bool }
    public func appendLittleEndianBytes(to bytes: inout [UInt8]) { bytes.append(self ? 1 : 0) }
    public static func fromLittleEndianBytes(_ pointer: UnsafeRawPointer) -> Bool {
        pointer.load(as: UInt8.self) != 0
    }
}
