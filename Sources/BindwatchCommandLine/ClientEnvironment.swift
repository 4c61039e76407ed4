import Glibc

/// Environment variables, read when asked.
public struct ClientEnvironment {
    public init() {}

    /// For settings loaders, which take a lookup function.
    public var lookup: (String) -> String? { { getenv($0).map { String(cString: $0) } } }
}
