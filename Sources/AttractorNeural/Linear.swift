import AttractorNumerics

/// `y = x·Wᵀ + b` on `rows × in` row-major inputs; `W` is `[out, in]` (PyTorch layout).
///
/// - Complexity: forward `2·rows·in·out` flops; backward twice that (input and weight).
public struct Linear: Sendable, Equatable {
    public let inFeatures: Int
    public let outFeatures: Int
    public let weight: ParameterView
    public let bias: ParameterView?

    /// Registers `name.weight` (and `name.bias`) in `layout`.
    public init(_ name: String, inFeatures: Int, outFeatures: Int, bias: Bool = false,
                layout: inout ParameterLayout, initializer: ParameterInitializer? = nil) {
        self.inFeatures = inFeatures
        self.outFeatures = outFeatures
        weight = layout.add("\(name).weight", shape: [outFeatures, inFeatures],
                            initializer: initializer ?? .truncatedLecunNormal(fanIn: inFeatures))
        self.bias = bias ? layout.add("\(name).bias", shape: [outFeatures], initializer: .zeros) : nil
    }

    /// Matmul flops of one forward pass over `rows` rows.
    public func forwardFlops(rows: Int) -> Int { 2 * rows * inFeatures * outFeatures }

    /// `y ← x·Wᵀ + b` (`y` is `rows × out`).
    @_specialize(where T == Float)
    @_specialize(where T == Double)
    public func forward<T: Scalar>(_ x: UnsafePointer<T>, rows: Int, parameters p: UnsafePointer<T>,
                                   into y: UnsafeMutablePointer<T>) {
        var beta: T = 0
        if let bias {
            let b = p + bias.offset
            for r in 0..<rows { (y + r * outFeatures).update(from: b, count: outFeatures) }
            beta = 1
        }
        Kernels.gemm(false, true, m: rows, n: outFeatures, k: inFeatures, x, lda: inFeatures,
                     p + weight.offset, ldb: inFeatures, beta: beta, y, ldc: outFeatures)
    }

    /// Adds `dyᵀ·x` to the weight gradient (and `Σ dy` to the bias gradient), and writes
    /// (or, with `accumulate`, adds) `dx = dy·W` when `dx` is given.
    @_specialize(where T == Float)
    @_specialize(where T == Double)
    public func backward<T: Scalar>(_ dy: UnsafePointer<T>, input x: UnsafePointer<T>, rows: Int,
                                    parameters p: UnsafePointer<T>, gradients g: UnsafeMutablePointer<T>,
                                    inputCotangent dx: UnsafeMutablePointer<T>?, accumulate: Bool = false) {
        Kernels.gemm(true, false, m: outFeatures, n: inFeatures, k: rows, dy, lda: outFeatures,
                     x, ldb: inFeatures, beta: 1, g + weight.offset, ldc: inFeatures)
        if let bias {
            let gb = g + bias.offset
            for r in 0..<rows {
                let d = dy + r * outFeatures
                for j in 0..<outFeatures { gb[j] += d[j] }
            }
        }
        if let dx {
            Kernels.gemm(false, false, m: rows, n: inFeatures, k: outFeatures, dy, lda: outFeatures,
                         p + weight.offset, ldb: inFeatures, beta: accumulate ? 1 : 0, dx, ldc: inFeatures)
        }
    }
}
