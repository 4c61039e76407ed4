/// An IPv4 or IPv6 address, stored inline: two 64-bit words holding its bytes in network
/// order (IPv4 in the first four), and the family. No heap allocation: the daemon's tables
/// hold 100,000 of these.
///
/// It carries no zone index: a zone belongs to one use of an address (RFC 4007, Section 11),
/// so `ZonedIPAddress` adds it when needed. One parser (`init(_:)`, exactly what inet_pton
/// accepts) and one writer (`description`, exactly what inet_ntop writes) serve the whole
/// project.
public struct IPAddress: Hashable, Sendable {
    public typealias Family = AddressFamily

    // The family comes last so that the value is 17 bytes and a key can put its small fields
    // in the padding after it.
    package let high: UInt64
    package let low: UInt64
    public let family: Family

    package init(family: Family, high: UInt64, low: UInt64) {
        self.high = high
        self.low = low
        self.family = family
    }

    /// Fails unless `bytes` has exactly the family's length.
    public init?(family: Family, bytes: some Collection<UInt8>) {
        guard bytes.count == family.byteCount else { return nil }
        self.init(trustedFamily: family, bytes: bytes)
    }

    /// For callers that already guarantee the byte count.
    init(trustedFamily family: Family, bytes: some Collection<UInt8>) {
        precondition(bytes.count == family.byteCount, "wrong byte count for \(family)")
        var high: UInt64 = 0
        var low: UInt64 = 0
        for (index, byte) in bytes.enumerated() {
            if index < 8 {
                high |= UInt64(byte) << (56 - 8 * index)
            } else {
                low |= UInt64(byte) << (56 - 8 * (index - 8))
            }
        }
        self.init(family: family, high: high, low: low)
    }

    /// An IPv4 address from its 32-bit value (host integer, not network order).
    public init(ipv4 value: UInt32) {
        self.init(family: .inet, high: UInt64(value) << 32, low: 0)
    }

    /// An IPv4 address from its four octets, written as in `a.b.c.d`.
    public init(ipv4 a: UInt8, _ b: UInt8, _ c: UInt8, _ d: UInt8) {
        self.init(ipv4: UInt32(a) << 24 | UInt32(b) << 16 | UInt32(c) << 8 | UInt32(d))
    }

    /// An IPv6 address from its eight 16-bit groups; fails for any other count.
    public init?(ipv6Groups groups: [UInt16]) {
        guard groups.count == 8 else { return nil }
        var high: UInt64 = 0
        var low: UInt64 = 0
        for (index, group) in groups.enumerated() {
            if index < 4 {
                high |= UInt64(group) << (48 - 16 * index)
            } else {
                low |= UInt64(group) << (48 - 16 * (index - 4))
            }
        }
        self.init(family: .inet6, high: high, low: low)
    }

    /// 4 bytes for `.inet`, 16 for `.inet6`, most significant first.
    public var bytes: [UInt8] {
        (0..<family.byteCount).map { byte(at: $0) }
    }

    /// Byte `index` in network order.
    public func byte(at index: Int) -> UInt8 {
        index < 8
            ? UInt8(truncatingIfNeeded: high >> (56 - 8 * index))
            : UInt8(truncatingIfNeeded: low >> (56 - 8 * (index - 8)))
    }

    /// The 16-bit group `index` (0–7) of an IPv6 address.
    public func group(_ index: Int) -> UInt16 {
        index < 4
            ? UInt16(truncatingIfNeeded: high >> (48 - 16 * index))
            : UInt16(truncatingIfNeeded: low >> (48 - 16 * (index - 4)))
    }

    /// The eight 16-bit groups of an IPv6 address; nil for IPv4.
    public var ipv6Groups: [UInt16]? {
        guard family == .inet6 else { return nil }
        return (0..<8).map(group)
    }

    /// The 32-bit value of an IPv4 address; nil for IPv6.
    public var ipv4Value: UInt32? {
        guard family == .inet else { return nil }
        return UInt32(truncatingIfNeeded: high >> 32)
    }

    /// The IPv4 address inside an IPv4-mapped IPv6 address
    /// (`::ffff:0:0/96`, RFC 4291 Section 2.5.5.2); nil for anything else.
    public var unmappedIPv4: IPAddress? {
        guard family == .inet6, high == 0, low >> 32 == 0xffff else { return nil }
        return IPAddress(ipv4: UInt32(truncatingIfNeeded: low))
    }

    /// IPv4 addresses in their IPv4-mapped IPv6 form, IPv6 addresses as they
    /// are; RFC 6724 Section 2.1 looks IPv4 up in its policy table this way.
    public var ipv4Mapped: IPAddress {
        guard family == .inet else { return self }
        return IPAddress(family: .inet6, high: 0, low: 0xffff << 32 | high >> 32)
    }

    /// 127.0.0.0/8 or ::1.
    public var isLoopback: Bool {
        switch family {
        case .inet: (high >> 56) == 127
        case .inet6: high == 0 && low == 1
        }
    }
}
