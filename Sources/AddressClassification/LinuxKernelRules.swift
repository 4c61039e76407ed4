/// Which generation of Linux's IPv6 address typing to reproduce.
///
/// Both use the scope-typed `__ipv6_addr_type()` (net/ipv6/addrconf_core.c,
/// earlier addrconf.c). They differ in its last line and in the route
/// gateway check; see `addressType(of:)` and `acceptsGateway(_:)`.
public enum LinuxKernelRules: String, Hashable, Sendable, CaseIterable {
    /// 2.6.2x through 2.6.3x: 000/3 and 111/3 space nothing else claims is
    /// RESERVED (RFC 2373 thinking), and a gateway must have the UNICAST bit.
    case legacy

    /// Since 3.0 (per the project issue): such space is global unicast, as
    /// RFC 4291 Section 2.4 says, and IPv4-mapped gateways are also allowed.
    case modern

    /// The kernel versions, for explanations.
    public var era: String {
        switch self {
        case .legacy: "2.6.2x–2.6.3x"
        case .modern: "3.0"
        }
    }

    /// What this kernel's `__ipv6_addr_type()` and gateway check say about
    /// `address`; nil for IPv4, which that function never sees.
    public func view(of address: IPAddress) -> KernelView? {
        guard let type = addressType(of: address) else { return nil }
        return KernelView(rules: self, type: type, gatewayAccepted: acceptsGateway(type))
    }
}
