/// A failure with a message for stderr and an exit status.
public struct CommandFailure: Error, CustomStringConvertible {
    public var description: String
    public var exitCode: Int32

    public init(_ message: String, exitCode: Int32 = 1) {
        self.description = message
        self.exitCode = exitCode
    }
}
