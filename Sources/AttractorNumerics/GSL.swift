import CGSL

/// An error reported by GSL, carrying its status code (`GSL_EINVAL`, `GSL_EBADFUNC`, …).
public struct GSLError: Error, CustomStringConvertible, Equatable, Sendable {
    public let status: Int32
    public let context: String
    public init(status: Int32, context: String) {
        self.status = status
        self.context = context
    }
    public var description: String {
        let reason = gsl_strerror(status).map { String(cString: $0) } ?? "unknown GSL status"
        return "GSL error \(status) (\(reason)) in \(context)"
    }
}

/// Process-wide GSL set-up. GSL's default error handler calls `abort()`; Attractor
/// turns it off once, before the first GSL call, and checks every status code instead.
public enum GSL {
    private static let handlerDisabled: Bool = {
        _ = gsl_set_error_handler_off()
        return true
    }()

    /// Turns GSL's aborting error handler off (idempotent, thread-safe). Every wrapper
    /// around a GSL call runs this first.
    @inline(__always)
    public static func prepare() {
        _ = handlerDisabled
    }

    /// Throws a `GSLError` when `status` is not `GSL_SUCCESS`.
    @inline(__always)
    public static func check(_ status: Int32, _ context: @autoclosure () -> String) throws(GSLError) {
        if status != GSL_SUCCESS { throw GSLError(status: status, context: context()) }
    }

    /// The GSL version this binary was linked against.
    public static var version: String { String(cString: attractor_gsl_version()) }
}

/// OpenBLAS identification, for reports and benchmark logs.
public enum BLAS {
    /// OpenBLAS's build configuration string (proves which library serves `cblas_*`).
    public static var configuration: String {
        openblas_get_config().map { String(cString: $0) } ?? "unknown"
    }
    /// The CPU kernel OpenBLAS chose at run time (e.g. `Haswell`, `SkylakeX`).
    public static var coreName: String {
        openblas_get_corename().map { String(cString: $0) } ?? "unknown"
    }
    /// The shared object that serves `symbol` (default `cblas_sgemm`) in the process's
    /// global symbol scope — the scope GSL's own `cblas_*` references bind to as well.
    /// Attractor links OpenBLAS ahead of GSL so this is OpenBLAS, not `libgslcblas`.
    public static func library(serving symbol: String = "cblas_sgemm") -> String? {
        symbol.withCString { attractor_library_serving($0) }.map { String(cString: $0) }
    }
    public static var threadCount: Int { Int(openblas_get_num_threads()) }
    public static func setThreadCount(_ n: Int) { openblas_set_num_threads(Int32(n)) }
}
