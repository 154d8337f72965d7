import ArgumentParser
import Attractor
import Foundation

/// The exit statuses of every `attractor` command (Docs/CLI.md, `attractor --help`):
///
/// | status | meaning |
/// |---|---|
/// | 0 | success |
/// | 1 | the work ran and failed: a validation check failed, a solver diverged, the loss became NaN |
/// | 64 | bad command line: unknown option, missing or out-of-range value |
/// | 65 | bad input data: a puzzle file, checkpoint, suite or dataset that is malformed or unusable |
/// | 66 | an input file or directory is missing or cannot be read |
/// | 69 | the request needs more memory than the budget (`ATTRACTOR_MEMORY_LIMIT`) |
/// | 70 | internal error (a bug: please report it) |
/// | 73 | an output cannot be written (unwritable, or holds a checkpoint without `--overwrite`) |
/// | 130 / 143 | interrupted by SIGINT / SIGTERM (training saves its checkpoint first) |
enum ExitStatus: Int32 {
    case success = 0
    case failed = 1
    case usage = 64
    case dataError = 65
    case noInput = 66
    case memory = 69
    case software = 70
    case cannotCreate = 73
    case interrupted = 130
    case terminated = 143

    /// One-line summary for `--help`.
    static let summary = "Exit status: 0 success; 1 a check or run failed; 64 bad command line; 65 bad input data; 66 missing input; 69 over the memory limit (ATTRACTOR_MEMORY_LIMIT, e.g. 64G); 73 output not writable; 130/143 interrupted by SIGINT/SIGTERM. Errors are printed on stderr as 'error: …'."
}

/// A failure with a message for the user: what is wrong and what to do. Printed as
/// `error: <message>` on stderr; the process exits with `status`.
struct CommandFailure: Error, CustomStringConvertible {
    var description: String
    var status: ExitStatus
    init(_ message: String, status: ExitStatus = .failed) {
        description = message
        self.status = status
    }
}

/// Maps any error to the message and exit status of the shared scheme.
enum ErrorReport {
    static func classify(_ error: Error) -> (message: String, status: ExitStatus) {
        switch error {
        case let e as CommandFailure: return (e.description, e.status)
        case let e as MemoryBudget.Exceeded: return (e.description, .memory)
        case let e as ReasoningError:
            switch e {
            case .nonFiniteLoss, .implicitSolveDidNotConverge, .gradient: return (e.description, .failed)
            case .checkpoint(let s) where s.hasPrefix("no checkpoint"): return (e.description, .noInput)
            case .checkpoint(let s) where s.contains(MemoryBudget.environmentVariable): return (e.description, .memory)
            default: return (e.description, .dataError)
            }
        case let e as StabilityError:
            switch e {
            case .invalidSuite(_, let reason) where reason.contains(MemoryBudget.environmentVariable): return (e.description, .memory)
            case .invalidSuite: return (e.description, .dataError)
            case .invalidArgument(let s) where s.hasPrefix("no such"): return (e.description, .noInput)
            case .invalidArgument(let s) where s.hasPrefix("--") || s.contains("needs --"): return (e.description, .usage)
            case .invalidArgument: return (e.description, .dataError)
            // A checkpoint error wrapped by the stability layer ("checkpoint NAME: <ReasoningError>").
            case .underlying(let s) where s.hasPrefix("checkpoint ") && s.contains("no checkpoint"): return (e.description, .noInput)
            case .underlying(let s) where s.contains(MemoryBudget.environmentVariable): return (e.description, .memory)
            case .underlying(let s) where s.hasPrefix("checkpoint ") && (s.contains(": checkpoint: ") || s.contains(": mismatch: ")):
                return (e.description, .dataError)
            case .nonFinite, .underlying: return (e.description, .failed)
            case .unavailable: return (e.description, .noInput)
            }
        case let e as SafetensorsError: return (e.description, .dataError)
        case let e as SudokuInputError: return (e.description, .dataError)
        case let e as CocoaError: return (describe(e), e.isFileError ? .cannotCreate : .failed)
        case let e as DecodingError: return ("cannot decode JSON: \(describe(e))", .dataError)
        case let e as EncodingError: return ("cannot encode JSON: \(e.localizedDescription)", .software)
        default: return ("\(error)", .failed)
        }
    }

    /// A Foundation file error as a sentence (no `NSCocoaErrorDomain Code=…`).
    static func describe(_ e: CocoaError) -> String {
        let path = (e.userInfo[NSFilePathErrorKey] as? String) ?? e.filePath ?? e.url?.path ?? "the file"
        if let underlying = e.userInfo[NSUnderlyingErrorKey] as? NSError, underlying.domain == NSPOSIXErrorDomain {
            return "\(path): \(String(cString: strerror(Int32(underlying.code))))"
        }
        switch e.code {
        case .fileWriteFileExists: return "\(path) already exists"
        case .fileWriteNoPermission, .fileReadNoPermission: return "no permission to access \(path)"
        case .fileNoSuchFile, .fileReadNoSuchFile: return "no such file: \(path)"
        case .fileWriteOutOfSpace: return "no space left to write \(path)"
        case .fileWriteVolumeReadOnly: return "\(path) is on a read-only volume"
        case .fileReadCorruptFile: return "\(path) is corrupt or not in the expected format"
        case .fileReadInapplicableStringEncoding: return "\(path) is not UTF-8 text"
        default:
            return fileErrorText(e)
        }
    }

    /// A decoding error as "what, at which key" (no `DecodingError.dataCorrupted(…)`).
    static func describe(_ e: DecodingError) -> String { describeDecodingError(e) }

    /// Prints `error: …` on stderr and exits with the scheme's status; parser errors, `--help`
    /// and `--version` go through ArgumentParser (help on stdout, status 0), with the same prefix.
    static func exit<C: ParsableCommand>(_ error: Error, command: C.Type) -> Never {
        if let code = error as? ExitCode { Foundation.exit(code.rawValue) }
        if error is CommandFailure || error is MemoryBudget.Exceeded || error is ReasoningError || error is StabilityError
            || error is SafetensorsError || error is SudokuInputError || error is CocoaError || error is DecodingError
            || error is EncodingError {
            let (message, status) = classify(error)
            standardError("error: \(message)")
            Foundation.exit(status.rawValue)
        }
        let code = C.exitCode(for: error)
        if code == .success || code == .validationFailure {
            // --help, --version, and the parser's own errors (status 64).
            if code == .success { C.exit(withError: error) }
            var text = C.fullMessage(for: error)
            if text.hasPrefix("Error: ") { text = "error: " + text.dropFirst("Error: ".count) }
            standardError(text)
            Foundation.exit(ExitStatus.usage.rawValue)
        }
        let (message, status) = classify(error)
        standardError("error: \(message)")
        Foundation.exit(status.rawValue)
    }
}

extension CocoaError {
    /// Whether this is a write-side file error (the output cannot be created).
    var isFileError: Bool { code.rawValue >= 512 && code.rawValue < 1024 }
}

/// `path` when it is an existing regular file; otherwise the failure that names what is wrong.
func requireReadableFile(_ path: String, what: String = "file") throws -> String {
    var isDirectory: ObjCBool = false
    guard FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory) else {
        throw CommandFailure("no such file: \(path); check the path of the \(what)", status: .noInput)
    }
    if isDirectory.boolValue {
        throw CommandFailure("\(path) is a directory, not a \(what); give the path of a file inside it", status: .noInput)
    }
    guard FileManager.default.isReadableFile(atPath: path) else {
        throw CommandFailure("no permission to read \(path); check its permissions", status: .noInput)
    }
    return path
}

/// The text of a file, with a failure naming the problem (missing, a directory, unreadable, not UTF-8).
func readTextFile(_ path: String, what: String = "file") throws -> String {
    _ = try requireReadableFile(path, what: what)
    guard let data = FileManager.default.contents(atPath: path) else {
        throw CommandFailure("cannot read \(path); check that it is a readable file", status: .noInput)
    }
    guard let text = String(data: data, encoding: .utf8) else {
        throw CommandFailure("\(path) is not UTF-8 text; give a text \(what)", status: .dataError)
    }
    return text
}
