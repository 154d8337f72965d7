/// Why a maze could not be read.
public struct MazeInputError: Error, Hashable, Sendable, CustomStringConvertible {
    public var reason: String
    public var description: String { reason }
}
