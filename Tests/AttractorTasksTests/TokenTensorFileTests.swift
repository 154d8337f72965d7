import Foundation
import Testing
import AttractorTasks

@Suite struct TokenTensorFileTests {
    static let sample: [String: TokenTensor] = [
        "inputs": TokenTensor(u8: (0..<162).map { UInt8($0 % 11) }, shape: [2, 81]),
        "ratings": TokenTensor(i32: [7, -3], shape: [2]),
    ]

    @Test func roundTripsAndIsDeterministic() throws {
        let bytes = TokenTensorFile.encode(Self.sample, metadata: ["seed": "4", "split": "train"])
        #expect(bytes == TokenTensorFile.encode(Self.sample, metadata: ["split": "train", "seed": "4"]))
        let headerLength = bytes[0..<8].enumerated().reduce(0) { $0 | Int($1.element) << (8 * $1.offset) }
        #expect(headerLength % 8 == 0)
        #expect(bytes.count == 8 + headerLength + 162 + 8)
        let (t, meta) = try TokenTensorFile.decode(bytes)
        #expect(t == Self.sample)
        #expect(meta == ["seed": "4", "split": "train"])
        #expect(t["ratings"]?.int32Values == [7, -3])
    }

    @Test func fileRoundTrip() throws {
        let dir = try TestData.temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        try TokenTensorFile.write(Self.sample, to: dir + "/a.safetensors")
        #expect(try TokenTensorFile.read(path: dir + "/a.safetensors").tensors == Self.sample)
        #expect(throws: TokenTensorFileError.self) { try TokenTensorFile.read(path: dir + "/missing.safetensors") }
    }

    @Test func corruptedFilesGiveClearErrors() throws {
        let good = TokenTensorFile.encode(Self.sample)
        func reason(_ bytes: [UInt8]) -> String? {
            do { _ = try TokenTensorFile.decode(bytes, path: "x"); return nil } catch let e as TokenTensorFileError {
                #expect(e.path == "x")
                return e.reason
            } catch { return "\(error)" }
        }
        #expect(reason(Array(good.prefix(5)))?.contains("truncated") == true)
        #expect(reason(Array(good.dropLast(10))) != nil)
        var hugeHeader = good; hugeHeader[6] = 0xFF
        #expect(reason(hugeHeader)?.contains("exceeds the limit") == true)
        var longHeader = good; longHeader[2] = 0x10   // 1 MiB header in a small file
        #expect(reason(longHeader)?.contains("truncated") == true)
        var notJSON = good; notJSON[8] = UInt8(ascii: "[")
        #expect(reason(notJSON)?.contains("JSON object") == true)
        #expect(reason(replacing("\"I32\"", with: "\"F32\"", in: good))?.contains("unsupported dtype F32") == true)
        #expect(reason(replacing("[2,81]", with: "[3,81]", in: good))?.contains("needs 243 bytes") == true)
        #expect(reason(good + [0, 0]) != nil)
    }

    /// `bytes` with the first occurrence of `old` replaced by `new` (same length), byte-wise.
    func replacing(_ old: String, with new: String, in bytes: [UInt8]) -> [UInt8] {
        let o = Array(old.utf8), n = Array(new.utf8)
        precondition(o.count == n.count)
        var out = bytes
        for i in 0...(bytes.count - o.count) where Array(bytes[i..<(i + o.count)]) == o {
            out.replaceSubrange(i..<(i + o.count), with: n)
            return out
        }
        Issue.record("pattern \(old) not found")
        return out
    }
}
