extension LinuxKernelRules {
    /// The type-level part of the kernel's check on a route's gateway (next
    /// hop), applied to `ipv6_addr_type()` (`type.withoutScope`).
    ///
    /// Both generations start the same way: a gateway whose type is exactly
    /// LINKLOCAL|UNICAST needs no further type check (RFC 4861 routers use
    /// link-local next hops). For anything else:
    /// - legacy `ip6_route_add()`: `if (!(gwa_type & IPV6_ADDR_UNICAST))
    ///   goto out;` (-EINVAL), so RESERVED, MAPPED, ANY and multicast fail;
    /// - modern `ip6_validate_gw()`: `if (!(gwa_type & (IPV6_ADDR_UNICAST |
    ///   IPV6_ADDR_MAPPED)))` fails with "Invalid gateway address", so
    ///   IPv4-mapped next hops (RFC 4798) pass.
    ///
    /// Later checks need a live kernel (the gateway must be reachable and not
    /// local, the device not loopback) and are not modelled, so `::1` passes
    /// here although a real `ip route add` would then fail.
    public func acceptsGateway(_ type: KernelAddressTypeBits) -> Bool {
        let gatewayType = type.withoutScope
        if gatewayType == [.linkLocal, .unicast] { return true }
        switch self {
        case .legacy: return gatewayType.contains(.unicast)
        case .modern: return !gatewayType.isDisjoint(with: [.unicast, .mapped])
        }
    }
}
