import AddressClassification

extension IPAddress {
    /// The same address as the classifier's type. The table keeps its own inline type: the
    /// classifier's holds an array, one heap allocation per address.
    public var classifierAddress: AddressClassification.IPAddress {
        AddressClassification.IPAddress(family: family == .inet ? .inet : .inet6, bytes: bytes)!
    }

    /// The closed vocabulary of address types (`global-unicast`, `link-local`, …).
    public var addressType: AddressType { classifierAddress.addressType }

    /// RFC 6724 default-policy precedence (IPv4 looked up as ::ffff:0:0/96).
    public var precedence: Int { AddressSelectionPolicy.defaultPolicy(for: classifierAddress).precedence }
}
