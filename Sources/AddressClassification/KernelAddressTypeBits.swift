/// The `int` that Linux's `__ipv6_addr_type()` returns: type flags in the
/// low 16 bits, and the address scope above them, placed there by
/// `IPV6_ADDR_SCOPE_TYPE(scope)`, which is `scope << 16`.
///
/// Constants are those of include/net/ipv6.h.
public struct KernelAddressTypeBits: OptionSet, Hashable, Sendable, CustomStringConvertible {
    public let rawValue: Int

    public init(rawValue: Int) { self.rawValue = rawValue }

    /// `IPV6_ADDR_SCOPE_TYPE(scope)`: a scope value moved into bits 16...19.
    public init(scope: Int) { rawValue = scope << 16 }

    /// IPV6_ADDR_ANY, 0: what `::` gets, with no scope either.
    public static let any: KernelAddressTypeBits = []
    public static let unicast = KernelAddressTypeBits(rawValue: 0x0001)
    public static let multicast = KernelAddressTypeBits(rawValue: 0x0002)
    public static let loopback = KernelAddressTypeBits(rawValue: 0x0010)
    public static let linkLocal = KernelAddressTypeBits(rawValue: 0x0020)
    public static let siteLocal = KernelAddressTypeBits(rawValue: 0x0040)
    public static let compatV4 = KernelAddressTypeBits(rawValue: 0x0080)
    public static let mapped = KernelAddressTypeBits(rawValue: 0x1000)
    /// Only legacy kernels return it: for 000/3 and 111/3 space they did not
    /// otherwise recognise. It comes without the UNICAST bit.
    public static let reserved = KernelAddressTypeBits(rawValue: 0x2000)

    // IPV6_ADDR_SCOPE_* values, already shifted into place.
    public static let scopeNodeLocal = KernelAddressTypeBits(scope: 0x01)
    public static let scopeLinkLocal = KernelAddressTypeBits(scope: 0x02)
    public static let scopeSiteLocal = KernelAddressTypeBits(scope: 0x05)
    public static let scopeOrgLocal = KernelAddressTypeBits(scope: 0x08)
    public static let scopeGlobal = KernelAddressTypeBits(scope: 0x0e)

    /// The scope value in bits 16 and up, as `__ipv6_addr_src_scope()` reads it.
    public var scope: Int { rawValue >> 16 }

    /// What `ipv6_addr_type()` returns: `__ipv6_addr_type() & 0xffff`, the
    /// type flags without the scope. Route code compares against this.
    public var withoutScope: KernelAddressTypeBits {
        KernelAddressTypeBits(rawValue: rawValue & 0xffff)
    }

    /// Kernel names of the type flags set, e.g. `["UNICAST", "LINKLOCAL"]`;
    /// `["ANY"]` when none are.
    public var flagNames: [String] {
        let names: [(KernelAddressTypeBits, String)] = [
            (.unicast, "UNICAST"), (.multicast, "MULTICAST"), (.loopback, "LOOPBACK"),
            (.linkLocal, "LINKLOCAL"), (.siteLocal, "SITELOCAL"), (.compatV4, "COMPATv4"),
            (.mapped, "MAPPED"), (.reserved, "RESERVED"),
        ]
        let set = names.filter { withoutScope.contains($0.0) }.map(\.1)
        return set.isEmpty ? ["ANY"] : set
    }

    /// Kernel name of the scope value, e.g. "GLOBAL", or hex for unnamed ones.
    public var scopeName: String {
        switch scope {
        case 0x01: "NODELOCAL"
        case 0x02: "LINKLOCAL"
        case 0x05: "SITELOCAL"
        case 0x08: "ORGLOCAL"
        case 0x0e: "GLOBAL"
        default: "0x" + String(scope, radix: 16)
        }
    }

    /// Eight hex digits, like a kernel debug print: "0x000e0001".
    public var hex: String {
        let digits = String(rawValue, radix: 16)
        return "0x" + String(repeating: "0", count: max(0, 8 - digits.count)) + digits
    }

    /// e.g. "UNICAST, scope GLOBAL (0x000e0001)".
    public var description: String {
        "\(flagNames.joined(separator: "|")), scope \(scopeName) (\(hex))"
    }
}
