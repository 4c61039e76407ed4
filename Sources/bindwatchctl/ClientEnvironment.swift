import Glibc

/// Environment variables, read when asked.
struct ClientEnvironment {
    subscript(name: String) -> String? {
        getenv(name).map { String(cString: $0) }
    }

    /// For settings loaders, which take a lookup function.
    var lookup: (String) -> String? { { getenv($0).map { String(cString: $0) } } }
}
