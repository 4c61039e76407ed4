/// An IPv4 or IPv6 address: a family plus its bytes in network order.
///
/// It carries no zone index: a zone belongs to one use of an address
/// (RFC 4007, Section 11), so `ZonedIPAddress` adds it when needed.
public struct IPAddress: Hashable, Sendable {
    /// The address family, named as `ip(8)` names it.
    public enum Family: String, Hashable, Sendable, CaseIterable {
        case inet
        case inet6

        /// 4 for IPv4, 16 for IPv6.
        public var byteCount: Int { self == .inet ? 4 : 16 }

        /// 32 for IPv4, 128 for IPv6.
        public var bitCount: Int { byteCount * 8 }
    }

    public let family: Family

    /// 4 bytes for `.inet`, 16 for `.inet6`, most significant first.
    public let bytes: [UInt8]

    /// Fails unless `bytes` has exactly the family's length.
    public init?(family: Family, bytes: [UInt8]) {
        guard bytes.count == family.byteCount else { return nil }
        self.family = family
        self.bytes = bytes
    }

    /// An IPv4 address from its 32-bit value (host integer, not network order).
    public init(ipv4 value: UInt32) {
        family = .inet
        bytes = [24, 16, 8, 0].map { UInt8(truncatingIfNeeded: value >> $0) }
    }

    /// An IPv4 address from its four octets, written as in `a.b.c.d`.
    public init(ipv4 a: UInt8, _ b: UInt8, _ c: UInt8, _ d: UInt8) {
        family = .inet
        bytes = [a, b, c, d]
    }

    /// An IPv6 address from its eight 16-bit groups; fails for any other count.
    public init?(ipv6Groups groups: [UInt16]) {
        guard groups.count == 8 else { return nil }
        family = .inet6
        bytes = groups.flatMap { [UInt8(truncatingIfNeeded: $0 >> 8), UInt8(truncatingIfNeeded: $0)] }
    }

    /// The eight 16-bit groups of an IPv6 address; nil for IPv4.
    public var ipv6Groups: [UInt16]? {
        guard family == .inet6 else { return nil }
        return (0..<8).map { UInt16(bytes[2 * $0]) << 8 | UInt16(bytes[2 * $0 + 1]) }
    }

    /// The 32-bit value of an IPv4 address; nil for IPv6.
    public var ipv4Value: UInt32? {
        guard family == .inet else { return nil }
        return bytes.reduce(0) { $0 << 8 | UInt32($1) }
    }

    /// The IPv4 address inside an IPv4-mapped IPv6 address
    /// (`::ffff:0:0/96`, RFC 4291 Section 2.5.5.2); nil for anything else.
    public var unmappedIPv4: IPAddress? {
        guard family == .inet6, bytes[0..<10].allSatisfy({ $0 == 0 }),
            bytes[10] == 0xff, bytes[11] == 0xff
        else { return nil }
        return IPAddress(ipv4: bytes[12], bytes[13], bytes[14], bytes[15])
    }

    /// IPv4 addresses in their IPv4-mapped IPv6 form, IPv6 addresses as they
    /// are; RFC 6724 Section 2.1 looks IPv4 up in its policy table this way.
    public var ipv4Mapped: IPAddress {
        guard family == .inet else { return self }
        return IPAddress(
            trustedFamily: .inet6, bytes: Array(repeating: 0, count: 10) + [0xff, 0xff] + bytes)
    }

    /// The bytes in one call rather than one per byte, as the synthesized hash did: prefix
    /// tables hash an address once per prefix length they hold.
    public func hash(into hasher: inout Hasher) {
        hasher.combine(family)
        bytes.withUnsafeBytes { hasher.combine(bytes: $0) }
    }

    /// For callers that already guarantee the byte count.
    init(trustedFamily family: Family, bytes: [UInt8]) {
        precondition(bytes.count == family.byteCount, "wrong byte count for \(family)")
        self.family = family
        self.bytes = bytes
    }
}
