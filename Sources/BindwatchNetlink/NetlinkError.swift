import SystemPackage

/// A failed netlink system call, with the errno the C boundary returned.
public struct NetlinkError: Error, Sendable, Equatable, CustomStringConvertible {
    public let operation: String
    public let errno: Errno

    /// `result` is the negative errno value the C shim returns.
    package init(_ operation: String, result: Int) {
        self.operation = operation
        self.errno = Errno(rawValue: Int32(truncatingIfNeeded: -result))
    }

    public var description: String { "\(operation): \(errno) (errno \(errno.rawValue))" }
}
