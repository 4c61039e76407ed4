extension AddressSelectionPolicy {
    /// RFC 6724 Section 2.1, the default policy table, verbatim.
    public static let defaultTable = PrefixTable<AddressSelectionPolicy>([
        AddressSelectionPolicy("::1/128", precedence: 50, label: 0),
        AddressSelectionPolicy("::/0", precedence: 40, label: 1),
        AddressSelectionPolicy("::ffff:0:0/96", precedence: 35, label: 4),
        AddressSelectionPolicy("2002::/16", precedence: 30, label: 2),
        AddressSelectionPolicy("2001::/32", precedence: 5, label: 5),
        AddressSelectionPolicy("fc00::/7", precedence: 3, label: 13),
        AddressSelectionPolicy("::/96", precedence: 1, label: 3),
        AddressSelectionPolicy("fec0::/10", precedence: 1, label: 11),
        AddressSelectionPolicy("3ffe::/16", precedence: 1, label: 12),
    ])
}
