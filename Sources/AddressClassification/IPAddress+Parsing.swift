// Parses exactly the forms glibc's inet_pton(3) accepts, so text the kernel
// tools print and accept round-trips: strict dotted quads (four decimal
// octets, no leading zeros) and RFC 4291 Section 2.2 IPv6 text, including
// one "::" and a trailing dotted quad. Zones are handled by ZonedIPAddress.

extension IPAddress {
    /// Parses IPv4 or IPv6 text without a zone; IPv6 if it contains a colon.
    public init(_ text: String) throws(InvalidAddress) {
        let characters = Array(text.utf8)
        do throws(AddressSyntaxError) {
            guard !characters.isEmpty else { throw AddressSyntaxError("empty address") }
            if characters.contains(ASCII.colon) {
                self.init(trustedFamily: .inet6, bytes: try Self.parseIPv6(characters[...]))
            } else {
                self.init(trustedFamily: .inet, bytes: try Self.parseIPv4(characters[...]))
            }
        } catch {
            throw InvalidAddress(text: text, reason: error.reason)
        }
    }

    /// Four decimal octets separated by dots. A leading zero is refused, as
    /// inet_pton does, because inet_aton would read "010" as octal 8.
    static func parseIPv4(_ text: ArraySlice<UInt8>) throws(AddressSyntaxError) -> [UInt8] {
        var octets: [UInt8] = []
        var value = 0
        var digitCount = 0
        for character in text {
            switch character {
            case ASCII.zero...ASCII.nine:
                if digitCount > 0 && value == 0 {
                    throw AddressSyntaxError("leading zero in IPv4 octet")
                }
                value = value * 10 + Int(character - ASCII.zero)
                digitCount += 1
                if value > 255 { throw AddressSyntaxError("IPv4 octet greater than 255") }
            case ASCII.dot:
                if digitCount == 0 { throw AddressSyntaxError("empty IPv4 octet") }
                if octets.count == 3 { throw AddressSyntaxError("more than four IPv4 octets") }
                octets.append(UInt8(value))
                value = 0
                digitCount = 0
            default:
                throw AddressSyntaxError("unexpected \(ASCII.describe(character)) in IPv4 address")
            }
        }
        if digitCount == 0 { throw AddressSyntaxError("empty IPv4 octet") }
        octets.append(UInt8(value))
        if octets.count != 4 {
            throw AddressSyntaxError("IPv4 address needs four octets, found \(octets.count)")
        }
        return octets
    }

    /// Hex groups separated by colons, at most one "::", optionally ending in
    /// a dotted quad that fills the last 32 bits.
    static func parseIPv6(_ text: ArraySlice<UInt8>) throws(AddressSyntaxError) -> [UInt8] {
        var gap: Int?
        var index = text.startIndex
        while index + 1 < text.endIndex {
            if text[index] == ASCII.colon && text[index + 1] == ASCII.colon {
                if gap != nil { throw AddressSyntaxError("more than one \"::\"") }
                gap = index
                index += 2
            } else {
                index += 1
            }
        }

        guard let gap else {
            let groups = try parseGroups(text, ipv4TailAllowed: true)
            if groups.count != 8 {
                throw AddressSyntaxError("IPv6 address needs eight groups or \"::\", found \(groups.count)")
            }
            return bytes(of: groups)
        }

        let head = try parseGroups(text[text.startIndex..<gap], ipv4TailAllowed: false)
        let tail = try parseGroups(text[(gap + 2)...], ipv4TailAllowed: true)
        // inet_pton refuses a "::" that would stand for no groups at all.
        if head.count + tail.count > 7 {
            throw AddressSyntaxError("\"::\" must stand for at least one zero group")
        }
        let zeros = Array(repeating: UInt16(0), count: 8 - head.count - tail.count)
        return bytes(of: head + zeros + tail)
    }

    private static func parseGroups(
        _ text: ArraySlice<UInt8>, ipv4TailAllowed: Bool
    ) throws(AddressSyntaxError) -> [UInt16] {
        guard !text.isEmpty else { return [] }
        let pieces = text.split(separator: ASCII.colon, omittingEmptySubsequences: false)
        var groups: [UInt16] = []
        for (position, piece) in pieces.enumerated() {
            if piece.contains(ASCII.dot) {
                guard ipv4TailAllowed && position == pieces.count - 1 else {
                    throw AddressSyntaxError("an embedded IPv4 address must come last")
                }
                let octets = try parseIPv4(piece)
                groups.append(UInt16(octets[0]) << 8 | UInt16(octets[1]))
                groups.append(UInt16(octets[2]) << 8 | UInt16(octets[3]))
                continue
            }
            if piece.isEmpty { throw AddressSyntaxError("empty group (a lone \":\")") }
            if piece.count > 4 { throw AddressSyntaxError("group longer than four hex digits") }
            var value: UInt16 = 0
            for character in piece {
                guard let digit = ASCII.hexValue(character) else {
                    throw AddressSyntaxError("unexpected \(ASCII.describe(character)) in IPv6 address")
                }
                value = value << 4 | UInt16(digit)
            }
            groups.append(value)
        }
        return groups
    }

    private static func bytes(of groups: [UInt16]) -> [UInt8] {
        groups.flatMap { [UInt8(truncatingIfNeeded: $0 >> 8), UInt8(truncatingIfNeeded: $0)] }
    }
}

/// Why a piece of text failed to parse; becomes `InvalidAddress.reason`.
struct AddressSyntaxError: Error {
    let reason: String

    init(_ reason: String) { self.reason = reason }
}

/// The ASCII bytes the parsers look for.
enum ASCII {
    static let zero = UInt8(ascii: "0")
    static let nine = UInt8(ascii: "9")
    static let dot = UInt8(ascii: ".")
    static let colon = UInt8(ascii: ":")
    static let percent = UInt8(ascii: "%")
    static let slash = UInt8(ascii: "/")

    static func hexValue(_ character: UInt8) -> UInt8? {
        switch character {
        case zero...nine: character - zero
        case UInt8(ascii: "a")...UInt8(ascii: "f"): character - UInt8(ascii: "a") + 10
        case UInt8(ascii: "A")...UInt8(ascii: "F"): character - UInt8(ascii: "A") + 10
        default: nil
        }
    }

    /// Quotes printable characters and shows others as hex, for error reasons.
    static func describe(_ character: UInt8) -> String {
        if character >= 0x21 && character < 0x7f {
            return "'\(Character(Unicode.Scalar(character)))'"
        }
        let hex = String(character, radix: 16, uppercase: true)
        return "byte 0x\(hex.count == 1 ? "0" + hex : hex)"
    }
}
