import BindwatchClient

/// Human output for `bindwatchctl log`: one line per event, the verdict spelled out.
///
///     2026-12-01T13:45:28.218068Z #7 changed v0 2001:db8::1/64 bindable: no → yes; reasons: tentative → -
enum EventLogFormatter {
    static func line(_ bytes: [UInt8]) -> String {
        guard let event = try? JSONParser.parse(bytes), case .object = event else {
            return "(not an event) " + String(decoding: bytes, as: UTF8.self)
        }
        let head = "\(event["time"]?.text ?? "-") #\(event["seq"]?.text ?? "?") \(event["type"]?.text ?? "?")"
        switch event["type"]?.text {
        case "added", "removed", "changed":
            let address = event["address"] ?? .null
            var text =
                "\(head) \(address["interface"]?.text ?? "") \(address["address"]?.text ?? "")/\(address["prefixLength"]?.text ?? "")"
            if let peer = address["peer"], peer != .null { text += " peer \(peer.text)" }
            if event["type"]?.text == "changed", case .object(let changes)? = event["changes"] {
                let order = ["bindable", "reasons", "flags", "interface", "prefixLength", "scope", "peer", "label"]
                let names = order.filter { changes[$0] != nil } + changes.keys.filter { !order.contains($0) }.sorted()
                text += " " + names.map { describe($0, changes[$0]!) }.joined(separator: "; ")
            } else if event["type"]?.text == "added" {
                text +=
                    address["bindable"]?.text == "true" ? " bindable" : " not bindable (\(list(address["reasons"])))"
            }
            return text
        default:
            let counts = event["counts"] ?? .null
            var text =
                "\(head) \(counts["links"]?.text ?? "?") links, \(counts["addresses"]?.text ?? "?") addresses, \(counts["bindable"]?.text ?? "?") bindable"
            if event["synced"]?.text == "false" { text += ", not synced" }
            if let removed = event["removed"] { text += "; \(removed.text) removed" }
            if let changes = event["addressEvents"] { text += "; \(changes.text) address events" }
            if let version = event["version"], let pid = event["pid"] {
                text += " (bindwatchd \(version.text), pid \(pid.text))"
            }
            return text
        }
    }

    private static func describe(_ field: String, _ pair: JSONValue) -> String {
        guard case .array(let values) = pair, values.count == 2 else { return "\(field): \(pair.text)" }
        func show(_ value: JSONValue) -> String {
            switch value {
            case .bool(let flag): flag ? "yes" : "no"
            case .array: list(value)
            case .null: "-"
            default: value.text
            }
        }
        return "\(field): \(show(values[0])) → \(show(values[1]))"
    }

    private static func list(_ value: JSONValue?) -> String {
        guard case .array(let values)? = value, !values.isEmpty else { return "-" }
        return values.map(\.text).joined(separator: ",")
    }
}
