import AttractorNumerics

/// Elementwise loops of the gradient code, dispatched once to concrete Float/Double code.
///
/// Fields are often reached through an existential (`FieldEvaluator`), where a generic
/// field's methods run unspecialised and every scalar operation becomes a witness call;
/// routing the long loops through these helpers keeps them at native speed either way.
enum GradientKernels {
    /// `y = −x`.
    @inline(__always)
    static func negate<S: Scalar>(_ x: UnsafePointer<S>, into y: UnsafeMutablePointer<S>, count n: Int) {
        if S.self == Float.self {
            let xf = UnsafeRawPointer(x).assumingMemoryBound(to: Float.self)
            let yf = UnsafeMutableRawPointer(y).assumingMemoryBound(to: Float.self)
            for i in 0..<n { yf[i] = -xf[i] }
        } else if S.self == Double.self {
            let xd = UnsafeRawPointer(x).assumingMemoryBound(to: Double.self)
            let yd = UnsafeMutableRawPointer(y).assumingMemoryBound(to: Double.self)
            for i in 0..<n { yd[i] = -xd[i] }
        } else {
            for i in 0..<n { y[i] = -x[i] }
        }
    }

    /// `x = 0`.
    @inline(__always)
    static func zero<S: Scalar>(_ x: UnsafeMutablePointer<S>, count n: Int) {
        UnsafeMutableRawPointer(x).initializeMemory(as: UInt8.self, repeating: 0, count: n * MemoryLayout<S>.stride)
    }

    /// `s ⊙= (1 − a²)`: the tanh derivative applied to a cotangent.
    @inline(__always)
    static func multiplyByTanhDerivative<S: Scalar>(_ s: UnsafeMutablePointer<S>, activation a: UnsafePointer<S>, count n: Int) {
        if S.self == Float.self {
            let sf = UnsafeMutableRawPointer(s).assumingMemoryBound(to: Float.self)
            let af = UnsafeRawPointer(a).assumingMemoryBound(to: Float.self)
            for i in 0..<n { sf[i] *= 1 - af[i] * af[i] }
        } else if S.self == Double.self {
            let sd = UnsafeMutableRawPointer(s).assumingMemoryBound(to: Double.self)
            let ad = UnsafeRawPointer(a).assumingMemoryBound(to: Double.self)
            for i in 0..<n { sd[i] *= 1 - ad[i] * ad[i] }
        } else {
            for i in 0..<n { s[i] *= 1 - a[i] * a[i] }
        }
    }
}
