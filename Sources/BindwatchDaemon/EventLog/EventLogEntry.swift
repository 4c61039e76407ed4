import BindwatchModel
import BindwatchVarlink

/// The lines of the event log. Each is one JSON object starting with `seq`, then `time` and
/// `type`; address events carry the address after the change (its last state for `removed`),
/// and `changed` lines say what changed as `{field: [before, after]}`.
enum EventLogEntry {
    enum AddressEventType: String {
        case added, changed, removed
    }

    enum DaemonEventType: String {
        case started
        case resync
        case configReloaded = "config-reloaded"
        case stopping
    }

    struct Counts {
        var links: Int
        var addresses: Int
        var bindable: Int
    }

    /// One table change, written at the end of `line`: `before` nil for an address the kernel
    /// added, `after` nil for one it deleted. Remaining lifetimes are not compared: they change
    /// every second. `encodedAddress` is `after ?? before` as JSON (`Address.write`), which the
    /// line carries, and whose id it repeats.
    static func writeAddressEvent(
        into line: inout [UInt8], sequence: UInt64, time: String, before: Address?, after: Address?,
        encodedAddress: [UInt8]
    ) {
        let type: AddressEventType
        let address: Address
        switch (before, after) {
        case (nil, let after?): (type, address) = (.added, after)
        case (let before?, nil): (type, address) = (.removed, before)
        case (_, let after?): (type, address) = (.changed, after)
        case (nil, nil): preconditionFailure("an event needs an address")
        }
        // Fixed parts in one copy each: a line per change.
        JSONWriter.appending(to: &line) { json in
            json.fixed(#"{"seq":"#)
            json.integer(sequence)
            json.fixed(#","time":"#)
            json.string(time)
            switch type {
            case .added: json.fixed(#","type":"added","id":"#)
            case .changed: json.fixed(#","type":"changed","id":"#)
            case .removed: json.fixed(#","type":"removed","id":"#)
            }
            let id = Address.idText(inEncoded: encodedAddress)
            json.unescapedString { $0.append(contentsOf: encodedAddress[id]) }
            json.fixed(#","interface":"#)
            json.string(address.interface)
            json.fixed(#","address":"#)
            json.encoded(encodedAddress)
            if type == .changed, let before, let after {
                json.key("changes")
                json.beginObject()
                writeChanges(from: before, to: after, into: &json)
                json.endObject()
            }
            json.endObject()
        }
    }

    static func daemonEvent(
        sequence: UInt64, time: String, type: DaemonEventType, counts: Counts, synced: Bool,
        details: (inout JSONWriter) -> Void = { _ in }
    ) -> [UInt8] {
        var json = JSONWriter()
        json.beginObject()
        json.field("seq", sequence)
        json.field("time", time)
        json.field("type", type.rawValue)
        json.key("counts")
        json.beginObject()
        json.field("links", counts.links)
        json.field("addresses", counts.addresses)
        json.field("bindable", counts.bindable)
        json.endObject()
        json.field("synced", synced)
        details(&json)
        json.endObject()
        return json.bytes
    }

    /// The verdict first, so that a change of `bindable` is the first thing a reader sees.
    private static func writeChanges(from before: Address, to after: Address, into json: inout JSONWriter) {
        if before.isBindable != after.isBindable {
            pair("bindable", before, after, into: &json) { json, address in json.bool(address.isBindable) }
        }
        if before.reasons != after.reasons {
            pair("reasons", before, after, into: &json) { json, address in
                json.beginArray()
                address.reasons.forEachName { json.string($0) }
                json.endArray()
            }
        }
        if before.flags != after.flags {
            pair("flags", before, after, into: &json) { json, address in
                json.beginArray()
                address.flags.forEachName(family: address.family) { json.string($0) }
                json.endArray()
            }
        }
        if before.interface != after.interface {
            pair("interface", before, after, into: &json) { json, address in json.string(address.interface) }
        }
        if before.prefixLength != after.prefixLength {
            pair("prefixLength", before, after, into: &json) { json, address in json.integer(address.prefixLength) }
        }
        if before.scope != after.scope {
            pair("scope", before, after, into: &json) { json, address in json.string(address.scope.name) }
        }
        if before.peer != after.peer {
            pair("peer", before, after, into: &json) { json, address in
                if let peer = address.peer { json.string(peer) } else { json.null() }
            }
        }
        if before.label != after.label {
            pair("label", before, after, into: &json) { json, address in
                if let label = address.label { json.string(label) } else { json.null() }
            }
        }
    }

    /// `"name":[before,after]`, each side written by `value`.
    private static func pair(
        _ name: String, _ before: Address, _ after: Address, into json: inout JSONWriter,
        value: (inout JSONWriter, Address) -> Void
    ) {
        json.key(name)
        json.beginArray()
        value(&json, before)
        value(&json, after)
        json.endArray()
    }
}
