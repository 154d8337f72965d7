import Foundation

/// A size budget checked before large allocations: every request computes the bytes it needs
/// with overflow-checked products and is refused, with the figure and the limit, when it does
/// not fit. The limit is three quarters of the physical memory unless the environment variable
/// `ATTRACTOR_MEMORY_LIMIT` sets it (bytes, or with a suffix K, M, G, T: `ATTRACTOR_MEMORY_LIMIT=64G`).
public enum MemoryBudget {
    /// The environment variable that overrides the limit.
    public static let environmentVariable = "ATTRACTOR_MEMORY_LIMIT"

    /// A request larger than the limit (or whose size overflows `Int`).
    public struct Exceeded: Error, Equatable, Sendable, CustomStringConvertible {
        /// What was asked for ("the contraction problem's 100000×100000 matrix").
        public var what: String
        /// Bytes needed; nil when the size does not even fit in a 64-bit integer.
        public var bytes: Int?
        public var limit: Int

        public var description: String {
            let need = bytes.map { "needs \(MemoryBudget.format($0))" } ?? "needs more than 2⁶³ bytes (its size overflows)"
            return "\(what) \(need) of memory, more than the limit of \(MemoryBudget.format(limit)); "
                + "ask for less, or raise the limit with \(MemoryBudget.environmentVariable)=<bytes, e.g. 64G>"
        }
    }

    /// The limit in bytes (see the type's documentation).
    public static var limit: Int {
        if let text = ProcessInfo.processInfo.environment[environmentVariable], let bytes = parse(text) { return bytes }
        return defaultLimit
    }

    /// Three quarters of the physical memory.
    public static var defaultLimit: Int {
        let physical = ProcessInfo.processInfo.physicalMemory
        return Int(clamping: physical / 4 * 3)
    }

    /// "123", "512M", "64G", "1.5T" → bytes; nil for anything else.
    public static func parse(_ text: String) -> Int? {
        var t = text.trimmingCharacters(in: .whitespaces).uppercased()
        if t.hasSuffix("B") { t.removeLast() }
        var scale = 1.0
        if let last = t.last, let power = ["K": 1, "M": 2, "G": 3, "T": 4][String(last)] {
            scale = pow(1024, Double(power))
            t.removeLast()
        }
        guard let value = Double(t), value.isFinite, value > 0, value * scale < 9.2e18 else { return nil }
        return Int(value * scale)
    }

    /// The product of `factors`, nil when a factor is negative or the product overflows.
    public static func product(_ factors: [Int]) -> Int? {
        var p = 1
        for f in factors {
            guard f >= 0 else { return nil }
            let (r, overflow) = p.multipliedReportingOverflow(by: f)
            if overflow { return nil }
            p = r
        }
        return p
    }

    /// The product of `factors`, nil when a factor is negative or the product overflows.
    public static func product(_ factors: Int...) -> Int? { product(factors) }

    /// The sum of `terms` (each possibly nil = overflowed), nil on overflow.
    public static func sum(_ terms: Int?...) -> Int? {
        var s = 0
        for t in terms {
            guard let t else { return nil }
            let (r, overflow) = s.addingReportingOverflow(t)
            if overflow { return nil }
            s = r
        }
        return s
    }

    /// Throws `Exceeded` when `bytes` (nil = overflowed) is over the limit.
    public static func require(bytes: Int?, what: String) throws(Exceeded) {
        let limit = self.limit
        guard let bytes, bytes <= limit else { throw Exceeded(what: what, bytes: bytes, limit: limit) }
    }

    /// `require(bytes:)` for `count` elements of `bytesPerElement` bytes.
    public static func require(elements: Int, bytesPerElement: Int, what: String) throws(Exceeded) {
        try require(bytes: product(elements, bytesPerElement), what: what)
    }

    /// "80.0 GB" style (binary units).
    public static func format(_ bytes: Int) -> String {
        let units = ["bytes", "KiB", "MiB", "GiB", "TiB", "PiB", "EiB"]
        var v = Double(bytes), i = 0
        while v >= 1024 && i < units.count - 1 { v /= 1024; i += 1 }
        return i == 0 ? "\(bytes) bytes" : String(format: "%.1f %@", v, units[i])
    }
}
