/// The kernel's `ifa_scope` (RT_SCOPE_*), named as iproute2 names it. Not the scope the
/// classifier derives from the address itself (its `AddressScope`, after RFC 4291 and RFC
/// 4007): the kernel's is whatever the address was added with (`ip addr add … scope link`).
public struct KernelScope: RawRepresentable, Sendable, Hashable {
    public let rawValue: UInt8
    public init(rawValue: UInt8) { self.rawValue = rawValue }

    public static let global = KernelScope(rawValue: 0)
    public static let site = KernelScope(rawValue: 200)
    public static let link = KernelScope(rawValue: 253)
    public static let host = KernelScope(rawValue: 254)
    public static let nowhere = KernelScope(rawValue: 255)

    /// `global`, `site`, `link`, `host`, `nowhere`, or the number for any other value.
    public var name: String {
        switch self {
        case .global: "global"
        case .site: "site"
        case .link: "link"
        case .host: "host"
        case .nowhere: "nowhere"
        default: String(rawValue)
        }
    }

    /// The scope `name` names; nil for a name that is neither one of those nor a number.
    public init?(name: String) {
        switch name {
        case "global": self = .global
        case "site": self = .site
        case "link": self = .link
        case "host": self = .host
        case "nowhere": self = .nowhere
        default:
            guard let value = UInt8(name) else { return nil }
            self.init(rawValue: value)
        }
    }

    /// Wider scopes first: global, site, link, host, nowhere.
    package var breadthRank: Int {
        switch self {
        case .global: 0
        case .site: 1
        case .link: 2
        case .host: 3
        default: 4
        }
    }
}
