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

    /// One table change: `before` nil for an address the kernel added, `after` nil for one it
    /// deleted. Remaining lifetimes are not compared: they change every second.
    static func addressEvent(sequence: UInt64, time: String, before: Address?, after: Address?) -> [UInt8] {
        let type: AddressEventType
        let address: Address
        switch (before, after) {
        case (nil, let after?): (type, address) = (.added, after)
        case (let before?, nil): (type, address) = (.removed, before)
        case (_, let after?): (type, address) = (.changed, after)
        case (nil, nil): preconditionFailure("an event needs an address")
        }
        var json = JSONWriter()
        json.beginObject()
        json.field("seq", sequence)
        json.field("time", time)
        json.field("type", type.rawValue)
        json.field("id", address.id)
        json.field("interface", address.interface)
        json.key("address")
        address.write(to: &json)
        if type == .changed, let before, let after {
            json.key("changes")
            json.beginObject()
            writeChanges(from: before, to: after, into: &json)
            json.endObject()
        }
        json.endObject()
        return json.bytes
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
            json.key("bindable")
            json.beginArray()
            json.bool(before.isBindable)
            json.bool(after.isBindable)
            json.endArray()
        }
        if before.reasons != after.reasons {
            pair("reasons", before.reasons.names, after.reasons.names, into: &json)
        }
        if before.flags != after.flags {
            pair(
                "flags", before.flags.names(family: before.family), after.flags.names(family: after.family), into: &json
            )
        }
        if before.interface != after.interface {
            json.key("interface")
            json.beginArray()
            json.string(before.interface)
            json.string(after.interface)
            json.endArray()
        }
        if before.prefixLength != after.prefixLength {
            json.key("prefixLength")
            json.beginArray()
            json.integer(before.prefixLength)
            json.integer(after.prefixLength)
            json.endArray()
        }
        if before.scope != after.scope {
            json.key("scope")
            json.beginArray()
            json.string(before.scope.name)
            json.string(after.scope.name)
            json.endArray()
        }
        if before.peer != after.peer {
            optionalPair("peer", before.peer?.description, after.peer?.description, into: &json)
        }
        if before.label != after.label {
            optionalPair("label", before.label, after.label, into: &json)
        }
    }

    private static func pair(_ name: String, _ before: [String], _ after: [String], into json: inout JSONWriter) {
        json.key(name)
        json.beginArray()
        for values in [before, after] {
            json.beginArray()
            for value in values { json.string(value) }
            json.endArray()
        }
        json.endArray()
    }

    private static func optionalPair(_ name: String, _ before: String?, _ after: String?, into json: inout JSONWriter) {
        json.key(name)
        json.beginArray()
        for value in [before, after] {
            if let value { json.string(value) } else { json.null() }
        }
        json.endArray()
    }
}
