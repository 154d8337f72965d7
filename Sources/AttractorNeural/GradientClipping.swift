import AttractorNumerics

/// Gradient clipping by global norm: if `‖g‖₂ > maxNorm`, `g ← g · maxNorm/‖g‖₂`.
public enum GradientClipping {
    /// Clips `count` gradients in place; returns the norm before clipping. A non-finite norm
    /// (NaN/∞ gradients) is returned and the gradients are left alone: the caller decides
    /// (training stops on it).
    /// - Complexity: O(count) (BLAS `nrm2`, then one scaling pass when clipped).
    @_specialize(where T == Float)
    @_specialize(where T == Double)
    @discardableResult
    public static func clipGlobalNorm<T: Scalar>(_ g: UnsafeMutablePointer<T>, count: Int, maxNorm: Double) -> Double {
        let norm = Double(T.nrm2(n: count, x: g))
        if norm > maxNorm && norm.isFinite {
            let s = T(maxNorm / norm)
            for i in 0..<count { g[i] *= s }
        }
        return norm
    }

    @discardableResult
    public static func clipGlobalNorm<T: Scalar>(_ store: ParameterStore<T>, maxNorm: Double) -> Double {
        clipGlobalNorm(store.gradients.pointer, count: store.count, maxNorm: maxNorm)
    }
}
