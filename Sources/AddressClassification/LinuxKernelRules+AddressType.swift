extension LinuxKernelRules {
    /// Reproduces `__ipv6_addr_type()` branch by branch, reading the address
    /// as the kernel does, in 32-bit words (`s6_addr32[0...3]`, network order).
    /// Returns nil for IPv4.
    ///
    /// The legacy and modern functions share every branch but the last; the
    /// fc00::/7 branch ("RFC 4193") is in both: it is in the 2.6.3x
    /// addrconf_core.c, so ULAs were UNICAST there, not RESERVED. (Older
    /// 2.6.2x addrconf.c without that branch typed them RESERVED; not modelled.)
    public func addressType(of address: IPAddress) -> KernelAddressTypeBits? {
        guard address.family == .inet6 else { return nil }
        let words = [
            UInt32(truncatingIfNeeded: address.high >> 32), UInt32(truncatingIfNeeded: address.high),
            UInt32(truncatingIfNeeded: address.low >> 32), UInt32(truncatingIfNeeded: address.low),
        ]
        let first = words[0]

        // Leading bits neither 000 nor 111: unicast of global scope, whatever
        // IANA has or has not allocated there.
        if first & 0xE000_0000 != 0 && first & 0xE000_0000 != 0xE000_0000 {
            return [.unicast, .scopeGlobal]
        }
        // ff00::/8: MULTICAST plus ipv6_addr_scope2type(IPV6_ADDR_MC_SCOPE()).
        if first & 0xFF00_0000 == 0xFF00_0000 {
            return Self.multicastScopeType(UInt8(truncatingIfNeeded: first >> 16) & 0x0f)
                .union(.multicast)
        }
        // fe80::/10.
        if first & 0xFFC0_0000 == 0xFE80_0000 {
            return [.linkLocal, .unicast, .scopeLinkLocal]
        }
        // fec0::/10, still typed site-local although RFC 3879 deprecated it.
        if first & 0xFFC0_0000 == 0xFEC0_0000 {
            return [.siteLocal, .unicast, .scopeSiteLocal]
        }
        // fc00::/7, "RFC 4193": plain global unicast, no ULA flag exists.
        if first & 0xFE00_0000 == 0xFC00_0000 {
            return [.unicast, .scopeGlobal]
        }
        // First 64 bits zero: the RFC 4291 Section 2.5 specials.
        if words[0] | words[1] == 0 {
            if words[2] == 0 {
                // :: gets 0, IPV6_ADDR_ANY, with no scope bits.
                if words[3] == 0 { return .any }
                // ::1 has link-local scope (RFC 6724 Section 3.4, ex-RFC 3484).
                if words[3] == 1 { return [.loopback, .unicast, .scopeLinkLocal] }
                // ::a.b.c.d, IPv4-compatible.
                return [.compatV4, .unicast, .scopeGlobal]
            }
            // ::ffff:a.b.c.d: MAPPED without the UNICAST bit.
            if words[2] == 0x0000_ffff { return [.mapped, .scopeGlobal] }
        }
        // The rest of 000/3 and 111/3 (1000::1 is here): the one difference.
        switch self {
        case .legacy: return [.reserved, .scopeGlobal]
        case .modern: return [.unicast, .scopeGlobal]
        }
    }

    /// `ipv6_addr_scope2type()`: the scope value moved into place, plus a type
    /// flag for three scopes: interface-local (1) becomes LOOPBACK, link-local
    /// (2) LINKLOCAL, site-local (5) SITELOCAL.
    static func multicastScopeType(_ scope: UInt8) -> KernelAddressTypeBits {
        let scopeBits = KernelAddressTypeBits(scope: Int(scope))
        switch scope {
        case 0x01: return scopeBits.union(.loopback)
        case 0x02: return scopeBits.union(.linkLocal)
        case 0x05: return scopeBits.union(.siteLocal)
        default: return scopeBits
        }
    }
}
