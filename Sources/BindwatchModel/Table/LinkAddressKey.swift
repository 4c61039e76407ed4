/// `AddressKey` within one link, packed into 24 bytes: the table's per-link hash tables hold
/// one per address, so the ifindex (the link's) is not repeated.
package struct LinkAddressKey: Sendable, Hashable {
    package let local: IPAddress
    /// IPv4 only; 0 for IPv6.
    let prefixLength: UInt8
    /// IPv4 only: IFA_ADDRESS as a host-order integer; 0 for IPv6.
    let remoteIPv4: UInt32

    package init(_ message: AddressMessage) {
        local = message.local
        if message.family == .inet {
            prefixLength = message.prefixLength
            remoteIPv4 = message.address.ipv4Value ?? 0
        } else {
            prefixLength = 0
            remoteIPv4 = 0
        }
    }

    package func addressKey(ifindex: Int32) -> AddressKey {
        AddressKey(
            ifindex: ifindex, local: local, prefixLength: prefixLength,
            remote: local.family == .inet
                ? IPAddress(family: .inet, high: UInt64(remoteIPv4) << 32, low: 0) : nil)
    }
}
