import BindwatchModel

extension Address {
    /// Writes the varlink `Address` type. Every event carries one, so its keys and punctuation
    /// are written as fixed runs of bytes; the output is that of one `key`/value call per field.
    public func write(to json: inout JSONWriter) {
        json.beginObject()
        json.fixed(#""id":"#)
        // The id holds the address's text: copied from there, not formatted twice.
        var addressText = 0..<0
        json.unescapedString { key.writeID(into: &$0, localText: &addressText) }
        json.fixed(#","address":"#)
        json.unescapedString { bytes in
            for index in addressText { bytes.append(bytes[index]) }
        }
        json.fixed(#","prefixLength":"#)
        json.integer(prefixLength)
        json.fixed(#","family":"#)
        json.string(family.name)
        json.fixed(#","interface":"#)
        json.string(interface)
        json.fixed(#","ifindex":"#)
        json.integer(ifindex)
        json.fixed(#","scope":"#)
        json.string(scope.name)
        json.fixed(#","type":"#)
        json.string(type.rawValue)
        json.fixed(#","flags":"#)
        json.beginArray()
        flags.forEachName(family: family) { json.string($0) }
        json.endArray()
        json.fixed(#","peer":"#)
        if let peer { json.string(peer) } else { json.null() }
        json.fixed(#","label":"#)
        if let label { json.string(label) } else { json.null() }
        json.fixed(#","preferredLifetime":"#)
        if let preferred = lifetimes?.preferred { json.integer(preferred) } else { json.null() }
        json.fixed(#","validLifetime":"#)
        if let valid = lifetimes?.valid { json.integer(valid) } else { json.null() }
        json.fixed(#","bindable":"#)
        json.bool(isBindable)
        json.fixed(#","reasons":"#)
        json.beginArray()
        reasons.forEachName { json.string($0) }
        json.endArray()
        json.endObject()
    }
}

extension Address {
    /// Where the `id` string's text is in JSON that `write(to:)` wrote: it comes first.
    public static func idText(inEncoded encoded: [UInt8]) -> Range<Int> {
        let prefix = #"{"id":""#.utf8
        precondition(encoded.starts(with: prefix), "not an encoded Address")
        let start = prefix.count
        let end = encoded[start...].firstIndex(of: UInt8(ascii: "\""))!
        return start..<end
    }

    /// The address as the varlink `Address` type, on its own.
    public var encoded: [UInt8] {
        var json = JSONWriter(reservingCapacity: 384)
        write(to: &json)
        return json.bytes
    }
}
