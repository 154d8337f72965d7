/// Hairer's PI step-size controller (as in `dopri5.f`, HNW II §IV.2 / HNW I §II.4).
///
/// With the scaled error norm `err` of the current step and `errₙ₋₁` of the last
/// accepted step, the new step is `h·fac` where
/// `fac = safety · err^(−α) · errₙ₋₁^β`, `α = 1/q − 0.75β` for an embedded pair of
/// lowest order `q − 1` (`q = 5` for Dormand–Prince), clamped to
/// `[minimumFactor, maximumFactor]`. A step with `err ≤ 1` is accepted; after a rejection
/// the step may not grow. `β = 0` is the classic (I-only) controller.
public struct PIStepController: Sendable, Equatable {
    public var safety: Double = 0.9
    public var beta: Double = 0.04
    public var minimumFactor: Double = 0.2
    public var maximumFactor: Double = 10
    /// Lower bound for the remembered error (keeps the PI term bounded).
    public var errorFloor: Double = 1e-4

    public init(safety: Double = 0.9, beta: Double = 0.04, minimumFactor: Double = 0.2, maximumFactor: Double = 10) {
        self.safety = safety
        self.beta = beta
        self.minimumFactor = minimumFactor
        self.maximumFactor = maximumFactor
    }

    /// Running state: the previous accepted error and whether the last step was rejected.
    struct Memory {
        /// `errₙ₋₁^β` of the last accepted step.
        var previousErrorPower: Double = .nan
        var lastRejected = false
    }

    /// Decides on a step of size `h` with scaled error `error` for a method of order
    /// `order` (the propagated order). Returns whether to accept and the next step size.
    @inline(__always)
    func decide(error: Double, stepSize h: Double, order: Int, memory: inout Memory) -> (accept: Bool, next: Double) {
        let alpha = 1.0 / Double(order) - 0.75 * beta
        // One log and at most two exps per step (pow costs several times more).
        let logError = realLog(error)
        let iTerm = realExp(alpha * logError)
        if error <= 1 {
            if memory.previousErrorPower.isNaN { memory.previousErrorPower = realPower(errorFloor, beta) }
            var fac = iTerm / memory.previousErrorPower / safety
            fac = max(1 / maximumFactor, min(1 / minimumFactor, fac))
            var next = h / fac
            if memory.lastRejected { next = min(next, h) }
            memory.previousErrorPower = error > errorFloor ? realExp(beta * logError) : realPower(errorFloor, beta)
            memory.lastRejected = false
            return (true, next)
        } else {
            memory.lastRejected = true
            return (false, h / min(1 / minimumFactor, iTerm / safety))
        }
    }
}

#if canImport(Glibc)
import Glibc
@inline(__always) func realPower(_ x: Double, _ y: Double) -> Double { Glibc.pow(x, y) }
@inline(__always) func realLog(_ x: Double) -> Double { Glibc.log(x) }
@inline(__always) func realExp(_ x: Double) -> Double { Glibc.exp(x) }
#else
import Darwin
@inline(__always) func realPower(_ x: Double, _ y: Double) -> Double { Darwin.pow(x, y) }
@inline(__always) func realLog(_ x: Double) -> Double { Darwin.log(x) }
@inline(__always) func realExp(_ x: Double) -> Double { Darwin.exp(x) }
#endif
