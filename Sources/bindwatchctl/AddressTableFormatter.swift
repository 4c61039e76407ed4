import BindwatchClient

/// Human output: an aligned table like networkctl's.
enum AddressTableFormatter {
    static func format(_ addresses: [JSONValue], showVerdict: Bool) -> String {
        var rows: [[String]] = [
            showVerdict
                ? ["IDX", "INTERFACE", "ADDRESS", "SCOPE", "FLAGS", "BINDABLE", "REASONS"]
                : ["IDX", "INTERFACE", "ADDRESS", "SCOPE", "FLAGS"]
        ]
        for address in addresses {
            var row = [
                address["ifindex"]?.text ?? "", address["interface"]?.text ?? "", addressText(address),
                address["scope"]?.text ?? "", list(address["flags"]),
            ]
            if showVerdict {
                row.append(address["bindable"]?.text == "true" ? "yes" : "no")
                row.append(list(address["reasons"]))
            }
            rows.append(row)
        }
        var widths = [Int](repeating: 0, count: rows[0].count)
        for row in rows {
            for (column, cell) in row.enumerated() { widths[column] = max(widths[column], cell.count) }
        }
        var lines = rows.map { row in
            row.enumerated().map { column, cell in
                column == row.count - 1 ? cell : cell + String(repeating: " ", count: widths[column] - cell.count)
            }.joined(separator: " ").trimmingTrailingSpaces()
        }
        lines.append("")
        lines.append("\(addresses.count) address\(addresses.count == 1 ? "" : "es") listed.")
        return lines.joined(separator: "\n")
    }

    /// One event line: `+ eth0 2001:db8::1/64 global bindable` or with the reasons.
    static func line(kind: String, _ address: JSONValue) -> String {
        let verdict = address["bindable"]?.text == "true" ? "bindable" : "not bindable (\(list(address["reasons"])))"
        return
            "\(kind) \(address["interface"]?.text ?? "") \(addressText(address)) \(address["scope"]?.text ?? "") \(verdict)"
    }

    private static func addressText(_ address: JSONValue) -> String {
        var text = "\(address["address"]?.text ?? "")/\(address["prefixLength"]?.text ?? "")"
        if let peer = address["peer"], peer != .null { text += " peer \(peer.text)" }
        return text
    }

    private static func list(_ value: JSONValue?) -> String {
        guard case .array(let values)? = value, !values.isEmpty else { return "-" }
        return values.map(\.text).joined(separator: ",")
    }
}

extension String {
    fileprivate func trimmingTrailingSpaces() -> String {
        var text = self
        while text.last == " " { text.removeLast() }
        return text
    }
}

/// One line of JSON for --json output.
enum JSONText {
    static func of(_ value: JSONValue) -> String {
        var json = JSONWriter()
        json.value(value)
        return String(buffer: json.buffer)
    }
}
