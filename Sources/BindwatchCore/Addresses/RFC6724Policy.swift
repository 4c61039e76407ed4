/// RFC 6724 section 2.1's default policy table. IPv4 is looked up as ::ffff:0:0/96.
enum RFC6724Policy {
    /// (prefix high word, low word, length, precedence, label), most specific first.
    private static let table: [(high: UInt64, low: UInt64, length: Int, precedence: Int, label: Int)] = [
        (0, 1, 128, 50, 0),  // ::1/128
        (0, 0x0000_FFFF_0000_0000, 96, 35, 4),  // ::ffff:0:0/96
        (0, 0, 96, 1, 3),  // ::/96
        (0x2001_0000_0000_0000, 0, 32, 5, 5),  // 2001::/32
        (0x2002_0000_0000_0000, 0, 16, 30, 2),  // 2002::/16
        (0x3FFE_0000_0000_0000, 0, 16, 1, 12),  // 3ffe::/16
        (0xFEC0_0000_0000_0000, 0, 10, 1, 11),  // fec0::/10
        (0xFC00_0000_0000_0000, 0, 7, 3, 13),  // fc00::/7
        (0, 0, 0, 40, 1),  // ::/0
    ]

    static func precedence(of address: IPAddress) -> Int { entry(for: address).precedence }
    static func label(of address: IPAddress) -> Int { entry(for: address).label }

    private static func entry(for address: IPAddress) -> (precedence: Int, label: Int) {
        let (high, low) =
            address.family == .inet
            ? (UInt64(0), 0x0000_FFFF_0000_0000 | (address.high >> 32))
            : (address.high, address.low)
        for row in table where matches(high, low, row.high, row.low, row.length) {
            return (row.precedence, row.label)
        }
        return (40, 1)
    }

    private static func matches(_ high: UInt64, _ low: UInt64, _ prefixHigh: UInt64, _ prefixLow: UInt64, _ length: Int)
        -> Bool
    {
        func mask(_ bits: Int) -> UInt64 { bits <= 0 ? 0 : bits >= 64 ? .max : ~(UInt64.max >> bits) }
        return high & mask(length) == prefixHigh && low & mask(length - 64) == prefixLow
    }
}
