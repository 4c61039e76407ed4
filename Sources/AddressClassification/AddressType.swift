/// The architectural kind of an address: a closed vocabulary, per family.
///
/// A type says how the address works (RFC 4291 for IPv6, RFC 791 and its
/// successors for IPv4); what IANA set a block aside for, such as
/// Documentation or TEREDO, is reported separately as `SpecialPurpose`.
public enum AddressType: String, Hashable, Sendable, CaseIterable, CustomStringConvertible {
    case unspecified
    case loopback
    case multicast
    case linkLocal = "link-local"
    /// IPv6 `fec0::/10`, deprecated by RFC 3879.
    case siteLocal = "site-local"
    case uniqueLocal = "unique-local"
    case ipv4Mapped = "ipv4-mapped"
    /// IPv6 `::/96` except `::` and `::1`, deprecated by RFC 4291 Section 2.5.5.1.
    case ipv4Compatible = "ipv4-compatible"
    case globalUnicast = "global-unicast"
    /// IPv4 RFC 1918 space.
    case `private`
    /// IPv4 `100.64.0.0/10`, RFC 6598.
    case shared
    /// IPv4 `255.255.255.255`.
    case broadcast
    /// IPv4 blocks no host may use as an ordinary address: the rest of
    /// `0.0.0.0/8` and `240.0.0.0/4`.
    case reserved

    /// The types each family can have.
    public static func vocabulary(for family: IPAddress.Family) -> [AddressType] {
        switch family {
        case .inet6:
            [
                .unspecified, .loopback, .multicast, .linkLocal, .siteLocal, .uniqueLocal, .ipv4Mapped,
                .ipv4Compatible, .globalUnicast,
            ]
        case .inet:
            [
                .unspecified, .loopback, .linkLocal, .private, .shared, .multicast, .broadcast, .reserved,
                .globalUnicast,
            ]
        }
    }

    /// Types whose every address is deprecated by its RFC.
    public var isDeprecated: Bool { self == .siteLocal || self == .ipv4Compatible }

    /// The words used in explanations, such as "global unicast".
    public var phrase: String {
        switch self {
        case .globalUnicast: "global unicast"
        case .uniqueLocal: "unique local"
        case .ipv4Mapped: "IPv4-mapped"
        case .ipv4Compatible: "IPv4-compatible"
        case .shared: "shared address space"
        case .private: "private-use"
        default: rawValue
        }
    }

    public var description: String { rawValue }
}
