import AttractorNumerics
import Foundation

/// The Ornstein–Uhlenbeck process `dX = θ(μ − X) dt + σ dW`, independently in each of
/// `dimension` components (additive noise, so Itô and Stratonovich forms coincide).
///
/// Exact moments: mean `μ + (X₀ − μ)e^{−θt}`, variance `σ²/(2θ)·(1 − e^{−2θt})`, which tends
/// to the stationary variance `σ²/(2θ)`.
public struct OrnsteinUhlenbeck<Scalar: AttractorNumerics.Scalar>: ExactMomentsSDE, Sendable {
    public let theta: Double
    public let mu: Double
    public let sigma: Double
    public let x0: Double
    public let dimension: Int
    public let t0: Double
    public let defaultEndTime: Double
    public let calculus: SDECalculus
    public var isAutonomous: Bool { true }
    public var noiseKind: NoiseKind { .additive }

    /// Defaults (the `ou` catalogue entry): θ 1, μ 1, σ 0.5, X₀ 0, t ∈ [0, 5]
    /// (stationary variance 0.125, reached to 5·10⁻⁶ relative by t = 5).
    public init(theta: Double = 1, mu: Double = 1, sigma: Double = 0.5, x0: Double = 0,
                dimension: Int = 1, t0: Double = 0, t1: Double = 5, calculus: SDECalculus = .ito) {
        self.theta = theta
        self.mu = mu
        self.sigma = sigma
        self.x0 = x0
        self.dimension = dimension
        self.t0 = t0
        self.defaultEndTime = t1
        self.calculus = calculus
    }

    public func withCalculus(_ calculus: SDECalculus) -> Self {
        Self(theta: theta, mu: mu, sigma: sigma, x0: x0, dimension: dimension, t0: t0, t1: defaultEndTime,
             calculus: calculus)
    }

    public func evaluate(t: Scalar, state: UnsafePointer<Scalar>, derivative: UnsafeMutablePointer<Scalar>,
                         rows: RowSelection) {
        let a = Scalar(theta), m = Scalar(mu)
        for k in 0..<(rows.count * dimension) { derivative[k] = a * (m - state[k]) }
    }

    public func diffusion(t: Scalar, state: UnsafePointer<Scalar>, diffusion: UnsafeMutablePointer<Scalar>,
                          rows: RowSelection) {
        diffusion.update(repeating: Scalar(sigma), count: rows.count * dimension)
    }

    public func diffusionDerivative(t: Scalar, state: UnsafePointer<Scalar>, derivative: UnsafeMutablePointer<Scalar>,
                                    rows: RowSelection) -> Bool {
        derivative.update(repeating: 0, count: rows.count * dimension)
        return true
    }

    public var initialState: [Double] { Array(repeating: x0, count: dimension) }

    public var parameters: [SDEParameter] {
        [SDEParameter("theta", theta), SDEParameter("mu", mu), SDEParameter("sigma", sigma), SDEParameter("x0", x0)]
    }

    /// `σ²/(2θ)`.
    public var stationaryVariance: Double { sigma * sigma / (2 * theta) }

    public func exactMean(at t: Double) -> [Double] {
        Array(repeating: mu + (x0 - mu) * exp(-theta * (t - t0)), count: dimension)
    }

    public func exactVariance(at t: Double) -> [Double] {
        Array(repeating: -stationaryVariance * expm1(-2 * theta * (t - t0)), count: dimension)
    }
}
