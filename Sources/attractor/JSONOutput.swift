import Foundation

/// Prints `value` as pretty-printed JSON with sorted keys (every `--format json` output).
/// `nonFinite` spells ±∞ and NaN as strings ("inf", "-inf", "nan") instead of failing.
func printJSON(_ value: some Encodable, nonFinite: Bool = false) throws {
    let encoder = JSONEncoder()
    encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
    if nonFinite {
        encoder.nonConformingFloatEncodingStrategy = .convertToString(positiveInfinity: "inf", negativeInfinity: "-inf", nan: "nan")
    }
    print(String(decoding: try encoder.encode(value), as: UTF8.self))
}
