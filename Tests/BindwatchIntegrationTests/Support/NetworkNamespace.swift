import Foundation
import Synchronization

/// A network namespace the test creates, and deletes again however the test ends.
final class NetworkNamespace: Sendable {
    private static let counter = Mutex(0)

    let name: String

    private init(name: String) {
        self.name = name
    }

    /// Creates a namespace with loopback up, runs `body`, and deletes it (and with it every
    /// link inside) whether `body` succeeds or throws.
    static func with<Result>(_ body: (NetworkNamespace) async throws -> Result) async throws -> Result {
        let number = counter.withLock { value -> Int in
            value += 1
            return value
        }
        let namespace = NetworkNamespace(name: "bwt-\(getpid())-\(number)")
        try Command.run(["ip", "netns", "add", namespace.name])
        do {
            try namespace.ip("link", "set", "lo", "up")
            let result = try await body(namespace)
            namespace.delete()
            return result
        } catch {
            namespace.delete()
            throw error
        }
    }

    private func delete() {
        _ = try? Command.runAllowingFailure(["ip", "netns", "del", name])
    }

    /// `ip -n NAME ARGS…`
    @discardableResult
    func ip(_ arguments: String...) throws -> String {
        try Command.run(["ip", "-n", name] + arguments)
    }

    /// `ip -n NAME -batch -` of `lines`, applied by the kernel in order; `force` goes on past a
    /// failing line.
    func batch(_ lines: [String], force: Bool = false) throws {
        try Command.run(
            ["ip", "-n", name] + (force ? ["-force"] : []) + ["-batch", "-"],
            input: lines.joined(separator: "\n") + "\n")
    }

    /// One `ip -batch` line per address `PREFIX<n in hex>/64` on `device`, for each n:
    /// `addr VERB ADDRESS dev DEVICE OPTIONS`. Adds skip DAD unless `options` says otherwise.
    static func addressLines(
        _ verb: String, _ numbers: ClosedRange<Int>, prefix: String, device: String, options: String? = nil
    ) -> [String] {
        let options = options ?? (verb == "add" ? "nodad" : "")
        return numbers.map { number in
            "addr \(verb) \(prefix)\(String(number, radix: 16))/64 dev \(device)"
                + (options.isEmpty ? "" : " \(options)")
        }
    }

    /// `batch` of `addressLines`.
    func batchAddresses(
        _ verb: String, _ numbers: ClosedRange<Int>, prefix: String, device: String, options: String? = nil
    ) throws {
        try batch(Self.addressLines(verb, numbers, prefix: prefix, device: device, options: options))
    }

    /// Runs a command inside the namespace.
    @discardableResult
    func exec(_ arguments: [String]) throws -> String {
        try Command.run(["ip", "netns", "exec", name] + arguments)
    }

    func sysctl(_ setting: String) throws {
        try exec(["sysctl", "-q", "-w", setting])
    }

    /// A veth pair with `local` here and `remote` in `peer` (or here too), both up.
    func addVeth(_ local: String, peer remote: String, in other: NetworkNamespace? = nil) throws {
        if let other {
            try ip("link", "add", local, "type", "veth", "peer", "name", remote, "netns", other.name)
            try other.ip("link", "set", remote, "up")
        } else {
            try ip("link", "add", local, "type", "veth", "peer", "name", remote)
            try ip("link", "set", remote, "up")
        }
        try ip("link", "set", local, "up")
    }

    func ifindex(_ interface: String) throws -> Int {
        let text = try ip("-j", "link", "show", "dev", interface)
        let links = try JSONSerialization.jsonObject(with: Data(text.utf8)) as? [[String: Any]]
        guard let index = links?.first?["ifindex"] as? Int else {
            throw Command.Failure(command: ["ifindex", interface], status: 0, output: text)
        }
        return index
    }

    /// What bind() says for each address: 0 or the errno. Link-local ones need `%ifindex`.
    func bindResults(_ addresses: [String]) throws -> [String: Int] {
        let output = try exec([IntegrationEnvironment.python, Command.script("bind-check.py")] + addresses)
        return try JSONDecoder().decode([String: Int].self, from: Data(output.utf8))
    }
}
