// Scope rules. Unicast follows RFC 4007 and RFC 6724 Section 3.1, except
// that loopback is `host` (as Linux labels it) where RFC 6724 says link.
// IPv6 multicast uses its scop nibble (RFC 4291 Section 2.7, RFC 7346);
// IPv4 multicast uses RFC 5771 and the RFC 2365 administrative scopes.
// The unspecified address is `global`: a wildcard bind reaches everywhere.

extension IPAddress {
    /// How far the address reaches.
    public var scope: AddressScope {
        switch addressType {
        case .multicast:
            return family == .inet6
                ? AddressScope(multicastScopeNibble: bytes[1]) : Self.ipv4MulticastScope(bytes)
        case .loopback:
            return .host
        case .linkLocal, .broadcast:
            // 255.255.255.255 is never forwarded (RFC 919 Section 7).
            return .link
        case .siteLocal:
            return .site
        case .ipv4Mapped:
            // RFC 6724 Section 3.2: mapped addresses take their IPv4 scope.
            return unmappedIPv4?.scope ?? .global
        case .reserved:
            // 0.x.y.z means a host on this network only (RFC 1122 3.2.1.3).
            return bytes[0] == 0 ? .link : .global
        case .unspecified, .uniqueLocal, .ipv4Compatible, .globalUnicast, .private, .shared:
            // RFC 6724 Section 3.1: ULAs and RFC 1918 space are global scope.
            return .global
        }
    }

    private static func ipv4MulticastScope(_ bytes: [UInt8]) -> AddressScope {
        // 224.0.0.0/24: Local Network Control Block, never forwarded (RFC 5771 §4).
        if bytes[0] == 224 && bytes[1] == 0 && bytes[2] == 0 { return .link }
        guard bytes[0] == 239 else { return .global }
        // 239.255.0.0/16, IPv4 Local Scope (RFC 2365 Section 6.1).
        if bytes[1] == 255 { return .site }
        // 239.192.0.0/14, IPv4 Organization Local Scope (RFC 2365 Section 6.2).
        if bytes[1] & 0xfc == 192 { return .organization }
        // The rest of 239/8 is administratively scoped (RFC 2365 Section 6.2.1).
        return .admin
    }
}
