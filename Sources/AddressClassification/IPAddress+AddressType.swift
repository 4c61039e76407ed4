extension IPAddress {
    /// The address's one type, from the longest matching `AddressTypeRule`.
    public var addressType: AddressType { addressTypeRule.type }

    /// The architecture-table row that gives the type, with its RFC.
    public var addressTypeRule: AddressTypeRule {
        guard let rule = AddressTypeRule.table.longestMatch(for: self) else {
            preconditionFailure("the address type table lost its /0 row for \(family)")
        }
        return rule
    }

    /// Whether an IPv6 address is inside 2000::/3, the only block IANA
    /// allocates global unicast space from (IANA IPv6 Address Space registry,
    /// RFC 3587); nil for IPv4. RFC 4291 still calls the rest global unicast.
    public var isInIANAGlobalUnicastBlock: Bool? {
        guard family == .inet6 else { return nil }
        return bytes[0] & 0xe0 == 0x20
    }
}
