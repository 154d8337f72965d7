import AttractorNeural
import AttractorNumerics

/// The work space of the regularisers (equilibrium residual, hyperspherical repulsion, the
/// Jacobian probes): every buffer they write and their own workspace for the evaluations of
/// `F_H`, so they share nothing with the segment and its backward pass and may run before
/// or after it. One per integrator, for up to `maxBatch` examples; built with the
/// integrator when the configuration uses a regulariser, else on first use.
final class RegulariserWorkspace<T: Scalar> {
    /// Probe point `u`, direction `v`, shifted point `u + δv`, `Jv`, scaled cotangents,
    /// the probes' `∂L/∂(Jv)` and the residual `z_H − F_H(u)`: `maxBatch · width` each.
    let point: ScalarBuffer<T>
    let direction: ScalarBuffer<T>
    let shifted: ScalarBuffer<T>
    let jv: ScalarBuffer<T>
    let scaled: ScalarBuffer<T>
    let probeCotangent: ScalarBuffer<T>
    let residual: ScalarBuffer<T>
    /// The repulsion's Gram matrix and coefficients (`maxBatch²`), norms and diagonal terms.
    let gram: ScalarBuffer<T>
    let coefficients: ScalarBuffer<T>
    let norms: UnsafeMutablePointer<Double>
    let diagonal: UnsafeMutablePointer<Double>
    /// Activations of the probes' passes of `F_H`.
    let network: BlockStack.Workspace<T>

    init(network f: BlockStack, maxBatch: Int, width: Int) {
        let n = maxBatch * width
        point = ScalarBuffer(count: n)
        direction = ScalarBuffer(count: n)
        shifted = ScalarBuffer(count: n)
        jv = ScalarBuffer(count: n)
        scaled = ScalarBuffer(count: n)
        probeCotangent = ScalarBuffer(count: n)
        residual = ScalarBuffer(count: n)
        gram = ScalarBuffer(count: maxBatch * maxBatch)
        coefficients = ScalarBuffer(count: maxBatch * maxBatch)
        norms = .allocate(capacity: maxBatch)
        norms.initialize(repeating: 0, count: maxBatch)
        diagonal = .allocate(capacity: maxBatch)
        diagonal.initialize(repeating: 0, count: maxBatch)
        network = BlockStack.Workspace(f, maxBatch: maxBatch)
    }

    deinit {
        norms.deallocate()
        diagonal.deallocate()
    }
}
