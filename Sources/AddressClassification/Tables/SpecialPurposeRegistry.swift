/// The IANA IPv4 and IPv6 Special-Purpose Address Registries, every row, as
/// they stand with the 2025-04 "Dummy IPv6 Prefix" row (RFC 9780) as the
/// newest. Flags: Source, Destination, Forwardable, Globally Reachable,
/// Reserved-by-Protocol; T = True, F = False, N = N/A, - = empty cell.
///
/// https://www.iana.org/assignments/iana-ipv4-special-registry/
/// https://www.iana.org/assignments/iana-ipv6-special-registry/
public enum SpecialPurposeRegistry {
    public static let ipv4Rows: [SpecialPurpose] = [
        SpecialPurpose("0.0.0.0/8", "\"This network\"", "RFC 791, Section 3.2", "TFFFT"),
        SpecialPurpose(
            "0.0.0.0/32", "\"This host on this network\"", "RFC 1122, Section 3.2.1.3", "TFFFT"),
        SpecialPurpose("10.0.0.0/8", "Private-Use", "RFC 1918", "TTTFF"),
        SpecialPurpose("100.64.0.0/10", "Shared Address Space", "RFC 6598", "TTTFF"),
        // The registry footnotes these False flags: RFC 5884 and RFC 8029 have
        // been granted exceptions.
        SpecialPurpose("127.0.0.0/8", "Loopback", "RFC 1122, Section 3.2.1.3", "FFFFT"),
        SpecialPurpose("169.254.0.0/16", "Link Local", "RFC 3927", "TTFFT"),
        SpecialPurpose("172.16.0.0/12", "Private-Use", "RFC 1918", "TTTFF"),
        // Footnoted "Not usable unless by virtue of a more specific reservation";
        // the more specific rows below win where they exist.
        SpecialPurpose("192.0.0.0/24", "IETF Protocol Assignments", "RFC 6890, Section 2.1", "FFFFF"),
        SpecialPurpose("192.0.0.0/29", "IPv4 Service Continuity Prefix", "RFC 7335", "TTTFF"),
        SpecialPurpose("192.0.0.8/32", "IPv4 dummy address", "RFC 7600", "TFFFF"),
        SpecialPurpose("192.0.0.9/32", "Port Control Protocol Anycast", "RFC 7723", "TTTTF"),
        SpecialPurpose(
            "192.0.0.10/32", "Traversal Using Relays around NAT Anycast", "RFC 8155", "TTTTF"),
        // The registry has one row, "192.0.0.170/32, 192.0.0.171/32"; it is split
        // here so each prefix string is a single block.
        SpecialPurpose(
            "192.0.0.170/32", "NAT64/DNS64 Discovery", "RFC 8880; RFC 7050, Section 2.2", "FFFFT"),
        SpecialPurpose(
            "192.0.0.171/32", "NAT64/DNS64 Discovery", "RFC 8880; RFC 7050, Section 2.2", "FFFFT"),
        SpecialPurpose("192.0.2.0/24", "Documentation (TEST-NET-1)", "RFC 5737", "FFFFF"),
        SpecialPurpose("192.31.196.0/24", "AS112-v4", "RFC 7535", "TTTTF"),
        SpecialPurpose("192.52.193.0/24", "AMT", "RFC 7450", "TTTTF"),
        // RFC 7526 Section 7: the Boolean values for this block "have been
        // removed", so every flag cell is empty.
        SpecialPurpose(
            "192.88.99.0/24", "Deprecated (6to4 Relay Anycast)", "RFC 7526", "-----",
            terminated: "2015-03"),
        SpecialPurpose("192.88.99.2/32", "6a44-relay anycast address", "RFC 6751", "TTTFF"),
        SpecialPurpose("192.168.0.0/16", "Private-Use", "RFC 1918", "TTTFF"),
        SpecialPurpose("192.175.48.0/24", "Direct Delegation AS112 Service", "RFC 7534", "TTTTF"),
        SpecialPurpose("198.18.0.0/15", "Benchmarking", "RFC 2544", "TTTFF"),
        SpecialPurpose("198.51.100.0/24", "Documentation (TEST-NET-2)", "RFC 5737", "FFFFF"),
        SpecialPurpose("203.0.113.0/24", "Documentation (TEST-NET-3)", "RFC 5737", "FFFFF"),
        SpecialPurpose("240.0.0.0/4", "Reserved", "RFC 1112, Section 4", "FFFFT"),
        SpecialPurpose(
            "255.255.255.255/32", "Limited Broadcast", "RFC 8190; RFC 919, Section 7", "FTFFT"),
    ]

    public static let ipv6Rows: [SpecialPurpose] = [
        SpecialPurpose("::1/128", "Loopback Address", "RFC 4291", "FFFFT"),
        SpecialPurpose("::/128", "Unspecified Address", "RFC 4291", "TFFFT"),
        SpecialPurpose("::ffff:0:0/96", "IPv4-mapped Address", "RFC 4291", "FFFFT"),
        SpecialPurpose("64:ff9b::/96", "IPv4-IPv6 Translat.", "RFC 6052", "TTTTF"),
        SpecialPurpose("64:ff9b:1::/48", "IPv4-IPv6 Translat.", "RFC 8215", "TTTFF"),
        SpecialPurpose("100::/64", "Discard-Only Address Block", "RFC 6666", "TTTFF"),
        SpecialPurpose("100:0:0:1::/64", "Dummy IPv6 Prefix", "RFC 9780", "TFFFF"),
        // Footnoted "Unless allowed by a more specific allocation".
        SpecialPurpose("2001::/23", "IETF Protocol Assignments", "RFC 2928", "FFFFF"),
        SpecialPurpose("2001::/32", "TEREDO", "RFC 4380; RFC 8190", "TTTNF"),
        SpecialPurpose("2001:1::1/128", "Port Control Protocol Anycast", "RFC 7723", "TTTTF"),
        SpecialPurpose(
            "2001:1::2/128", "Traversal Using Relays around NAT Anycast", "RFC 8155", "TTTTF"),
        SpecialPurpose(
            "2001:1::3/128", "DNS-SD Service Registration Protocol Anycast", "RFC 9665", "TTTTF"),
        SpecialPurpose("2001:2::/48", "Benchmarking", "RFC 5180; RFC Errata 1752", "TTTFF"),
        SpecialPurpose("2001:3::/32", "AMT", "RFC 7450", "TTTTF"),
        SpecialPurpose("2001:4:112::/48", "AS112-v6", "RFC 7535", "TTTTF"),
        // Terminated 2014-03 (RFC 7343 replaced it); its flag cells are empty.
        SpecialPurpose(
            "2001:10::/28", "Deprecated (previously ORCHID)", "RFC 4843", "-----",
            terminated: "2014-03"),
        SpecialPurpose("2001:20::/28", "ORCHIDv2", "RFC 7343", "TTTTF"),
        SpecialPurpose(
            "2001:30::/28", "Drone Remote ID Protocol Entity Tags (DETs) Prefix", "RFC 9374", "TTTTF"),
        SpecialPurpose("2001:db8::/32", "Documentation", "RFC 3849", "FFFFF"),
        // Globally Reachable is N/A: reachability depends on the relays in use.
        SpecialPurpose("2002::/16", "6to4", "RFC 3056", "TTTNF"),
        SpecialPurpose("2620:4f:8000::/48", "Direct Delegation AS112 Service", "RFC 7534", "TTTTF"),
        SpecialPurpose("3fff::/20", "Documentation", "RFC 9637", "FFFFF"),
        SpecialPurpose("5f00::/16", "Segment Routing (SRv6) SIDs", "RFC 9602", "TTTFF"),
        // Footnoted: drawn from global unicast space but specified as not
        // globally routed.
        SpecialPurpose("fc00::/7", "Unique-Local", "RFC 4193; RFC 8190", "TTTFF"),
        SpecialPurpose("fe80::/10", "Link-Local Unicast", "RFC 4291", "TTFFT"),
    ]

    /// Both registries, indexed for longest-prefix match.
    public static let table = PrefixTable<SpecialPurpose>(ipv4Rows + ipv6Rows)

    /// The most specific registry row containing `address`, if any.
    public static func mostSpecificRow(containing address: IPAddress) -> SpecialPurpose? {
        table.longestMatch(for: address)
    }
}
