/// A JSON decoding failure as one sentence, "what, at which key" — for messages to users,
/// instead of a raw `DecodingError` dump. Used by checkpoint loading and the CLI.
public func describeDecodingError(_ error: DecodingError) -> String {
    func at(_ path: [CodingKey]) -> String {
        path.isEmpty ? "" : " at " + path.map { $0.intValue.map { "[\($0)]" } ?? $0.stringValue }.joined(separator: ".")
    }
    switch error {
    case let .dataCorrupted(c): return "not valid JSON\(at(c.codingPath)) (\(c.debugDescription))"
    case let .keyNotFound(key, c): return "missing key '\(key.stringValue)'\(at(c.codingPath))"
    case let .typeMismatch(type, c): return "expected \(type)\(at(c.codingPath)) (\(c.debugDescription))"
    case let .valueNotFound(type, c): return "missing \(type) value\(at(c.codingPath))"
    @unknown default: return "\(error)"
    }
}
