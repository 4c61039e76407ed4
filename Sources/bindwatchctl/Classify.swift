import ArgumentParser
import BindwatchClient
import BindwatchCommandLine

struct Classify: EventLoopCommand {
    static let configuration = CommandConfiguration(
        abstract: "Say what kind of address each argument is, by today's rules and older kernels'.")

    @ParentCommand var root: Bindwatchctl

    @Argument(help: "IPv4 or IPv6 addresses (a %zone suffix is accepted).")
    var addresses: [String]

    @Flag(help: "Print each reply as one line of JSON.")
    var json = false

    func runOnEventLoop() async throws {
        let replies = try await root.connection.withConnection { handle in
            var replies: [[String: JSONValue]] = []
            for address in addresses {
                try await handle.send(method: "io.bindwatch.Classify") { $0.field("address", address) }
                guard let reply = try await handle.nextReply() else {
                    throw CommandFailure("bindwatchd closed the connection without an answer")
                }
                replies.append(reply.parameters)
            }
            return replies
        }
        for reply in replies {
            if json {
                print(JSONText.of(.object(reply)))
            } else {
                print(ClassificationFormatter.format(reply))
            }
        }
    }
}

struct Explain: EventLoopCommand {
    static let configuration = CommandConfiguration(
        abstract: "Explain an address of this host: what it is, and why each copy is or is not bindable.")

    @ParentCommand var root: Bindwatchctl

    @Argument(help: "An address this host has.")
    var address: String

    @Flag(help: "Print the reply as JSON.")
    var json = false

    func runOnEventLoop() async throws {
        let reply = try await root.connection.withConnection { handle in
            try await handle.send(method: "io.bindwatch.Explain") { $0.field("address", address) }
            for try await reply in handle.replies() { return reply.parameters }
            throw CommandFailure("bindwatchd closed the connection without an answer")
        }
        if json {
            print(JSONText.of(.object(reply)))
            return
        }
        if case .object(var fields)? = reply["classification"] {
            fields["explanation"] = reply["explanation"]
            print(ClassificationFormatter.format(fields))
        }
        guard case .array(let copies)? = reply["addresses"] else { return }
        for copy in copies {
            guard let address = copy["address"] else { continue }
            print("")
            print(AddressTableFormatter.line(kind: "on", address))
            if case .array(let reasons)? = copy["reasons"] {
                for reason in reasons {
                    print(
                        "  \(reason["reason"]?.text ?? ""): \(reason["detail"]?.text ?? "") [\(reason["source"]?.text ?? "")]"
                    )
                }
            }
        }
    }
}

/// Human output for a classification: aligned `key: value` lines, then the explanation.
enum ClassificationFormatter {
    static func format(_ fields: [String: JSONValue]) -> String {
        var lines: [(String, String)] = [
            ("address", fields["address"]?.text ?? ""),
            ("type", fields["type"]?.text ?? ""),
            ("scope", fields["scope"]?.text ?? ""),
            ("globally reachable", fields["globallyReachable"]?.text ?? ""),
        ]
        if let inside = fields["ianaGlobalUnicast"], inside != .null { lines.append(("in IANA 2000::/3", inside.text)) }
        if let special = fields["special"], special != .null {
            lines.append(
                (
                    "registry",
                    "\(special["prefix"]?.text ?? "") \(special["name"]?.text ?? "") (\(special["rfc"]?.text ?? ""))"
                ))
        }
        for (key, name) in [("kernel", "kernel (3.0+)"), ("legacyKernel", "kernel (2.6.2x-3x)")] {
            if let view = fields[key], view != .null {
                let bits = Int(view["typeBits"]?.text ?? "") ?? 0
                let gateway = view["gatewayAccepted"] == .bool(true) ? "gateway accepted" : "gateway refused"
                lines.append((name, "type 0x" + String(bits, radix: 16) + ", " + gateway))
            }
        }
        lines.append(
            ("RFC 6724", "precedence \(fields["precedence"]?.text ?? ""), label \(fields["label"]?.text ?? "")"))
        let width = lines.map(\.0.count).max() ?? 0
        var text = lines.map { String(repeating: " ", count: width - $0.0.count) + $0.0 + ": " + $0.1 }
        if let explanation = fields["explanation"]?.text { text.append(explanation) }
        return text.joined(separator: "\n")
    }
}
