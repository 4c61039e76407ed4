import AddressClassification

/// What the table stores per address; `Address` values are made from it on demand.
struct AddressRecord: Sendable {
    var prefixLength: UInt8
    var scope: AddressScope
    var flags: AddressFlags
    var peer: IPAddress?
    var label: String?
    /// As received, with the monotonic time they were received at.
    var lifetimes: AddressLifetimes?
    var receivedAt: MonotonicInstant
    var reasons: Reasons
    /// Classified once, when the kernel reports the address.
    var type: AddressType
    /// RFC 6724 precedence, for the preference order.
    var precedence: UInt8
    /// The sweep that last saw this address (see `AddressTable.beginSweep`).
    var confirmedSweep: UInt32

    func published(key: AddressKey, interface: String, now: MonotonicInstant) -> Address {
        Address(
            key: key, prefixLength: prefixLength, interface: interface, scope: scope, flags: flags,
            peer: peer, label: label, lifetimes: remaining(at: now), reasons: reasons, type: type,
            precedence: precedence)
    }

    /// Lifetimes counted down from when the kernel sent them.
    func remaining(at now: MonotonicInstant) -> AddressLifetimes? {
        guard let lifetimes else { return nil }
        let elapsed = UInt32(clamping: now.seconds(since: receivedAt))
        return AddressLifetimes(
            preferred: lifetimes.preferred.map { $0 > elapsed ? $0 - elapsed : 0 },
            valid: lifetimes.valid.map { $0 > elapsed ? $0 - elapsed : 0 })
    }
}
