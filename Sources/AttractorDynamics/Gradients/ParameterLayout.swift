/// Named views into a flat parameter buffer: each name owns a contiguous range and a
/// shape, in declaration order (e.g. `W [D, D]` at 0, `b [D]` at `D·D`).
public struct ParameterLayout: Sendable, Equatable {
    public struct Entry: Sendable, Equatable {
        public let name: String
        public let shape: [Int]
        public let offset: Int
        public var count: Int { shape.reduce(1, *) }
        public var range: Range<Int> { offset..<(offset + count) }
    }

    public private(set) var entries: [Entry] = []
    /// Total number of scalars.
    public private(set) var count = 0

    /// A layout of `(name, shape)` pairs laid out back to back.
    public init(_ parameters: [(name: String, shape: [Int])]) {
        for (name, shape) in parameters {
            precondition(!entries.contains { $0.name == name }, "duplicate parameter name \(name)")
            let e = Entry(name: name, shape: shape, offset: count)
            entries.append(e)
            count += e.count
        }
    }

    /// The entry called `name`, if any.
    public subscript(name: String) -> Entry? { entries.first { $0.name == name } }
}
