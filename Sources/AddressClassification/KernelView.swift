/// How one generation of the Linux kernel types an IPv6 address.
public struct KernelView: Hashable, Sendable {
    /// Which kernel generation this describes.
    public let rules: LinuxKernelRules

    /// What `__ipv6_addr_type()` returns, scope bits included.
    public let type: KernelAddressTypeBits

    /// Whether a route gateway of this type passes the kernel's type check.
    public let gatewayAccepted: Bool

    public init(rules: LinuxKernelRules, type: KernelAddressTypeBits, gatewayAccepted: Bool) {
        self.rules = rules
        self.type = type
        self.gatewayAccepted = gatewayAccepted
    }

    /// `type` as the plain integer the kernel returns.
    public var typeBits: Int { type.rawValue }
}
