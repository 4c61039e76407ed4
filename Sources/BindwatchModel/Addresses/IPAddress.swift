import Glibc

/// An IPv4 or IPv6 address stored inline (no heap allocation), as 16 bytes in network order.
/// IPv4 uses the first four bytes.
public struct IPAddress: Sendable, Hashable, Comparable {
    // Two words rather than an array: tables hold 100,000 of these. The family comes last so
    // that the value is 17 bytes and a key can put its small fields in the padding after it.
    let high: UInt64
    let low: UInt64
    public let family: AddressFamily

    package init(family: AddressFamily, high: UInt64, low: UInt64) {
        self.high = high
        self.low = low
        self.family = family
    }

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
        self.init(family: family, high: high, low: low)
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

    /// The 16-bit group `index` (0–7) of an IPv6 address.
    func group(_ index: Int) -> UInt16 {
        index < 4
            ? UInt16(truncatingIfNeeded: high >> (48 - 16 * index))
            : UInt16(truncatingIfNeeded: low >> (48 - 16 * (index - 4)))
    }

    /// An IPv4 address as a host-order integer.
    package var ipv4Value: UInt32 { UInt32(truncatingIfNeeded: high >> 32) }

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
    /// Canonical text, exactly as glibc's inet_ntop writes it: dotted quad for IPv4; for IPv6
    /// lowercase hex, the longest run of two or more zero groups compressed (the first on a
    /// tie), and `::a.b.c.d` / `::ffff:a.b.c.d` for IPv4-compatible and -mapped addresses.
    public var description: String {
        var text: [UInt8] = []
        text.reserveCapacity(Int(INET6_ADDRSTRLEN))
        writeText(into: &text)
        return String(decoding: text, as: UTF8.self)
    }

    /// Appends the text of `description` without making a String: every event and every `List`
    /// entry writes one or two addresses.
    package func writeText(into output: inout [UInt8]) {
        guard family == .inet6 else {
            Self.writeDottedQuad(ipv4Value, into: &output)
            return
        }
        // The longest run of zero groups, as glibc finds it.
        var bestStart = -1
        var bestLength = 0
        var runStart = -1
        var runLength = 0
        for index in 0..<8 {
            if group(index) == 0 {
                if runStart < 0 { (runStart, runLength) = (index, 0) }
                runLength += 1
            } else if runStart >= 0 {
                if bestStart < 0 || runLength > bestLength { (bestStart, bestLength) = (runStart, runLength) }
                runStart = -1
            }
        }
        if runStart >= 0 && (bestStart < 0 || runLength > bestLength) {
            (bestStart, bestLength) = (runStart, runLength)
        }
        if bestStart >= 0 && bestLength < 2 { bestStart = -1 }

        for index in 0..<8 {
            if bestStart >= 0 && index >= bestStart && index < bestStart + bestLength {
                if index == bestStart { output.append(UInt8(ascii: ":")) }
                continue
            }
            if index != 0 { output.append(UInt8(ascii: ":")) }
            if index == 6 && bestStart == 0 && (bestLength == 6 || (bestLength == 5 && group(5) == 0xffff)) {
                Self.writeDottedQuad(UInt32(truncatingIfNeeded: low), into: &output)
                return
            }
            Self.writeHex(group(index), into: &output)
        }
        if bestStart >= 0 && bestStart + bestLength == 8 { output.append(UInt8(ascii: ":")) }
    }

    private static func writeDottedQuad(_ value: UInt32, into output: inout [UInt8]) {
        for shift in [24, 16, 8, 0] as [UInt32] {
            if shift != 24 { output.append(UInt8(ascii: ".")) }
            writeDecimal(UInt8(truncatingIfNeeded: value >> shift), into: &output)
        }
    }

    private static func writeDecimal(_ value: UInt8, into output: inout [UInt8]) {
        if value >= 100 { output.append(UInt8(ascii: "0") + value / 100) }
        if value >= 10 { output.append(UInt8(ascii: "0") + (value / 10) % 10) }
        output.append(UInt8(ascii: "0") + value % 10)
    }

    private static let hexDigits = Array("0123456789abcdef".utf8)

    private static func writeHex(_ value: UInt16, into output: inout [UInt8]) {
        var started = false
        for shift in [12, 8, 4, 0] as [UInt16] {
            let digit = Int((value >> shift) & 0xf)
            if digit != 0 || started || shift == 0 {
                output.append(hexDigits[digit])
                started = true
            }
        }
    }
}
