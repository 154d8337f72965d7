import Foundation
import ArgumentParser

/// The text of `value` as JSON with sorted keys (every `--format json` output). NaN and ±∞,
/// which JSON cannot hold, are written as `null`, and a note on stderr says how many there
/// were, so a JSON output never fails on a non-finite number.
func jsonText(_ value: some Encodable, pretty: Bool = true) throws -> String {
    let encoder = JSONEncoder()
    encoder.outputFormatting = pretty ? [.prettyPrinted, .sortedKeys] : [.sortedKeys]
    let marker = "@@attractor-non-finite@@"
    encoder.nonConformingFloatEncodingStrategy = .convertToString(positiveInfinity: marker, negativeInfinity: marker, nan: marker)
    let data: Data
    do { data = try encoder.encode(value) } catch {
        throw CommandFailure("cannot write the result as JSON (\(error.localizedDescription)); use --format text", status: .software)
    }
    var text = String(decoding: data, as: UTF8.self)
    let quoted = "\"\(marker)\""
    let count = text.components(separatedBy: quoted).count - 1
    if count > 0 {
        text = text.replacingOccurrences(of: quoted, with: "null")
        standardError("note: \(count) non-finite value(s) (NaN or ±∞) written as null in the JSON output")
    }
    return text
}

/// Prints `value` as pretty-printed JSON (see `jsonText`). `nonFinite` is kept for callers
/// of the earlier signature; non-finite numbers are always written as null.
func printJSON(_ value: some Encodable, nonFinite: Bool = false, pretty: Bool = true) throws {
    print(try jsonText(value, pretty: pretty))
}

/// Output format of the commands that print a result: text (readable) or json.
enum OutputFormat: String, ExpressibleByArgument, CaseIterable {
    case text, json
}
