/// An address family, numbered as the kernel numbers it (AF_INET, AF_INET6) and named as
/// `ip(8)` and the varlink interface name it.
public enum AddressFamily: UInt8, Sendable, Hashable, CaseIterable, Comparable, CustomStringConvertible {
    case inet = 2
    case inet6 = 10

    /// `inet` or `inet6`.
    public var name: String {
        switch self {
        case .inet: "inet"
        case .inet6: "inet6"
        }
    }

    public var description: String { name }

    public init?(name: String) {
        switch name {
        case "inet": self = .inet
        case "inet6": self = .inet6
        default: return nil
        }
    }

    /// 4 for IPv4, 16 for IPv6.
    public var byteCount: Int { self == .inet ? 4 : 16 }

    /// 32 for IPv4, 128 for IPv6.
    public var bitCount: Int { byteCount * 8 }

    public static func < (lhs: AddressFamily, rhs: AddressFamily) -> Bool { lhs.rawValue < rhs.rawValue }
}
