import AttractorNumerics
import Foundation

/// Geometric Brownian motion, `dX = μX dt + σX dW` (Itô), independently in each of
/// `dimension` components (diagonal noise).
///
/// Exact solution on a Brownian path: `X_t = X₀ exp((μ − σ²/2)(t − t0) + σ W_t)`;
/// mean `X₀ e^{μt}`, variance `X₀² e^{2μt}(e^{σ²t} − 1)` (`t` measured from `t0`).
/// In Stratonovich form the same process has drift `(μ − σ²/2)X`.
public struct GeometricBrownianMotion<Scalar: AttractorNumerics.Scalar>: ExactMomentsSDE, Sendable {
    public let mu: Double
    public let sigma: Double
    public let x0: Double
    public let dimension: Int
    public let t0: Double
    public let defaultEndTime: Double
    public let calculus: SDECalculus
    public var isAutonomous: Bool { true }
    public var noiseKind: NoiseKind { .diagonal }

    /// Defaults (the `gbm` catalogue entry): μ 0.5, σ 0.4, X₀ 1, t ∈ [0, 1].
    public init(mu: Double = 0.5, sigma: Double = 0.4, x0: Double = 1, dimension: Int = 1,
                t0: Double = 0, t1: Double = 1, calculus: SDECalculus = .ito) {
        self.mu = mu
        self.sigma = sigma
        self.x0 = x0
        self.dimension = dimension
        self.t0 = t0
        self.defaultEndTime = t1
        self.calculus = calculus
    }

    public func withCalculus(_ calculus: SDECalculus) -> Self {
        Self(mu: mu, sigma: sigma, x0: x0, dimension: dimension, t0: t0, t1: defaultEndTime, calculus: calculus)
    }

    /// The drift rate the field exposes: μ (Itô) or μ − σ²/2 (Stratonovich).
    public var driftRate: Double { calculus == .ito ? mu : mu - 0.5 * sigma * sigma }

    public func evaluate(t: Scalar, state: UnsafePointer<Scalar>, derivative: UnsafeMutablePointer<Scalar>,
                         rows: RowSelection) {
        let a = Scalar(driftRate)
        for k in 0..<(rows.count * dimension) { derivative[k] = a * state[k] }
    }

    public func diffusion(t: Scalar, state: UnsafePointer<Scalar>, diffusion: UnsafeMutablePointer<Scalar>,
                          rows: RowSelection) {
        let s = Scalar(sigma)
        for k in 0..<(rows.count * dimension) { diffusion[k] = s * state[k] }
    }

    public func diffusionDerivative(t: Scalar, state: UnsafePointer<Scalar>, derivative: UnsafeMutablePointer<Scalar>,
                                    rows: RowSelection) -> Bool {
        derivative.update(repeating: Scalar(sigma), count: rows.count * dimension)
        return true
    }

    public var initialState: [Double] { Array(repeating: x0, count: dimension) }

    public var parameters: [SDEParameter] {
        [SDEParameter("mu", mu), SDEParameter("sigma", sigma), SDEParameter("x0", x0)]
    }

    /// `X_t` on the path value `w = W_t − W_{t0}`.
    public func exactSolution(at t: Double, brownian w: Double) -> Double {
        x0 * exp((mu - 0.5 * sigma * sigma) * (t - t0) + sigma * w)
    }

    public func exactMean(at t: Double) -> [Double] {
        Array(repeating: x0 * exp(mu * (t - t0)), count: dimension)
    }

    public func exactVariance(at t: Double) -> [Double] {
        let s = t - t0
        return Array(repeating: x0 * x0 * exp(2 * mu * s) * expm1(sigma * sigma * s),
                     count: dimension)
    }
}
