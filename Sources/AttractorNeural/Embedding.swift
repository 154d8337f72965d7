import AttractorNumerics

/// Token embedding `y[r] = scale · E[token[r]]` with table `E` of `[vocabulary, dimension]`
/// (HRM/TRM scale by `√dimension`).
///
/// - Complexity: O(rows·dimension) both ways; no matmul.
public struct Embedding: Sendable, Equatable {
    public let vocabulary: Int
    public let dimension: Int
    public let scale: Double
    public let table: ParameterView

    public init(_ name: String, vocabulary: Int, dimension: Int, scale: Double = 1,
                layout: inout ParameterLayout, initializer: ParameterInitializer? = nil) {
        self.vocabulary = vocabulary
        self.dimension = dimension
        self.scale = scale
        table = layout.add("\(name).weight", shape: [vocabulary, dimension],
                           initializer: initializer ?? .truncatedNormal(std: 1 / scale))
    }

    /// Writes `rows × dimension` embeddings; throws on a token outside the vocabulary.
    @_specialize(where T == Float)
    @_specialize(where T == Double)
    public func forward<T: Scalar>(_ tokens: UnsafePointer<Int32>, rows: Int, parameters p: UnsafePointer<T>,
                                   into y: UnsafeMutablePointer<T>) throws(NeuralError) {
        let s = T(scale)
        for r in 0..<rows {
            let t = Int(tokens[r])
            guard t >= 0 && t < vocabulary else { throw .tokenOutOfRange(token: t, vocabulary: vocabulary) }
            let e = p + table.offset + t * dimension, o = y + r * dimension
            for j in 0..<dimension { o[j] = s * e[j] }
        }
    }

    /// Adds `scale · dy[r]` to the gradient row of `token[r]` (tokens already validated).
    @_specialize(where T == Float)
    @_specialize(where T == Double)
    public func backward<T: Scalar>(_ dy: UnsafePointer<T>, tokens: UnsafePointer<Int32>, rows: Int,
                                    gradients g: UnsafeMutablePointer<T>) {
        let s = T(scale)
        for r in 0..<rows {
            let t = Int(tokens[r])
            guard t >= 0 && t < vocabulary else { continue }
            let e = g + table.offset + t * dimension, d = dy + r * dimension
            for j in 0..<dimension { e[j] += s * d[j] }
        }
    }
}
