import AttractorNumerics
import CGSL

/// GSL's `gsl_odeiv2` steppers under the `ODESolver` API: `rkf45`, `rk8pd` and the
/// stiff `msbdf` (which uses the field's Jacobian).
///
/// The whole batch is one GSL system of `rows × dimension` unknowns (the Jacobian is
/// block diagonal). GSL controls `max_i |err_i| / (atol_i + rtol·|y_i|) ≤ 1` (a max
/// norm, not Dopri5's RMS), so at equal tolerances it is somewhat stricter. GSL computes
/// in Double; Float fields are converted at the boundary. GSL's status codes become
/// `SolverError`s: `GSL_EMAXITER` → `maximumStepsExceeded`, `GSL_ENOPROG`/`GSL_FAILURE`
/// → `stepSizeUnderflow`, a non-finite derivative → `nonFiniteState`, anything else →
/// `.gsl(status:context:)`.
public enum GSLODESolver {
    static func solve<F: VectorField>(
        _ field: F, initialState y0: [F.Scalar], rows: Int, t0: Double, t1: Double,
        stepper: GSLStepper, options: SolverOptions
    ) throws(SolverError) -> Solution<F.Scalar> {
        GSL.prepare()
        let d = field.dimension
        let n = rows * d
        let name = ODEMethod.gsl(stepper).name
        let (rtolValues, atolValues) = try Tolerance.validated(
            relative: options.relativeTolerance, absolute: options.absoluteTolerance, dimension: d)
        guard rtolValues.allSatisfy({ $0 == rtolValues[0] }) else {
            throw .invalidOption("\(name) takes one relative tolerance for all components")
        }
        if options.steadyState != nil {
            throw .invalidOption("the steady-state event needs a Swift solver (euler, midpoint, heun, rk4, dopri5), not \(name)")
        }
        if let h = options.stepSize, !(h > 0 && h.isFinite) { throw .invalidStepSize(h) }

        let callbacks: GSLSystemCallbacks
        if stepper == .msbdf {
            guard let jacobianField = field as? any JacobianVectorField<F.Scalar> else {
                throw .methodCannotSolve(method: name, reason: "it needs the problem's Jacobian (a JacobianVectorField)")
            }
            callbacks = makeJacobianCallbacks(jacobianField, rows: rows)
        } else {
            callbacks = GSLFieldCallbacks(field: field, rows: rows)
        }
        let context = Unmanaged.passRetained(callbacks)
        defer { context.release() }

        let system = UnsafeMutablePointer<gsl_odeiv2_system>.allocate(capacity: 1)
        defer { system.deallocate() }
        system.initialize(to: gsl_odeiv2_system(
            function: { t, y, dydt, params in
                Unmanaged<GSLSystemCallbacks>.fromOpaque(params!).takeUnretainedValue().evaluate(t: t, y: y!, dydt: dydt!)
            },
            jacobian: { t, y, dfdy, dfdt, params in
                Unmanaged<GSLSystemCallbacks>.fromOpaque(params!).takeUnretainedValue()
                    .jacobian(t: t, y: y!, dfdy: dfdy!, dfdt: dfdt!)
            },
            dimension: n, params: context.toOpaque()))

        let type: UnsafePointer<gsl_odeiv2_step_type>
        switch stepper {
        case .rkf45: type = attractor_gsl_odeiv2_rkf45()
        case .rk8pd: type = attractor_gsl_odeiv2_rk8pd()
        case .msbdf: type = attractor_gsl_odeiv2_msbdf()
        }
        let hStart = options.stepSize ?? min(1e-6, 1e-3 * (t1 - t0))
        let driver: UnsafeMutablePointer<gsl_odeiv2_driver>?
        if atolValues.allSatisfy({ $0 == atolValues[0] }) {
            driver = gsl_odeiv2_driver_alloc_standard_new(system, type, hStart, atolValues[0], rtolValues[0], 1, 0)
        } else {
            var scale = [Double](repeating: 0, count: n)
            for e in 0..<n { scale[e] = atolValues[e % d] }
            driver = gsl_odeiv2_driver_alloc_scaled_new(system, type, hStart, 1, rtolValues[0], 1, 0, scale)
        }
        guard let driver else { throw .gsl(status: Int32(GSL_ENOMEM), context: "gsl_odeiv2_driver_alloc (\(name))") }
        defer { gsl_odeiv2_driver_free(driver) }
        if let hMax = options.maximumStepSize {
            guard hMax > 0, hMax.isFinite else { throw .invalidStepSize(hMax) }
            _ = gsl_odeiv2_driver_set_hmax(driver, hMax)
        }

        var y = [Double](repeating: 0, count: n)
        for e in 0..<n { y[e] = Double(y0[e]) }
        var t = t0
        var saved: [Tensor<F.Scalar>] = []
        saved.reserveCapacity(options.saveAt.count)
        let stops = options.saveAt + [t1]
        for (index, stop) in stops.enumerated() {
            if stop > t {
                let stepsSoFar = Int(driver.pointee.e.pointee.count)
                let budget = options.maximumSteps - stepsSoFar
                if budget <= 0 { throw .maximumStepsExceeded(steps: stepsSoFar, t: t, t1: t1) }
                _ = gsl_odeiv2_driver_set_nmax(driver, UInt(budget))
                let status = gsl_odeiv2_driver_apply(driver, &t, stop, &y)
                if status != GSL_SUCCESS {
                    throw error(status: status, t: t, t1: t1, driver: driver, callbacks: callbacks, name: name)
                }
                if let e = y.firstIndex(where: { !$0.isFinite }) { throw .nonFiniteState(t: t, row: e / d) }
            }
            if index < options.saveAt.count {
                saved.append(Tensor(shape: [rows, d], scalars: y.map { F.Scalar($0) }))
            }
        }
        var stats = SolverStatistics()
        stats.steps = Int(driver.pointee.e.pointee.count) - Int(driver.pointee.e.pointee.failed_steps)
        stats.rejectedSteps = Int(driver.pointee.e.pointee.failed_steps)
        stats.functionEvaluations = callbacks.evaluations
        stats.rowEvaluations = callbacks.evaluations * rows
        return Solution(
            method: name, t0: t0, t1: t1, times: options.saveAt, states: saved,
            finalState: Tensor(shape: [rows, d], scalars: y.map { F.Scalar($0) }), statistics: stats,
            steadyState: nil)
    }

    private static func makeJacobianCallbacks<J: JacobianVectorField>(_ field: J, rows: Int) -> GSLSystemCallbacks {
        GSLJacobianFieldCallbacks(field: field, rows: rows)
    }

    private static func error(
        status: Int32, t: Double, t1: Double, driver: UnsafeMutablePointer<gsl_odeiv2_driver>,
        callbacks: GSLSystemCallbacks, name: String
    ) -> SolverError {
        let steps = Int(driver.pointee.e.pointee.count)
        switch status {
        case Int32(GSL_EMAXITER): return .maximumStepsExceeded(steps: steps, t: t, t1: t1)
        case Int32(GSL_ENOPROG), Int32(GSL_FAILURE): return .stepSizeUnderflow(t: t, stepSize: driver.pointee.h)
        case Int32(GSL_EBADFUNC):
            if let bad = callbacks.nonFinite { return .nonFiniteState(t: bad.t, row: bad.row) }
            return .gsl(status: status, context: "gsl_odeiv2_driver_apply (\(name))")
        default: return .gsl(status: status, context: "gsl_odeiv2_driver_apply (\(name))")
        }
    }
}

/// The object GSL's C callbacks reach through `params`: evaluates the Swift field on
/// GSL's Double arrays. Subclassed per field type (C function pointers cannot be generic).
class GSLSystemCallbacks {
    var evaluations = 0
    /// Where the derivative first turned non-finite (GSL is then told `GSL_EBADFUNC`).
    var nonFinite: (t: Double, row: Int)?

    func evaluate(t: Double, y: UnsafePointer<Double>, dydt: UnsafeMutablePointer<Double>) -> Int32 {
        Int32(GSL_EBADFUNC)
    }

    func jacobian(t: Double, y: UnsafePointer<Double>, dfdy: UnsafeMutablePointer<Double>,
                  dfdt: UnsafeMutablePointer<Double>) -> Int32 {
        Int32(GSL_EBADFUNC)
    }
}

class GSLFieldCallbacks<F: VectorField>: GSLSystemCallbacks {
    let field: F
    let rows: Int
    let count: Int
    /// Scalar copies of GSL's arrays when `F.Scalar` is not Double.
    let stateScratch: UnsafeMutablePointer<F.Scalar>
    let derivativeScratch: UnsafeMutablePointer<F.Scalar>

    init(field: F, rows: Int) {
        self.field = field
        self.rows = rows
        count = rows * field.dimension
        stateScratch = .allocate(capacity: count)
        stateScratch.initialize(repeating: 0, count: count)
        derivativeScratch = .allocate(capacity: count)
        derivativeScratch.initialize(repeating: 0, count: count)
    }

    deinit {
        stateScratch.deallocate()
        derivativeScratch.deallocate()
    }

    /// `y` as the field's scalar type (no copy for Double fields).
    func stateView(_ y: UnsafePointer<Double>) -> UnsafePointer<F.Scalar> {
        if F.Scalar.self == Double.self { return UnsafeRawPointer(y).assumingMemoryBound(to: F.Scalar.self) }
        for e in 0..<count { stateScratch[e] = F.Scalar(y[e]) }
        return UnsafePointer(stateScratch)
    }

    override func evaluate(t: Double, y: UnsafePointer<Double>, dydt: UnsafeMutablePointer<Double>) -> Int32 {
        evaluations += 1
        if F.Scalar.self == Double.self {
            let out = UnsafeMutableRawPointer(dydt).assumingMemoryBound(to: F.Scalar.self)
            field.evaluate(t: F.Scalar(t), state: stateView(y), derivative: out, rows: RowSelection(count: rows))
        } else {
            field.evaluate(t: F.Scalar(t), state: stateView(y), derivative: derivativeScratch, rows: RowSelection(count: rows))
            for e in 0..<count { dydt[e] = Double(derivativeScratch[e]) }
        }
        if let e = StepKernels.firstNonFinite(count: count, UnsafePointer(dydt)) {
            nonFinite = (t, e / field.dimension)
            return Int32(GSL_EBADFUNC)
        }
        return Int32(GSL_SUCCESS)
    }
}

final class GSLJacobianFieldCallbacks<J: JacobianVectorField>: GSLFieldCallbacks<J> {
    let block: UnsafeMutablePointer<J.Scalar>
    let timeBlock: UnsafeMutablePointer<J.Scalar>

    override init(field: J, rows: Int) {
        let d = field.dimension
        block = .allocate(capacity: d * d)
        block.initialize(repeating: 0, count: d * d)
        timeBlock = .allocate(capacity: d)
        timeBlock.initialize(repeating: 0, count: d)
        super.init(field: field, rows: rows)
    }

    deinit {
        block.deallocate()
        timeBlock.deallocate()
    }

    override func jacobian(t: Double, y: UnsafePointer<Double>, dfdy: UnsafeMutablePointer<Double>,
                           dfdt: UnsafeMutablePointer<Double>) -> Int32 {
        let d = field.dimension
        let n = count
        let state = stateView(y)
        dfdy.update(repeating: 0, count: n * n)
        for r in 0..<rows {
            field.jacobian(t: J.Scalar(t), state: state + r * d, jacobian: block, timeDerivative: timeBlock, row: r)
            for i in 0..<d {
                dfdt[r * d + i] = Double(timeBlock[i])
                for j in 0..<d { dfdy[(r * d + i) * n + r * d + j] = Double(block[i * d + j]) }
            }
        }
        if StepKernels.firstNonFinite(count: n * n, UnsafePointer(dfdy)) != nil { return Int32(GSL_EBADFUNC) }
        return Int32(GSL_SUCCESS)
    }
}
