import BindwatchClient
import BindwatchDaemon
import Foundation
import Glibc
import Testing

extension IntegrationTests {
    /// systemd's part is played by scripts/socket-activate.py: it makes the sockets a socket unit
    /// would, sets LISTEN_FDS/LISTEN_PID/LISTEN_FDNAMES and execs the daemon in its own process.
    @Suite("Socket activation")
    struct SocketActivationTests {
        /// RTMGRP_LINK | RTMGRP_IPV4_IFADDR | RTMGRP_IPV6_IFADDR | RTMGRP_IPV6_PREFIX, as in bindwatchd.socket.
        static let groups = "0x20111"

        private func launcher(socket: String, netlink: Bool = true, names: String? = nil, delay: Double = 0) -> [String]
        {
            var arguments = [IntegrationEnvironment.python, Command.script("socket-activate.py"), "--unix", socket]
            if netlink { arguments += ["--netlink", Self.groups, "--receive-buffer", "8388608"] }
            if let names { arguments += ["--names", names] }
            if delay > 0 { arguments += ["--delay", "\(delay)"] }
            return arguments + ["--"]
        }

        private func command(of pid: Int32) -> String {
            ((try? String(contentsOfFile: "/proc/\(pid)/comm", encoding: .utf8)) ?? "")
                .trimmingCharacters(in: .whitespacesAndNewlines)
        }

        @Test("a client connects before the daemon is up and is answered; the netlink socket keeps systemd's buffer")
        func connectBeforeStart() async throws {
            try await NetworkNamespace.with { namespace in
                let directory = try Command.run(["mktemp", "-d"]).trimmingCharacters(in: .whitespacesAndNewlines)
                defer { try? FileManager.default.removeItem(atPath: directory) }
                try Command.run(["chmod", "0755", directory])
                let socket = "\(directory)/io.bindwatch"
                // Unprivileged: it could not get an 8 MiB netlink buffer by itself.
                let daemon = try RunningDaemon.launch(
                    in: namespace, socketPath: socket, user: (65534, 65534),
                    launcher: launcher(socket: socket, delay: 2))
                defer { daemon.stop() }
                let deadline = ContinuousClock.now + .seconds(10)
                while !FileManager.default.fileExists(atPath: socket) && ContinuousClock.now < deadline {
                    try await Task.sleep(for: .milliseconds(10))
                }
                #expect(command(of: daemon.pid).hasPrefix("python"), "the daemon is not running yet")
                let status = try await daemon.status()
                #expect(command(of: daemon.pid) == "bindwatchd")
                #expect(status["synced"] == .bool(true))
                #expect(daemon.log.contains("passedSockets=varlink,netlink"), "\(daemon.log)")

                // ss shows each netlink socket's receive buffer (rb, twice what was asked); it
                // lists a socket joined to groups more than once, so every line must say so.
                let sockets = try namespace.exec(["ss", "-f", "netlink", "-m", "-p"])
                let ours = sockets.split(separator: "\n").filter { $0.contains("bindwatchd") }
                #expect(!ours.isEmpty && ours.allSatisfy { $0.contains("rb16777216") }, "\(sockets)")

                // The passed socket carries the kernel's events.
                try namespace.addVeth("veth0", peer: "veth1")
                try namespace.ip("addr", "add", "192.0.2.71/24", "dev", "veth0")
                try await daemon.waitForAddresses("the address added after start") {
                    $0.keys.contains { $0.hasSuffix("/192.0.2.71/24") }
                }
                daemon.signal(SIGTERM)
                #expect(try await daemon.waitForExit() == 0)
                #expect(FileManager.default.fileExists(atPath: socket), "the socket is systemd's: left in place")
            }
        }

        @Test("only the varlink socket passed: the daemon opens its own netlink socket")
        func varlinkOnly() async throws {
            try await NetworkNamespace.with { namespace in
                let directory = try Command.run(["mktemp", "-d"]).trimmingCharacters(in: .whitespacesAndNewlines)
                defer { try? FileManager.default.removeItem(atPath: directory) }
                let socket = "\(directory)/io.bindwatch"
                let daemon = try await RunningDaemon.start(
                    in: namespace, socketPath: socket,
                    launcher: launcher(socket: socket, netlink: false, names: "varlink"))
                defer { daemon.stop() }
                #expect(daemon.log.contains("passedSockets=varlink "), "\(daemon.log)")
                try namespace.addVeth("veth0", peer: "veth1")
                try namespace.ip("addr", "add", "192.0.2.72/24", "dev", "veth0")
                try await daemon.waitForAddresses("the new address") {
                    $0.keys.contains { $0.hasSuffix("/192.0.2.72/24") }
                }
            }
        }

        @Test(
            "a passed descriptor that is not what its name says stops start-up, naming it",
            arguments: ["netlink:varlink", "varlink:varlink:extra"])
        func misnamed(names: String) async throws {
            try await NetworkNamespace.with { namespace in
                let directory = try Command.run(["mktemp", "-d"]).trimmingCharacters(in: .whitespacesAndNewlines)
                defer { try? FileManager.default.removeItem(atPath: directory) }
                let socket = "\(directory)/io.bindwatch"
                let daemon = try RunningDaemon.launch(
                    in: namespace, socketPath: socket, launcher: launcher(socket: socket, names: names))
                defer { daemon.stop() }
                #expect(try await daemon.waitForExit() == 78, "EX_CONFIG")
                #expect(daemon.log.contains("Cannot use the sockets systemd passed"), "\(daemon.log)")
                #expect(daemon.log.contains(names == "netlink:varlink" ? "descriptor 3 (netlink)" : "LISTEN_FDNAMES"))
            }
        }

        @Test("LISTEN_FDS meant for another process is ignored")
        func otherProcess() async throws {
            try await NetworkNamespace.with { namespace in
                let daemon = try await RunningDaemon.start(
                    in: namespace, environment: ["LISTEN_PID": "1", "LISTEN_FDS": "2"])
                defer { daemon.stop() }
                #expect(daemon.log.contains("passedSockets=none"))
                #expect(try await daemon.status()["synced"] == .bool(true))
            }
        }
    }
}
