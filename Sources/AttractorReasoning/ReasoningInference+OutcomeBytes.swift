/// Per-puzzle outcomes as bytes, so a sharded evaluation can gather them from other processes
/// and aggregate exactly what one process would (the residual travels as its bit pattern).
extension ReasoningInference.Outcome {
    /// An outcome with the verification fields at their defaults.
    public init(_ answer: [Int32], segments: Int, functionEvaluations: Int, residual: Double, haltedEarly: Bool) {
        self.answer = answer
        self.segments = segments
        self.functionEvaluations = functionEvaluations
        self.residual = residual
        self.haltedEarly = haltedEarly
    }

    /// Little-endian: answer count, answer tokens, segments, evaluations, residual bits, halted,
    /// verified, confidence (flag and bits), settled segment.
    public static func encode(_ outcomes: [Self]) -> [UInt8] {
        var out: [UInt8] = []
        func put(_ v: UInt64) { withUnsafeBytes(of: v.littleEndian) { out += $0 } }
        put(UInt64(outcomes.count))
        for o in outcomes {
            put(UInt64(o.answer.count))
            for t in o.answer { withUnsafeBytes(of: t.littleEndian) { out += $0 } }
            put(UInt64(o.segments))
            put(UInt64(o.functionEvaluations))
            put(o.residual.bitPattern)
            out.append(o.haltedEarly ? 1 : 0)
            out.append(o.verified ? 1 : 0)
            out.append(o.confidence == nil ? 0 : 1)
            withUnsafeBytes(of: (o.confidence ?? 0).bitPattern.littleEndian) { out += $0 }
            put(UInt64(o.settledSegment))
        }
        return out
    }

    public static func decode(_ bytes: [UInt8]) throws(ReasoningError) -> [Self] {
        var at = 0
        func take(_ n: Int) throws(ReasoningError) -> ArraySlice<UInt8> {
            guard at + n <= bytes.count else { throw .invalidInput("truncated outcome bytes (\(bytes.count) bytes)") }
            defer { at += n }
            return bytes[at..<(at + n)]
        }
        func u64() throws(ReasoningError) -> UInt64 {
            try take(8).reversed().reduce(UInt64(0)) { ($0 << 8) | UInt64($1) }
        }
        let count = Int(try u64())
        var outcomes: [Self] = []
        outcomes.reserveCapacity(count)
        for _ in 0..<count {
            let n = Int(try u64())
            var answer = [Int32]()
            answer.reserveCapacity(n)
            for _ in 0..<n {
                let v = try take(4).reversed().reduce(UInt32(0)) { ($0 << 8) | UInt32($1) }
                answer.append(Int32(bitPattern: v))
            }
            let segments = Int(try u64()), evaluations = Int(try u64())
            let residual = Double(bitPattern: try u64())
            let halted = try take(1).first == 1
            var o = Self(answer, segments: segments, functionEvaluations: evaluations, residual: residual, haltedEarly: halted)
            o.verified = try take(1).first == 1
            let hasConfidence = try take(1).first == 1
            let bits = try take(4).reversed().reduce(UInt32(0)) { ($0 << 8) | UInt32($1) }
            o.confidence = hasConfidence ? Float(bitPattern: bits) : nil
            o.settledSegment = Int(try u64())
            outcomes.append(o)
        }
        guard at == bytes.count else { throw .invalidInput("\(bytes.count - at) trailing outcome bytes") }
        return outcomes
    }
}
