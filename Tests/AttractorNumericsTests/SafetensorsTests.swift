import Foundation
import Testing
import AttractorNumerics

/// Golden files written by Python's `safetensors` (Golden/make_safetensors_golden.py).
private func golden(_ name: String) throws -> [UInt8] {
    let url = try #require(Bundle.module.url(forResource: "Golden/\(name)", withExtension: "safetensors"))
    return [UInt8](try Data(contentsOf: url))
}

/// Subnormals as in the golden file (`1e-45` in float32, `-1e-310` in float64).
private let tinyFloat = Float(bitPattern: 1)
private let tinyDouble = -Double("1e-310")!

/// The tensors of `mixed.safetensors`, rebuilt in Swift.
private func mixedArchive() throws -> SafetensorsArchive {
    var a = SafetensorsArchive(metadata: ["format": "attractor-golden"])
    try a.set("weight", shape: [2, 3], scalars: [1.5, -0.0, Float.infinity, tinyFloat, -3.25, 65504.0] as [Float])
    try a.set("bias", shape: [4], scalars: [Double.pi, tinyDouble, 1e300, -2.0])
    try a.set("index", shape: [3], scalars: [Int32.min, 0, Int32.max])
    try a.set("step", shape: [2], scalars: [Int64.min, 123_456_789_012_345] as [Int64])
    try a.set("mask", shape: [5], scalars: [0, 1, 127, 128, 255] as [UInt8])
    return a
}

/// Builds a file image from a header string and data bytes (for malformed inputs).
private func image(header: String, data: [UInt8], declaredLength: UInt64? = nil) -> [UInt8] {
    let h = Array(header.utf8)
    var out: [UInt8] = []
    withUnsafeBytes(of: (declaredLength ?? UInt64(h.count)).littleEndian) { out.append(contentsOf: $0) }
    return out + h + data
}

@Suite struct SafetensorsGoldenTests {
    @Test func readsPythonBytesExactly() throws {
        let archive = try SafetensorsArchive(bytes: try golden("mixed"))
        #expect(archive.metadata == ["format": "attractor-golden"])
        #expect(archive.names == ["bias", "index", "mask", "step", "weight"])
        let w = try archive.tensor("weight", as: Float.self)
        #expect(w.shape == [2, 3])
        let expectedW: [Float] = [1.5, -0.0, .infinity, tinyFloat, -3.25, 65504.0]
        #expect(w.scalars.map(\.bitPattern) == expectedW.map(\.bitPattern))
        let b = try archive.tensor("bias", as: Double.self)
        #expect(b.scalars.map(\.bitPattern) == [Double.pi, tinyDouble, 1e300, -2.0].map(\.bitPattern))
        #expect(try archive.scalars("index", as: Int32.self).scalars == [Int32.min, 0, Int32.max])
        #expect(try archive.scalars("step", as: Int64.self).scalars == [Int64.min, 123_456_789_012_345])
        #expect(try archive.scalars("mask", as: UInt8.self).scalars == [0, 1, 127, 128, 255])
        #expect(try archive == mixedArchive())
    }

    @Test func writesPythonBytesExactly() throws {
        #expect(try mixedArchive().serialized() == golden("mixed"))
        var b = SafetensorsArchive()
        b.set("z0", Tensor<Double>(shape: [3, 2], scalars: (0..<6).map { Double($0) / 8 }))
        b.set("a", Tensor<Float>(shape: [0]))
        #expect(b.serialized() == (try golden("nometa")))
        #expect(try SafetensorsArchive(bytes: golden("nometa")) == b)
    }

    @Test func roundTripsThroughAFile() throws {
        let path = FileManager.default.temporaryDirectory
            .appendingPathComponent("attractor-safetensors-\(UInt32.random(in: 0...UInt32.max)).safetensors").path
        defer { try? FileManager.default.removeItem(atPath: path) }
        let a = try mixedArchive()
        try a.write(toFile: path)
        #expect(try SafetensorsArchive(contentsOfFile: path) == a)
    }
}

@Suite struct SafetensorsValidationTests {
    let goodHeader = #"{"x":{"dtype":"F32","shape":[2],"data_offsets":[0,8]}}"#
    let eightBytes = [UInt8](repeating: 0, count: 8)

    @Test func wellFormedSyntheticFileParses() throws {
        let a = try SafetensorsArchive(bytes: image(header: goodHeader, data: eightBytes))
        #expect(try a.scalars("x", as: Float.self).scalars == [0, 0])
    }

    @Test func everyTruncationIsATypedError() throws {
        let bytes = try golden("mixed")
        // Every strict prefix must fail cleanly (no crash, no over-read).
        for n in 0..<bytes.count {
            #expect(throws: SafetensorsError.self) { try SafetensorsArchive(bytes: Array(bytes[0..<n])) }
        }
        #expect(throws: SafetensorsError.truncated(needed: 8, available: 3)) {
            try SafetensorsArchive(bytes: [1, 2, 3])
        }
    }

    @Test func oversizedHeaderLengthIsRejected() {
        #expect(throws: SafetensorsError.headerTooLarge(length: UInt64.max, limit: SafetensorsArchive.maximumHeaderLength)) {
            try SafetensorsArchive(bytes: image(header: goodHeader, data: eightBytes, declaredLength: UInt64.max))
        }
        #expect(throws: SafetensorsError.truncated(needed: 8 + 1000, available: 8 + goodHeader.utf8.count + 8)) {
            try SafetensorsArchive(bytes: image(header: goodHeader, data: eightBytes, declaredLength: 1000))
        }
    }

    @Test(arguments: [
        "not json at all",
        "{\"x\":",
        "{\"x\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[0,8]}",
        "{\"x\":{\"dtype\":\"F32\",\"shape\":[2]}}",
        "{\"x\":{\"dtype\":\"F32\",\"shape\":[2.5],\"data_offsets\":[0,8]}}",
        "{\"x\":{\"dtype\":\"F32\",\"shape\":[-2],\"data_offsets\":[0,8]}}",
        "{\"x\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[0]}}",
        "{\"x\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[0,99999999999999999999999]}}",
        "{\"x\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[0,8],\"extra\":1}}",
        "{\"x\":1,\"x\":2}",
        "{\"__metadata__\":{\"k\":3}}",
        "[1,2]",
        String(repeating: "[", count: 10_000),
        "{\"x\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[0,8]}} trailing",
    ])
    func malformedHeaderIsInvalidHeader(header: String) {
        #expect {
            try SafetensorsArchive(bytes: image(header: header, data: eightBytes))
        } throws: { error in
            guard let e = error as? SafetensorsError, case .invalidHeader = e else { return false }
            return true
        }
    }

    @Test func nonUTF8HeaderIsInvalidHeader() {
        var bytes = image(header: #"{"x":{"dtype":"F32","shape":[2],"data_offsets":[0,8]}}"#, data: eightBytes)
        bytes[10] = 0xFF  // inside the key string
        #expect(throws: SafetensorsError.self) { try SafetensorsArchive(bytes: bytes) }
    }

    @Test func offsetsOutOfRange() {
        let h = #"{"x":{"dtype":"F32","shape":[4],"data_offsets":[0,16]}}"#
        #expect(throws: SafetensorsError.offsetsOutOfRange(tensor: "x", begin: 0, end: 16, dataSize: 8)) {
            try SafetensorsArchive(bytes: image(header: h, data: eightBytes))
        }
        let reversed = #"{"x":{"dtype":"F32","shape":[0],"data_offsets":[8,0]}}"#
        #expect(throws: SafetensorsError.offsetsOutOfRange(tensor: "x", begin: 8, end: 0, dataSize: 8)) {
            try SafetensorsArchive(bytes: image(header: reversed, data: eightBytes))
        }
    }

    @Test func overlappingAndGappedOffsets() {
        let overlap = #"{"x":{"dtype":"F32","shape":[2],"data_offsets":[0,8]},"y":{"dtype":"F32","shape":[1],"data_offsets":[4,8]}}"#
        #expect(throws: SafetensorsError.offsetsNotContiguous(tensor: "y", expected: 8, begin: 4)) {
            try SafetensorsArchive(bytes: image(header: overlap, data: eightBytes))
        }
        let gap = #"{"y":{"dtype":"F32","shape":[1],"data_offsets":[4,8]}}"#
        #expect(throws: SafetensorsError.offsetsNotContiguous(tensor: "y", expected: 0, begin: 4)) {
            try SafetensorsArchive(bytes: image(header: gap, data: eightBytes))
        }
        let short = #"{"x":{"dtype":"F32","shape":[1],"data_offsets":[0,4]}}"#
        #expect(throws: SafetensorsError.dataNotCovered(covered: 4, dataSize: 8)) {
            try SafetensorsArchive(bytes: image(header: short, data: eightBytes))
        }
    }

    @Test func dtypeShapeAndByteCountMismatches() throws {
        let wrongCount = #"{"x":{"dtype":"F64","shape":[2],"data_offsets":[0,8]}}"#
        #expect(throws: SafetensorsError.byteCountMismatch(tensor: "x", dtype: .f64, shape: [2], expected: 16, actual: 8)) {
            try SafetensorsArchive(bytes: image(header: wrongCount, data: eightBytes))
        }
        let overflow = #"{"x":{"dtype":"F64","shape":[4611686018427387904,4],"data_offsets":[0,8]}}"#
        #expect(throws: SafetensorsError.invalidShape(tensor: "x", shape: [4_611_686_018_427_387_904, 4])) {
            try SafetensorsArchive(bytes: image(header: overflow, data: eightBytes))
        }
        let unknown = #"{"x":{"dtype":"Q7","shape":[2],"data_offsets":[0,8]}}"#
        #expect(throws: SafetensorsError.unknownDType(tensor: "x", dtype: "Q7")) {
            try SafetensorsArchive(bytes: image(header: unknown, data: eightBytes))
        }
        let a = try SafetensorsArchive(bytes: image(header: goodHeader, data: eightBytes))
        #expect(throws: SafetensorsError.dtypeMismatch(tensor: "x", stored: .f32, requested: .f64)) {
            try a.tensor("x", as: Double.self)
        }
        #expect(throws: SafetensorsError.shapeMismatch(tensor: "x", stored: [2], expected: [1, 2])) {
            try a.tensor("x", as: Float.self, shape: [1, 2])
        }
        #expect(throws: SafetensorsError.missingTensor("nope")) { try a.tensor("nope", as: Float.self) }
        var b = SafetensorsArchive()
        #expect(throws: SafetensorsError.invalidShape(tensor: "y", shape: [3])) {
            try b.set("y", shape: [3], scalars: [1.0, 2.0])
        }
    }

    @Test func missingFileIsAnIOError() {
        #expect {
            try SafetensorsArchive(contentsOfFile: "/nonexistent/attractor/x.safetensors")
        } throws: { error in
            guard let e = error as? SafetensorsError, case .io = e else { return false }
            return true
        }
    }
}
