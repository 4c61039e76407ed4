import BindwatchClient

extension DispatchRun {
    /// The longest one environment string may be (Linux's MAX_ARG_STRLEN, 32 pages): a longer
    /// one makes execve fail with E2BIG.
    static let longestEnvironmentString = 32 * 4096

    /// How a script names an address: its text, with `%interface` for an IPv6 link-scope
    /// address, which a program cannot bind without the zone.
    static func scriptText(_ address: Address) -> String {
        if address.family == .inet6 && address.scope == .link {
            return "\(address.address)%\(address.interface)"
        }
        return "\(address.address)"
    }

    /// The variables the scripts get, besides the dispatcher's own environment. A list too
    /// long for one environment string is left empty and named in `BINDWATCH_TRUNCATED`;
    /// stdin always has everything.
    public var environment: [(name: String, value: String)] {
        func list(_ addresses: [Address]) -> String { addresses.map(Self.scriptText).joined(separator: " ") }
        var variables: [(name: String, value: String)] = [
            ("BINDWATCH_ACTION", action.rawValue),
            ("BINDWATCH_GENERATION", String(generation)),
            ("BINDWATCH_ADDED", list(added)),
            ("BINDWATCH_REMOVED", list(removed)),
            ("BINDWATCH_BINDABLE", list(bindable)),
            ("BINDWATCH_BINDABLE_INET", list(bindable.filter { $0.family == .inet })),
            ("BINDWATCH_BINDABLE_INET6", list(bindable.filter { $0.family == .inet6 })),
            ("BINDWATCH_INTERFACES", interfaces.joined(separator: " ")),
        ]
        var truncated: [String] = []
        for index in variables.indices
        where variables[index].name.utf8.count + 2 + variables[index].value.utf8.count > Self.longestEnvironmentString {
            truncated.append(variables[index].name)
            variables[index].value = ""
        }
        variables.append(("BINDWATCH_TRUNCATED", truncated.joined(separator: " ")))
        return variables
    }

    /// The script's stdin: `{"action", "generation", "added", "removed", "bindable"}`, each
    /// address as the varlink interface writes it.
    public var standardInput: [UInt8] {
        var json = JSONWriter(reservingCapacity: 512 + 320 * (added.count + removed.count + bindable.count))
        json.beginObject()
        json.field("action", action.rawValue)
        json.field("generation", generation)
        for (name, addresses) in [("added", added), ("removed", removed), ("bindable", bindable)] {
            json.key(name)
            json.beginArray()
            for address in addresses { address.write(to: &json) }
            json.endArray()
        }
        json.endObject()
        return json.bytes + [UInt8(ascii: "\n")]
    }
}
