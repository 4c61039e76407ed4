/// What the table stores per address, packed into 32 bytes: 100,000 addresses must cost at
/// most 200 bytes each, hash-table slack included. `Address` values are made from it on
/// demand. The rare parts (an IPv6 peer, an IPv4 label other than the link's name) live in
/// `AddressExtras`, in a side table.
package struct AddressRecord: Sendable {
    package struct Details: OptionSet, Sendable {
        package let rawValue: UInt8
        package init(rawValue: UInt8) { self.rawValue = rawValue }
        /// The message carried IFA_CACHEINFO.
        package static let hasLifetimes = Details(rawValue: 1 << 0)
        /// The IPv4 label is the link's name (the kernel's default), stored as this bit.
        package static let labelIsInterfaceName = Details(rawValue: 1 << 1)
        /// The link's `extras` table has an entry for this address.
        package static let hasExtras = Details(rawValue: 1 << 2)
    }

    /// When the lifetimes were received.
    var receivedAt: MonotonicInstant
    package var flags: AddressFlags
    /// The sweep that last saw this address (see `AddressTable.beginSweep`).
    package var confirmedSweep: UInt32
    /// As the kernel sent them: seconds remaining, 0xFFFFFFFF for forever.
    var preferredLifetime: UInt32
    var validLifetime: UInt32
    package var reasons: Reasons
    var prefixLength: UInt8
    package var scope: KernelScope
    /// Classified once, when the kernel reports the address.
    package var type: AddressType
    /// RFC 6724 precedence, for the preference order.
    var precedence: UInt8
    package var details: Details

    package init(
        message: AddressMessage, interfaceName: String, receivedAt: MonotonicInstant, reasons: Reasons,
        type: AddressType, precedence: UInt8, sweep: UInt32, hasExtras: Bool
    ) {
        self.receivedAt = receivedAt
        flags = message.flags
        confirmedSweep = sweep
        preferredLifetime = message.lifetimes?.preferred ?? .max
        validLifetime = message.lifetimes?.valid ?? .max
        self.reasons = reasons
        prefixLength = message.prefixLength
        scope = message.scope
        self.type = type
        self.precedence = precedence
        details = []
        if message.lifetimes != nil { details.insert(.hasLifetimes) }
        if message.label == interfaceName { details.insert(.labelIsInterfaceName) }
        if hasExtras { details.insert(.hasExtras) }
    }

    package func published(key: AddressKey, interface: String, extras: AddressExtras?, now: MonotonicInstant) -> Address
    {
        Address(
            key: key, prefixLength: prefixLength, interface: interface, scope: scope, flags: flags,
            peer: peer(key: key, extras: extras), label: label(interface: interface, extras: extras),
            lifetimes: remaining(at: now), reasons: reasons, type: type, precedence: precedence)
    }

    /// IPv4's peer is part of the key (IFA_ADDRESS); IPv6's is an extra.
    func peer(key: AddressKey, extras: AddressExtras?) -> IPAddress? {
        if key.local.family == .inet, let remote = key.remote { return remote != key.local ? remote : nil }
        return extras?.peer
    }

    func label(interface: String, extras: AddressExtras?) -> String? {
        details.contains(.labelIsInterfaceName) ? interface : extras?.label
    }

    /// Equal in everything a client is told about, remaining lifetimes aside (the kernel
    /// repeats RTM_NEWADDR with only lifetimes changed), for the same key on the same link.
    func isSameExceptLifetimes(
        as other: AddressRecord, extras: AddressExtras?, otherExtras: AddressExtras?, interface: String
    ) -> Bool {
        flags == other.flags && reasons == other.reasons && prefixLength == other.prefixLength
            && scope == other.scope && type == other.type && extras?.peer == otherExtras?.peer
            && label(interface: interface, extras: extras) == other.label(interface: interface, extras: otherExtras)
    }

    /// Lifetimes counted down from when the kernel sent them.
    func remaining(at now: MonotonicInstant) -> AddressLifetimes? {
        guard details.contains(.hasLifetimes) else { return nil }
        let elapsed = UInt32(clamping: now.seconds(since: receivedAt))
        func countDown(_ lifetime: UInt32) -> UInt32? {
            lifetime == .max ? nil : (lifetime > elapsed ? lifetime - elapsed : 0)
        }
        return AddressLifetimes(preferred: countDown(preferredLifetime), valid: countDown(validLifetime))
    }
}

/// The parts of an address few addresses have: kept out of `AddressRecord` so that the
/// common case stays small.
package struct AddressExtras: Sendable, Equatable {
    /// IPv6 only; an IPv4 peer is part of the key.
    var peer: IPAddress?
    /// An IPv4 label other than the link's name.
    package var label: String?

    /// Nil when the message has nothing that needs a side entry.
    package init?(message: AddressMessage, interfaceName: String) {
        let peer = message.family == .inet6 ? message.peer : nil
        let label = message.label == interfaceName ? nil : message.label
        guard peer != nil || label != nil else { return nil }
        self.peer = peer
        self.label = label
    }

    package init(peer: IPAddress?, label: String?) {
        self.peer = peer
        self.label = label
    }
}
