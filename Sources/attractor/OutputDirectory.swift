import Attractor
import Foundation

/// Checks on an output directory made before any work starts, so a mistake costs seconds,
/// not a training run.
enum OutputDirectory {
    /// Whether `directory` holds a reasoning checkpoint (its `config.json` or weights).
    static func holdsCheckpoint(_ directory: String) -> Bool {
        let fm = FileManager.default
        return fm.fileExists(atPath: directory + "/config.json") || fm.fileExists(atPath: directory + "/model.safetensors")
    }

    /// `train --out`: refuses to replace an existing checkpoint unless `overwrite`, requires one
    /// with `resume`, and proves the directory writable (creating it) by writing a probe file.
    static func prepareCheckpoint(_ directory: String, resume: Bool, overwrite: Bool) throws {
        if resume {
            guard FileManager.default.fileExists(atPath: directory + "/config.json") else {
                throw CommandFailure("--resume: no checkpoint in \(directory) (missing config.json); train without --resume first, or give the checkpoint's directory as --out",
                                     status: .noInput)
            }
        } else if holdsCheckpoint(directory) && !overwrite {
            let step = (try? ReasoningCheckpoint.manifest(at: directory)).map { " (step \($0.step))" } ?? ""
            throw CommandFailure("\(directory) already holds a checkpoint\(step); pass --resume to continue it, --overwrite to replace it, or choose another --out",
                                 status: .cannotCreate)
        }
        try requireWritable(directory, option: "--out")
    }

    /// Creates `directory` if needed and writes and removes a probe file in it.
    static func requireWritable(_ directory: String, option: String) throws {
        let fm = FileManager.default
        var isDirectory: ObjCBool = false
        if fm.fileExists(atPath: directory, isDirectory: &isDirectory), !isDirectory.boolValue {
            throw CommandFailure("\(option) \(directory) is a file, not a directory; choose a directory", status: .cannotCreate)
        }
        do { try fm.createDirectory(atPath: directory, withIntermediateDirectories: true) } catch {
            throw CommandFailure("cannot create \(option) \(directory): \(reason(error)); choose a writable directory", status: .cannotCreate)
        }
        let probe = directory + "/.attractor-write-test-\(getpid())"
        guard fm.createFile(atPath: probe, contents: Data("probe".utf8)) else {
            throw CommandFailure("cannot write into \(option) \(directory) (\(String(cString: strerror(errno)))); choose a writable directory",
                                 status: .cannotCreate)
        }
        try? fm.removeItem(atPath: probe)
    }

    /// The reason of a file error as a short phrase.
    static func reason(_ error: Error) -> String {
        if let e = error as? CocoaError { return ErrorReport.describe(e) }
        return (error as NSError).localizedDescription
    }
}
