import BindwatchModel
import CBindwatchNetlink

extension NetlinkMessage {
    /// The messages of one datagram, and whether its framing broke part-way (the rest is dropped).
    public struct Datagram: Sendable {
        public var messages: [NetlinkMessage]
        public var isFramingBroken: Bool
    }

    /// Decodes every message in a datagram as received from the kernel.
    public static func decode(datagram: UnsafeRawBufferPointer) -> Datagram {
        var messages: [NetlinkMessage] = []
        let isFramingBroken = forEachMessage(in: datagram) { messages.append($0) }
        return Datagram(messages: messages, isFramingBroken: isFramingBroken)
    }

    /// Decodes the datagram's messages one at a time, in order, without collecting them: the
    /// daemon reads one datagram per change. Returns true when the framing broke part-way
    /// (the rest is dropped).
    public static func forEachMessage(
        in datagram: UnsafeRawBufferPointer, _ body: (NetlinkMessage) -> Void
    ) -> Bool {
        var offset = 0
        var message = bw_message()
        while true {
            let status = bw_message_next(datagram.baseAddress, datagram.count, &offset, &message)
            if status == 0 { return false }
            if status < 0 { return true }
            body(NetlinkMessage(message))
        }
    }

    /// Decodes a datagram held in an array (recorded bytes, fuzzing, tests).
    public static func decode(datagram: [UInt8]) -> Datagram {
        datagram.withUnsafeBytes { decode(datagram: $0) }
    }

    init(_ raw: bw_message) {
        let header = Header(type: raw.type, flags: raw.flags, sequence: raw.sequence, portID: raw.port_id)
        let payload: Payload
        switch raw.kind {
        case BW_MESSAGE_ADDRESS:
            payload = AddressMessage(raw.body.address).map(Payload.address) ?? .malformed
        case BW_MESSAGE_LINK:
            payload = .link(LinkMessage(raw.body.link))
        case BW_MESSAGE_PREFIX:
            payload = .prefix(PrefixMessage(raw.body.prefix))
        case BW_MESSAGE_DONE:
            // A dump that failed part-way reports its errno in NLMSG_DONE.
            payload = raw.error == 0 ? .done : .error(raw.error)
        case BW_MESSAGE_ERROR:
            payload = .error(raw.error)
        case BW_MESSAGE_MALFORMED:
            payload = .malformed
        default:
            payload = .other
        }
        self.init(header: header, payload: payload)
    }
}

extension AddressMessage {
    init?(_ raw: bw_address) {
        guard let family = AddressFamily(rawValue: raw.family) else { return nil }
        let local = raw.has_local != 0 ? IPAddress(family: family, tuple: raw.local) : nil
        let address = raw.has_address != 0 ? IPAddress(family: family, tuple: raw.address) : nil
        guard let mine = local ?? address else { return nil }
        self.init(
            isDeletion: raw.is_delete != 0, family: family, prefixLength: raw.prefix_length,
            scope: KernelScope(rawValue: raw.scope), ifindex: Int32(bitPattern: raw.ifindex),
            flags: AddressFlags(rawValue: raw.flags), local: mine,
            peer: (local != nil && address != nil && address != local) ? address : nil, address: address ?? mine,
            label: raw.has_label != 0 ? String(interfaceName: raw.label) : nil,
            lifetimes: raw.has_cacheinfo != 0
                ? AddressLifetimes(kernelPreferred: raw.preferred_lifetime, kernelValid: raw.valid_lifetime) : nil)
    }
}

extension LinkMessage {
    init(_ raw: bw_link) {
        self.init(
            isDeletion: raw.is_delete != 0, ifindex: raw.ifindex, family: raw.family,
            name: raw.has_name != 0 ? String(interfaceName: raw.name) : nil, flags: LinkFlags(rawValue: raw.flags),
            operationalState: raw.has_operstate != 0 ? OperationalState(rawValue: raw.operstate) : nil,
            hardwareType: raw.link_type)
    }
}

extension PrefixMessage {
    init(_ raw: bw_prefix) {
        self.init(
            family: raw.family, ifindex: raw.ifindex, prefixLength: raw.prefix_length,
            prefix: raw.has_prefix != 0 ? IPAddress(family: .inet6, tuple: raw.prefix) : nil)
    }
}

extension IPAddress {
    /// From a C `uint8_t[16]`, imported as a tuple.
    init(
        family: AddressFamily,
        tuple: (
            UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8,
            UInt8
        )
    ) {
        // Loaded as two big-endian words: no array per address on the event path.
        let (high, low) = withUnsafeBytes(of: tuple) { raw in
            (
                UInt64(bigEndian: raw.loadUnaligned(fromByteOffset: 0, as: UInt64.self)),
                UInt64(bigEndian: raw.loadUnaligned(fromByteOffset: 8, as: UInt64.self))
            )
        }
        if family == .inet {
            // Only the first four bytes belong to an IPv4 address.
            self.init(family: family, high: high & 0xFFFF_FFFF_0000_0000, low: 0)
        } else {
            self.init(family: family, high: high, low: low)
        }
    }
}

extension String {
    /// From a C `char[16]` holding a NUL-terminated interface name.
    init(
        interfaceName tuple: (
            CChar, CChar, CChar, CChar, CChar, CChar, CChar, CChar, CChar, CChar, CChar, CChar, CChar, CChar, CChar,
            CChar
        )
    ) {
        self = withUnsafeBytes(of: tuple) { raw in
            let bytes = raw.prefix { $0 != 0 }
            return String(decoding: bytes, as: UTF8.self)
        }
    }
}
