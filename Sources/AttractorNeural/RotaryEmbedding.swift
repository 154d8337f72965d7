import AttractorNumerics

/// Rotary position embedding (RoPE) in the "rotate half" convention of HRM/TRM/LLaMA:
/// within each head, component `i < d/2` pairs with `i + d/2` and the pair at position `t`
/// is rotated by the angle `t · base^(−2i/d)`. Linear and orthogonal, so the VJP is the
/// rotation by the opposite angle. - Complexity: O(rows·heads·headDimension).
public struct RotaryEmbedding: Sendable, Equatable {
    public let headDimension: Int
    public let sequence: Int
    public let base: Double

    public init(headDimension: Int, sequence: Int, base: Double = 10_000) {
        precondition(headDimension % 2 == 0, "RoPE needs an even head dimension")
        self.headDimension = headDimension
        self.sequence = sequence
        self.base = base
    }

    /// `cos` and `sin` tables, `sequence × headDimension/2` each, row-major.
    public func tables<T: Scalar>(_: T.Type = T.self) -> (cos: [T], sin: [T]) {
        let half = headDimension / 2
        var c = [T](repeating: 0, count: sequence * half), s = c
        for t in 0..<sequence {
            for i in 0..<half {
                let frequency = 1 / Double.pow(base, Double(2 * i) / Double(headDimension))
                let angle = Double(t) * frequency
                c[t * half + i] = T(Double.cos(angle))
                s[t * half + i] = T(Double.sin(angle))
            }
        }
        return (c, s)
    }

    /// Rotates, in place, `heads` head vectors of every row of `x` (row stride `stride`);
    /// rows are `[batch, sequence]`. With `inverse`, rotates backward (the VJP).
    @inline(__always)
    func rotate<T: Scalar>(_ x: UnsafeMutablePointer<T>, batch: Int, heads: Int, stride: Int,
                           cos: UnsafePointer<T>, sin: UnsafePointer<T>, inverse: Bool) {
        let half = headDimension / 2
        for b in 0..<batch {
            for t in 0..<sequence {
                let row = x + (b * sequence + t) * stride
                let c = cos + t * half, s = sin + t * half
                for h in 0..<heads {
                    let v = row + h * headDimension
                    if inverse {
                        for i in 0..<half {
                            let x1 = v[i], x2 = v[i + half]
                            v[i] = x1 * c[i] + x2 * s[i]
                            v[i + half] = x2 * c[i] - x1 * s[i]
                        }
                    } else {
                        for i in 0..<half {
                            let x1 = v[i], x2 = v[i + half]
                            v[i] = x1 * c[i] - x2 * s[i]
                            v[i + half] = x2 * c[i] + x1 * s[i]
                        }
                    }
                }
            }
        }
    }
}
