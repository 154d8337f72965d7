import AttractorDynamics
import AttractorNumerics
import Foundation

/// A latent update `F: z ↦ F(z)` over a batch of independent rows, the object every
/// stability diagnostic works on (see `Docs/Stability.md`).
///
/// A discrete recurrent model (HRM, TRM) is the map itself: `z ← F(z)`. A continuous
/// model is read as `dz/dt = F(z) − z` (`isContinuous`), whose equilibria are the fixed
/// points of `F`. State is `rows × dimension`, row-major; row `r` of the image depends
/// on row `r` of the state only (and on per-row data the map holds, looked up through
/// `RowSelection.originalRow`).
///
/// Conformers supply `F` and the vector–Jacobian product `aᵀ ∂F/∂z`; the
/// Jacobian–vector product `∂F/∂z · v` has a default by central finite differences
/// (override it when the map has an exact one and set `hasExactJacobianVectorProduct`).
public protocol LatentMap<Scalar>: AnyObject {
    associatedtype Scalar: AttractorNumerics.Scalar
    /// Length of one row of latent state.
    var dimension: Int { get }
    /// Whether the model is meant as the flow `dz/dt = F(z) − z` (stability then asks
    /// `Re λ(J − I) < 0`) rather than the iteration `z ← F(z)` (`ρ(J) < 1`).
    var isContinuous: Bool { get }
    /// Whether `jacobianVectorProduct` is exact (false: the finite-difference default).
    var hasExactJacobianVectorProduct: Bool { get }
    /// Whether `vectorJacobianProduct` is available (default true). Maps without one
    /// implement it by writing NaN; the diagnostics then skip the spectral norm and build
    /// dense Jacobians from JVPs.
    var hasVectorJacobianProduct: Bool { get }

    /// Writes `F(z)` for `rows.count` rows of `state` into `image` (no aliasing).
    func apply(state: UnsafePointer<Scalar>, image: UnsafeMutablePointer<Scalar>, rows: RowSelection)

    /// Writes `(∂F/∂z) v` for `rows.count` rows into `product` (no aliasing).
    func jacobianVectorProduct(
        state: UnsafePointer<Scalar>, tangent: UnsafePointer<Scalar>, product: UnsafeMutablePointer<Scalar>,
        rows: RowSelection)

    /// Writes `aᵀ (∂F/∂z)` for `rows.count` rows into `product` (no aliasing).
    func vectorJacobianProduct(
        state: UnsafePointer<Scalar>, cotangent: UnsafePointer<Scalar>, product: UnsafeMutablePointer<Scalar>,
        rows: RowSelection)
}

extension LatentMap {
    public var hasExactJacobianVectorProduct: Bool { false }
    public var hasVectorJacobianProduct: Bool { true }

    /// Central finite differences, `(F(z + εv) − F(z − εv)) / 2ε` per row, with
    /// `ε = ε_mach^{1/3} · max(1, ‖z‖) / ‖v‖` (truncation and rounding error balanced;
    /// about 1e-5 relative in Double, 1e-2 in Float).
    /// - Complexity: two evaluations of `F`; allocates `3 · rows · dimension` scratch.
    public func jacobianVectorProduct(
        state: UnsafePointer<Scalar>, tangent: UnsafePointer<Scalar>, product: UnsafeMutablePointer<Scalar>,
        rows: RowSelection
    ) {
        let d = dimension, n = rows.count * d
        let plus = UnsafeMutablePointer<Scalar>.allocate(capacity: n)
        let minus = UnsafeMutablePointer<Scalar>.allocate(capacity: n)
        let imageMinus = UnsafeMutablePointer<Scalar>.allocate(capacity: n)
        defer { plus.deallocate(); minus.deallocate(); imageMinus.deallocate() }
        let base = Foundation.cbrt(Double(Scalar.ulpOfOne))
        var steps = [Double](repeating: 0, count: rows.count)
        for r in 0..<rows.count {
            var zn = 0.0, vn = 0.0
            for c in 0..<d {
                let z = Double(state[r * d + c]), v = Double(tangent[r * d + c])
                zn += z * z; vn += v * v
            }
            let eps = vn > 0 ? base * max(1, zn.squareRoot()) / vn.squareRoot() : 0
            steps[r] = eps
            for c in 0..<d {
                let e = r * d + c
                plus[e] = state[e] + Scalar(eps) * tangent[e]
                minus[e] = state[e] - Scalar(eps) * tangent[e]
            }
        }
        apply(state: plus, image: product, rows: rows)
        apply(state: minus, image: imageMinus, rows: rows)
        for r in 0..<rows.count {
            let eps = steps[r]
            for c in 0..<d {
                let e = r * d + c
                product[e] = eps > 0 ? Scalar((Double(product[e]) - Double(imageMinus[e])) / (2 * eps)) : 0
            }
        }
    }
}
