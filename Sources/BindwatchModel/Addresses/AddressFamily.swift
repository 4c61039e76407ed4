/// An address family as the kernel numbers it and as the varlink interface names it.
public enum AddressFamily: UInt8, Sendable, Hashable, CaseIterable, Comparable {
    case inet = 2
    case inet6 = 10

    /// `inet` or `inet6`, as iproute2 and the varlink interface write it.
    public var name: String {
        switch self {
        case .inet: "inet"
        case .inet6: "inet6"
        }
    }

    public init?(name: String) {
        switch name {
        case "inet": self = .inet
        case "inet6": self = .inet6
        default: return nil
        }
    }

    /// Bytes in one address of this family.
    public var addressLength: Int { self == .inet ? 4 : 16 }

    public static func < (lhs: AddressFamily, rhs: AddressFamily) -> Bool { lhs.rawValue < rhs.rawValue }
}
