/// An address's identity, as the kernel's: IPv6 is ifindex + address; IPv4 is ifindex +
/// address + prefix length + IFA_ADDRESS (the peer on point-to-point links).
public struct AddressKey: Sendable, Hashable {
    public let ifindex: Int32
    public let local: IPAddress
    /// IPv4 only; 0 for IPv6.
    public let prefixLength: UInt8
    /// IPv4 only: IFA_ADDRESS, which equals `local` unless a peer is set.
    public let remote: IPAddress?

    init(_ message: AddressMessage) {
        ifindex = message.ifindex
        local = message.local
        if message.family == .inet {
            prefixLength = message.prefixLength
            remote = message.address
        } else {
            prefixLength = 0
            remote = nil
        }
    }

    /// Stable for the address's life: `3/2001:db8::1`, `2/192.0.2.1/24`,
    /// `4/10.9.9.1/32/peer/10.9.9.2`.
    public var id: String {
        var id = "\(ifindex)/\(local)"
        if local.family == .inet {
            id += "/\(prefixLength)"
            if let remote, remote != local { id += "/peer/\(remote)" }
        }
        return id
    }
}
