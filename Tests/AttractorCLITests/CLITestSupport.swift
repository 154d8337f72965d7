import Foundation

/// Runs the real `attractor` binary (built next to the test bundle) and captures its output.
enum AttractorBinary {
    struct Result { var status: Int32; var stdout: String; var stderr: String }

    /// The `attractor` executable: `$ATTRACTOR_BINARY` if set, else the one SwiftPM built
    /// beside the test runner (the runner's path is the first process argument).
    static var url: URL {
        if let path = ProcessInfo.processInfo.environment["ATTRACTOR_BINARY"] {
            return URL(fileURLWithPath: path)
        }
        var dir = URL(fileURLWithPath: CommandLine.arguments[0]).resolvingSymlinksInPath()
            .deletingLastPathComponent()
        for _ in 0..<5 {
            let candidate = dir.appendingPathComponent("attractor")
            if FileManager.default.isExecutableFile(atPath: candidate.path),
               !candidate.hasDirectoryPath { return candidate }
            dir = dir.deletingLastPathComponent()
        }
        return URL(fileURLWithPath: ".build/debug/attractor")
    }

    /// `environment` entries are added to (or replace) the test process's own.
    static func run(_ arguments: [String], environment: [String: String] = [:]) throws -> Result {
        let p = Process()
        p.executableURL = url
        p.arguments = arguments
        if !environment.isEmpty {
            p.environment = ProcessInfo.processInfo.environment.merging(environment) { $1 }
        }
        let out = Pipe(), err = Pipe()
        p.standardOutput = out
        p.standardError = err
        try p.run()
        let o = out.fileHandleForReading.readDataToEndOfFile()
        let e = err.fileHandleForReading.readDataToEndOfFile()
        p.waitUntilExit()
        return Result(status: p.terminationStatus,
                      stdout: String(decoding: o, as: UTF8.self),
                      stderr: String(decoding: e, as: UTF8.self))
    }
}
