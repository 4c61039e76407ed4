/// An address's identity, as the kernel's: IPv6 is ifindex + address; IPv4 is ifindex +
/// address + prefix length + IFA_ADDRESS (the peer on point-to-point links).
public struct AddressKey: Sendable, Hashable {
    public let ifindex: Int32
    public let local: IPAddress
    /// IPv4 only; 0 for IPv6.
    public let prefixLength: UInt8
    /// IPv4 only: IFA_ADDRESS, which equals `local` unless a peer is set.
    public let remote: IPAddress?

    package init(ifindex: Int32, local: IPAddress, prefixLength: UInt8, remote: IPAddress?) {
        self.ifindex = ifindex
        self.local = local
        self.prefixLength = prefixLength
        self.remote = remote
    }

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
        var text: [UInt8] = []
        text.reserveCapacity(64)
        writeID(into: &text)
        return String(decoding: text, as: UTF8.self)
    }

    /// Appends `id` without making a String.
    package func writeID(into output: inout [UInt8]) {
        var localText = 0..<0
        writeID(into: &output, localText: &localText)
    }

    /// Appends `id` and says where in `output` the text of `local` went, for a writer that
    /// needs it again.
    package func writeID(into output: inout [UInt8], localText: inout Range<Int>) {
        if ifindex < 0 { output.append(UInt8(ascii: "-")) }
        output.appendDecimal(UInt64(ifindex.magnitude))
        output.append(UInt8(ascii: "/"))
        let start = output.count
        local.writeText(into: &output)
        localText = start..<output.count
        if local.family == .inet {
            output.append(UInt8(ascii: "/"))
            output.appendDecimal(UInt64(prefixLength))
            if let remote, remote != local {
                output.append(contentsOf: "/peer/".utf8)
                remote.writeText(into: &output)
            }
        }
    }
}
