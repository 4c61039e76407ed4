// The one text writer of addresses, for every reply, event and log line.

extension IPAddress: CustomStringConvertible {
    /// Canonical text, exactly as glibc's inet_ntop (and so `ip addr`) writes it: dotted quad
    /// for IPv4; for IPv6 lowercase hex without leading zeros, the longest run of two or more
    /// zero groups compressed (the first on a tie), as RFC 5952 Section 4 asks, and
    /// `::ffff:a.b.c.d` / `::a.b.c.d` for IPv4-mapped and IPv4-compatible addresses: mixed
    /// notation for the well-known prefixes of RFC 4291, as its Section 5 recommends.
    public var description: String {
        var text: [UInt8] = []
        text.reserveCapacity(46)
        writeText(into: &text)
        return String(decoding: text, as: UTF8.self)
    }

    /// Appends the text of `description` without making a String: every event and every `List`
    /// entry writes one or two addresses.
    public func writeText(into output: inout [UInt8]) {
        guard family == .inet6 else {
            Self.writeDottedQuad(UInt32(truncatingIfNeeded: high >> 32), into: &output)
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

    // No arrays of shifts or digits: these run for every address of every event.
    private static func writeDottedQuad(_ value: UInt32, into output: inout [UInt8]) {
        writeDecimal(UInt8(truncatingIfNeeded: value >> 24), into: &output)
        output.append(UInt8(ascii: "."))
        writeDecimal(UInt8(truncatingIfNeeded: value >> 16), into: &output)
        output.append(UInt8(ascii: "."))
        writeDecimal(UInt8(truncatingIfNeeded: value >> 8), into: &output)
        output.append(UInt8(ascii: "."))
        writeDecimal(UInt8(truncatingIfNeeded: value), into: &output)
    }

    private static func writeDecimal(_ value: UInt8, into output: inout [UInt8]) {
        if value >= 100 { output.append(UInt8(ascii: "0") + value / 100) }
        if value >= 10 { output.append(UInt8(ascii: "0") + (value / 10) % 10) }
        output.append(UInt8(ascii: "0") + value % 10)
    }

    /// Lowercase, without leading zeros.
    private static func writeHex(_ value: UInt16, into output: inout [UInt8]) {
        var shift: UInt16 = value >= 0x1000 ? 12 : value >= 0x100 ? 8 : value >= 0x10 ? 4 : 0
        while true {
            let digit = UInt8(truncatingIfNeeded: (value >> shift) & 0xf)
            output.append(digit < 10 ? UInt8(ascii: "0") + digit : UInt8(ascii: "a") - 10 + digit)
            if shift == 0 { return }
            shift -= 4
        }
    }
}
