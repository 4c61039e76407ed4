import Glibc

/// An IPv4 or IPv6 address stored inline (no heap allocation), as 16 bytes in network order.
/// IPv4 uses the first four bytes.
public struct IPAddress: Sendable, Hashable, Comparable {
    public let family: AddressFamily
    // Two words rather than an array: tables hold 100,000 of these.
    let high: UInt64
    let low: UInt64

    /// Builds an address from raw network-order bytes; `bytes.count` must match the family.
    public init?(family: AddressFamily, bytes: some Collection<UInt8>) {
        guard bytes.count == family.addressLength else { return nil }
        var high: UInt64 = 0
        var low: UInt64 = 0
        for (index, byte) in bytes.enumerated() {
            if index < 8 {
                high |= UInt64(byte) << (56 - 8 * index)
            } else {
                low |= UInt64(byte) << (56 - 8 * (index - 8))
            }
        }
        self.family = family
        self.high = high
        self.low = low
    }

    /// Parses `inet_pton` text (no zone).
    public init?(_ text: String) {
        // inet_pton reads a C string, which would end at a NUL: "127.0.0.1\u0000junk" (JSON
        // allows it) would parse as 127.0.0.1. Found by fuzzing Wait against Classify.
        guard !text.utf8.contains(0) else { return nil }
        var storage = (UInt64(0), UInt64(0))
        let family: AddressFamily
        if text.contains(":") {
            family = .inet6
        } else {
            family = .inet
        }
        let parsed = withUnsafeMutableBytes(of: &storage) { buffer in
            inet_pton(Int32(family.rawValue), text, buffer.baseAddress)
        }
        guard parsed == 1 else { return nil }
        let bytes = withUnsafeBytes(of: storage) { Array($0.prefix(family.addressLength)) }
        self.init(family: family, bytes: bytes)
    }

    /// The address in network order: 4 or 16 bytes.
    public var bytes: [UInt8] {
        (0..<family.addressLength).map { byte(at: $0) }
    }

    public func byte(at index: Int) -> UInt8 {
        index < 8
            ? UInt8(truncatingIfNeeded: high >> (56 - 8 * index))
            : UInt8(truncatingIfNeeded: low >> (56 - 8 * (index - 8)))
    }

    public var isLoopback: Bool {
        switch family {
        case .inet: (high >> 56) == 127
        case .inet6: high == 0 && low == 1
        }
    }

    public static func < (lhs: IPAddress, rhs: IPAddress) -> Bool {
        (lhs.family, lhs.high, lhs.low) < (rhs.family, rhs.high, rhs.low)
    }
}

extension IPAddress: CustomStringConvertible {
    /// Canonical text: RFC 5952 for IPv6 (glibc's inet_ntop: lowercase, the longest run of
    /// two or more zero groups compressed, the first on a tie), dotted quad for IPv4.
    public var description: String {
        var raw = bytes
        var text = [CChar](repeating: 0, count: Int(INET6_ADDRSTRLEN))
        let result = raw.withUnsafeMutableBytes { source in
            inet_ntop(Int32(family.rawValue), source.baseAddress, &text, socklen_t(text.count))
        }
        guard result != nil else { return "invalid" }
        return String(decoding: text.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }
}
