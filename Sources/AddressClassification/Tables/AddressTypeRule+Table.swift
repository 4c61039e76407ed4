extension AddressTypeRule {
    /// The address architecture of both families as longest-match rows. Each
    /// family has a /0 row, so every address gets exactly one type.
    public static let table = PrefixTable<AddressTypeRule>([
        // IPv6, RFC 4291 Section 2.4: whatever no other row claims is global
        // unicast, including space IANA has not allocated (see ianaGlobalUnicast).
        AddressTypeRule("::/0", .globalUnicast, "RFC 4291, Section 2.4"),
        AddressTypeRule("::/128", .unspecified, "RFC 4291, Section 2.5.2"),
        AddressTypeRule("::1/128", .loopback, "RFC 4291, Section 2.5.3"),
        AddressTypeRule("::/96", .ipv4Compatible, "RFC 4291, Section 2.5.5.1"),
        AddressTypeRule("::ffff:0:0/96", .ipv4Mapped, "RFC 4291, Section 2.5.5.2"),
        AddressTypeRule("fc00::/7", .uniqueLocal, "RFC 4193"),
        AddressTypeRule("fe80::/10", .linkLocal, "RFC 4291, Section 2.5.6"),
        AddressTypeRule("fec0::/10", .siteLocal, "RFC 4291, Section 2.5.7; RFC 3879"),
        AddressTypeRule("ff00::/8", .multicast, "RFC 4291, Section 2.7"),

        // IPv4. Blocks that are special only by purpose (documentation,
        // benchmarking, 192.0.0.0/24, ...) stay global unicast here; their
        // registry row carries the restriction.
        AddressTypeRule("0.0.0.0/0", .globalUnicast, "RFC 791"),
        AddressTypeRule("0.0.0.0/8", .reserved, "RFC 791, Section 3.2"),
        AddressTypeRule("0.0.0.0/32", .unspecified, "RFC 1122, Section 3.2.1.3"),
        AddressTypeRule("10.0.0.0/8", .private, "RFC 1918"),
        AddressTypeRule("100.64.0.0/10", .shared, "RFC 6598"),
        AddressTypeRule("127.0.0.0/8", .loopback, "RFC 1122, Section 3.2.1.3"),
        AddressTypeRule("169.254.0.0/16", .linkLocal, "RFC 3927"),
        AddressTypeRule("172.16.0.0/12", .private, "RFC 1918"),
        AddressTypeRule("192.168.0.0/16", .private, "RFC 1918"),
        AddressTypeRule("224.0.0.0/4", .multicast, "RFC 5771"),
        AddressTypeRule("240.0.0.0/4", .reserved, "RFC 1112, Section 4"),
        AddressTypeRule("255.255.255.255/32", .broadcast, "RFC 919, Section 7"),
    ])
}
