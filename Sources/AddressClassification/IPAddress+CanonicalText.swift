// RFC 5952 Section 4 canonical IPv6 text: lowercase hex without leading
// zeros, the longest run of two or more zero groups shortened to "::" (the
// first such run on a tie), and IPv4-mapped addresses in mixed notation as
// Section 5 recommends. IPv4 is plain dotted decimal.

extension IPAddress: CustomStringConvertible {
    public var description: String {
        if family == .inet { return Self.dottedQuad(bytes[...]) }
        if unmappedIPv4 != nil { return "::ffff:" + Self.dottedQuad(bytes[12...]) }

        let groups = ipv6Groups ?? []
        let run = Self.longestZeroRun(groups)
        guard let run else { return groups.map(Self.hex).joined(separator: ":") }
        let head = groups[..<run.lowerBound].map(Self.hex).joined(separator: ":")
        let tail = groups[run.upperBound...].map(Self.hex).joined(separator: ":")
        return head + "::" + tail
    }

    /// The first longest run of at least two zero groups, if any.
    static func longestZeroRun(_ groups: [UInt16]) -> Range<Int>? {
        var best: Range<Int>?
        var start: Int?
        for index in 0...groups.count {
            let isZero = index < groups.count && groups[index] == 0
            if isZero {
                if start == nil { start = index }
            } else if let runStart = start {
                // Strictly longer, so the first run wins a tie.
                if index - runStart >= 2 && index - runStart > (best?.count ?? 0) {
                    best = runStart..<index
                }
                start = nil
            }
        }
        return best
    }

    private static func hex(_ group: UInt16) -> String { String(group, radix: 16) }

    private static func dottedQuad(_ octets: ArraySlice<UInt8>) -> String {
        octets.map(String.init).joined(separator: ".")
    }
}
