import Foundation

/// A runtime failure with a message for the user (exit status 1).
struct CommandFailure: Error, CustomStringConvertible {
    var description: String
    init(_ message: String) { description = message }
}
