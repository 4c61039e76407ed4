/// What decides the order of bindable addresses, best first: not deprecated
/// before deprecated; wider scope first (global, site, link, host); higher
/// RFC 6724 precedence (so 2001:db8::1, 40, before 192.0.2.1, 35, before
/// fd00::1, 3); lower interface index; then address bytes.
public struct BindPreference: Hashable, Sendable {
    public var deprecated: Bool
    public var scope: AddressScope
    public var precedence: Int
    public var ifindex: Int
    /// Compared lexicographically; the convenience initializer uses the
    /// 16-byte IPv4-mapped form so the two families interleave consistently.
    public var bytes: [UInt8]

    public init(deprecated: Bool, scope: AddressScope, precedence: Int, ifindex: Int, bytes: [UInt8]) {
        self.deprecated = deprecated
        self.scope = scope
        self.precedence = precedence
        self.ifindex = ifindex
        self.bytes = bytes
    }

    /// The key for a classified address on interface `ifindex`. The address
    /// counts as deprecated if `deprecated` says so (e.g. IFA_F_DEPRECATED
    /// from the kernel), if its type is deprecated (site-local,
    /// IPv4-compatible) or if its registry row is terminated.
    public init(_ classification: Classification, ifindex: Int, deprecated: Bool = false) {
        self.init(
            deprecated: deprecated || classification.type.isDeprecated
                || classification.special?.terminationDate != nil,
            scope: classification.scope,
            precedence: classification.precedence,
            ifindex: ifindex,
            bytes: classification.ipAddress.ipv4Mapped.bytes)
    }

    /// Whether `lhs` sorts before `rhs`; pass to `sorted(by:)`.
    public static func ranksBefore(_ lhs: BindPreference, _ rhs: BindPreference) -> Bool {
        if lhs.deprecated != rhs.deprecated { return !lhs.deprecated }
        if lhs.scope != rhs.scope { return lhs.scope > rhs.scope }
        if lhs.precedence != rhs.precedence { return lhs.precedence > rhs.precedence }
        if lhs.ifindex != rhs.ifindex { return lhs.ifindex < rhs.ifindex }
        return lhs.bytes.lexicographicallyPrecedes(rhs.bytes)
    }
}
