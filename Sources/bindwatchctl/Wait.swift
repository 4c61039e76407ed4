import ArgumentParser
import BindwatchClient
import BindwatchCommandLine

struct Wait: EventLoopCommand {
    static let configuration = CommandConfiguration(
        abstract: "Wait until addresses are bindable; made for ExecStartPre= and the bindwatch-wait units.",
        discussion: """
            Without --settled, exits 0 and prints the first matching address once one is \
            bindable. With --settled, waits until no matching address is in DAD any more and \
            one is bindable, then prints every bindable one, one a line: a service started then \
            can bind them all; addresses of the set that failed DAD are named on stderr. \
            Link-local addresses print with their zone (fe80::1%eth0). Several --interface \
            options wait for each of them. Exits 1 on timeout, naming the addresses still in \
            DAD and those that do not bind, with the reasons.
            """)

    @ParentCommand var root: Bindwatchctl
    @OptionGroup var family: FamilyOptions

    @Option(
        name: .customLong("interface"),
        help: "Only addresses on this interface; repeat it to wait for each of several.")
    var interfaces: [String] = []

    @Option(help: "Wait for this address in particular (fe80::1%eth0 names its interface).")
    var address: String?

    @Flag(help: "Wait until no matching address is in DAD and one is bindable; print every bindable one.")
    var settled = false

    @Option(help: "The address that ends the wait must have at least this scope: global, site or link.")
    var scope: String?

    @Option(help: "Give up after this many seconds (0: never).")
    var timeout: Double = 120

    func validate() throws {
        if timeout < 0 { throw ValidationError("--timeout must not be negative") }
        if let scope, !["global", "site", "link"].contains(scope) {
            throw ValidationError("--scope takes global, site or link")
        }
        if address != nil && interfaces.count > 1 { throw ValidationError("--address takes one --interface at most") }
        if Set(interfaces).count != interfaces.count { throw ValidationError("an --interface is given twice") }
    }

    func runOnEventLoop() async throws {
        let targets: [String?] = interfaces.isEmpty ? [nil] : interfaces
        let outcomes = await withTaskGroup(of: (Int, Result<Outcome, any Error>).self) { group in
            for (index, interface) in targets.enumerated() {
                group.addTask {
                    do {
                        return (index, .success(try await wait(interface: interface)))
                    } catch {
                        return (index, .failure(error))
                    }
                }
            }
            var outcomes = [Result<Outcome, any Error>](
                repeating: .success(.bindable([], failed: [])), count: targets.count)
            for await (index, outcome) in group { outcomes[index] = outcome }
            return outcomes
        }
        var pending: [JSONValue] = []
        var unbindable: [JSONValue] = []
        var failed: [JSONValue] = []
        var timedOut: [String?] = []
        var lines: [String] = []
        for (interface, outcome) in zip(targets, outcomes) {
            switch outcome {
            case .success(.bindable(let addresses, let failedDAD)):
                for address in addresses {
                    let text = Self.bindableText(address)
                    if !lines.contains(text) { lines.append(text) }
                }
                failed += failedDAD
            case .success(.timedOut(let stillPending, let notBindable)):
                timedOut.append(interface)
                pending += stillPending
                unbindable += notBindable
            case .failure(let error):
                throw error
            }
        }
        // All or nothing: a partial list printed before a failure would read as an answer.
        guard timedOut.isEmpty else { throw timeoutFailure(timedOut, pending: pending, unbindable: unbindable) }
        for line in lines { print(line) }
        // The wait is met, but a service told to bind one of these would fail: say so where
        // the unit's log shows it.
        StandardStream.writeError(
            failed.map { "bindwatchctl: \(Self.locatedText($0)) failed DAD (dadfailed) and does not bind\n" }.joined())
    }

    private enum Outcome: Sendable {
        /// Best first; one without --settled. `failed`: the set's addresses that failed DAD.
        case bindable([JSONValue], failed: [JSONValue])
        /// The addresses still in DAD, and those that neither bind nor wait, with reasons.
        case timedOut(pending: [JSONValue], unbindable: [JSONValue])
    }

    /// One Wait call.
    private func wait(interface: String?) async throws -> Outcome {
        try await root.connection.withConnection { handle in
            // The daemon answers Timeout itself; this is for a daemon that stopped answering.
            handle.replyTimeout = timeout > 0 ? timeout + root.connection.replyTimeout : nil
            try await handle.send(method: "io.bindwatch.Wait") { parameters in
                family.write(to: &parameters)
                if let interface { parameters.field("interface", interface) }
                if let address { parameters.field("address", address) }
                if settled { parameters.field("settled", true) }
                if let scope { parameters.field("scope", scope) }
                if timeout > 0 {
                    parameters.key("timeout")
                    parameters.double(timeout)
                }
            }
            let reply: VarlinkClient.Reply?
            do {
                reply = try await handle.nextReply()
            } catch let error as VarlinkClient.CallError where error.name == "io.bindwatch.Timeout" {
                return .timedOut(
                    pending: error.parameters["pending"]?.arrayValue ?? [],
                    unbindable: error.parameters["unbindable"]?.arrayValue ?? [])
            }
            guard let reply else {
                throw VarlinkClient.ConnectionFailure.closedWithoutAnswer(path: root.connection.socketPath)
            }
            let failed = reply.parameters["failed"]?.arrayValue ?? []
            if case .array(let addresses)? = reply.parameters["addresses"] {
                return .bindable(addresses, failed: failed)
            }
            return .bindable(reply.parameters["address"].map { [$0] } ?? [], failed: failed)
        }
    }

    /// What a service binds: link-local addresses need their interface (`fe80::1%eth0`).
    static func bindableText(_ address: JSONValue) -> String {
        let text = address["address"]?.text ?? ""
        guard address["scope"]?.text == "link", let interface = address["interface"]?.text else { return text }
        return "\(text)%\(interface)"
    }

    /// `2001:db8::1 on eth0`, for messages.
    private static func locatedText(_ address: JSONValue) -> String {
        "\(bindableText(address)) on \(address["interface"]?.text ?? "?")"
    }

    private func timeoutFailure(_ interfaces: [String?], pending: [JSONValue], unbindable: [JSONValue])
        -> CommandFailure
    {
        let seconds = timeout == timeout.rounded() ? String(Int(timeout)) : String(timeout)
        let names = interfaces.compactMap { $0 }.joined(separator: ", ")
        let scopeText = scope.map { $0 == "global" ? " a global" : " a \($0)-scope or wider" } ?? ""
        let what: String
        if let address {
            what = "\(address) to be bindable" + (settled ? " and out of DAD" : "")
        } else if settled {
            what =
                (names.isEmpty ? "the host" : names) + " to settle with" + (scopeText.isEmpty ? " a" : scopeText)
                + " bindable address"
        } else {
            what =
                (scopeText.isEmpty ? "a" : String(scopeText.dropFirst())) + " bindable address"
                + (names.isEmpty ? "" : " on \(names)")
        }
        // One line per address still in DAD, then per address that does not bind: a unit's
        // log then says what held the wait up.
        let lines =
            pending.map { address in
                let state = address["flags"]?.stringArray.contains("optimistic") == true ? "optimistic" : "tentative"
                return "\(Self.locatedText(address)): \(state)"
            }
            + unbindable.map { address in
                "\(Self.locatedText(address)): not bindable: \(address["reasons"]?.stringArray.joined(separator: ", ") ?? "")"
            }
        return CommandFailure(
            "timed out after \(seconds) s waiting for \(what)" + (pending.isEmpty ? "" : "; still in DAD:")
                + lines.map { "\n" + $0 }.joined())
    }
}
