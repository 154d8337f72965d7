import Foundation

/// Resolves `--checkpoint C`: a directory path, or the name of a bundled checkpoint
/// (`cmm-tiny`, `trm-tiny`, `hrm-tiny`) under `Checkpoints/` of the current directory or
/// of the first ancestor of the executable that has one (`.build/<config>/attractor` lives
/// three levels below the repository root).
public enum CheckpointLocator {
    public static let bundledNames = ["cmm-tiny", "trm-tiny", "hrm-tiny"]

    public static func resolve(_ name: String, executable: String = CommandLine.arguments[0]) throws(ReasoningError) -> String {
        let fm = FileManager.default
        if fm.fileExists(atPath: name + "/config.json") { return name }
        let relative = "Checkpoints/" + name
        if fm.fileExists(atPath: relative + "/config.json") { return relative }
        var dir = URL(fileURLWithPath: executable).resolvingSymlinksInPath().deletingLastPathComponent()
        for _ in 0..<6 {
            let candidate = dir.appendingPathComponent(relative).path
            if fm.fileExists(atPath: candidate + "/config.json") { return candidate }
            dir = dir.deletingLastPathComponent()
        }
        if bundledNames.contains(name) {
            throw .checkpoint("no checkpoint '\(name)': the bundled checkpoints are looked up in Checkpoints/ of the current directory (\(fm.currentDirectoryPath)) and of the ancestors of the executable (\(executable)), and neither has one; run from the repository or pass the checkpoint's directory (REPOSITORY/Checkpoints/\(name))")
        }
        throw .checkpoint("no checkpoint '\(name)': not a checkpoint directory, and no bundled checkpoint of that name (bundled: \(bundledNames.joined(separator: ", ")))")
    }
}
