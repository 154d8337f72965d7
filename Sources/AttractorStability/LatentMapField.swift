import AttractorDynamics
import AttractorNumerics

/// The continuous reading of a latent map as a vector field, `f(z) = F(z) − z`, for the
/// ODE/SDE solvers. Working row `i` belongs to the map's row `originalRows[i]` (so that
/// `K` noisy copies of one input share its data). Owns its index buffer.
/// - Complexity: one `F` evaluation per field evaluation.
public final class LatentMapField<Map: LatentMap>: VectorField {
    public typealias Scalar = Map.Scalar
    public let map: Map
    public var dimension: Int { map.dimension }
    public var isAutonomous: Bool { true }
    private let origins: UnsafeMutableBufferPointer<Int>
    private let translated: UnsafeMutableBufferPointer<Int>

    /// `originalRows[i]`: the map row of working row `i`.
    public init(map: Map, originalRows: [Int]) {
        self.map = map
        origins = .allocate(capacity: max(originalRows.count, 1))
        _ = origins.initialize(from: originalRows)
        translated = .allocate(capacity: max(originalRows.count, 1))
        translated.initialize(repeating: 0)
    }

    deinit { origins.deallocate(); translated.deallocate() }

    public func evaluate(t: Scalar, state: UnsafePointer<Scalar>, derivative: UnsafeMutablePointer<Scalar>, rows: RowSelection) {
        for i in 0..<rows.count { translated[i] = origins[rows.originalRow(i)] }
        map.apply(state: state, image: derivative,
                  rows: RowSelection(count: rows.count, indices: UnsafeBufferPointer(translated)))
        for e in 0..<(rows.count * dimension) { derivative[e] -= state[e] }
    }
}

/// Additive isotropic noise `g = σ` on every component (one Brownian motion each).
public struct AdditiveNoiseField<Scalar: AttractorNumerics.Scalar>: NoiseField {
    public let dimension: Int
    public let sigma: Scalar
    public var noiseKind: NoiseKind { .additive }

    public init(dimension: Int, sigma: Scalar) {
        self.dimension = dimension
        self.sigma = sigma
    }

    public func diffusion(t: Scalar, state: UnsafePointer<Scalar>, diffusion: UnsafeMutablePointer<Scalar>, rows: RowSelection) {
        diffusion.update(repeating: sigma, count: rows.count * dimension)
    }

    public func diffusionDerivative(t: Scalar, state: UnsafePointer<Scalar>, derivative: UnsafeMutablePointer<Scalar>,
                                    rows: RowSelection) -> Bool {
        derivative.update(repeating: 0, count: rows.count * dimension)
        return true
    }
}
