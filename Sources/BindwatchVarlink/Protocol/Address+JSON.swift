import BindwatchModel

extension Address {
    /// Writes the varlink `Address` type.
    public func write(to json: inout JSONWriter) {
        json.beginObject()
        json.key("id")
        json.unescapedString { key.writeID(into: &$0) }
        json.key("address")
        json.string(address)
        json.field("prefixLength", prefixLength)
        json.field("family", family.name)
        json.field("interface", interface)
        json.field("ifindex", ifindex)
        json.field("scope", scope.name)
        json.field("type", type.rawValue)
        json.key("flags")
        json.beginArray()
        flags.forEachName(family: family) { json.string($0) }
        json.endArray()
        json.key("peer")
        if let peer { json.string(peer) } else { json.null() }
        json.key("label")
        if let label { json.string(label) } else { json.null() }
        json.key("preferredLifetime")
        if let preferred = lifetimes?.preferred { json.integer(preferred) } else { json.null() }
        json.key("validLifetime")
        if let valid = lifetimes?.valid { json.integer(valid) } else { json.null() }
        json.field("bindable", isBindable)
        json.key("reasons")
        json.beginArray()
        reasons.forEachName { json.string($0) }
        json.endArray()
        json.endObject()
    }
}

extension Address {
    /// The address as the varlink `Address` type, on its own.
    public var encoded: [UInt8] {
        var json = JSONWriter(reservingCapacity: 384)
        write(to: &json)
        return json.bytes
    }
}
