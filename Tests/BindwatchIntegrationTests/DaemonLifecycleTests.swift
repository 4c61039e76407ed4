import BindwatchClient
import BindwatchDaemon
import Foundation
import Glibc
import NIOCore
import Testing

extension IntegrationTests {
    @Suite("Daemon life cycle")
    struct DaemonLifecycleTests {
        @Test("an idle daemon makes no wake-ups")
        func idle() async throws {
            try await withDaemon { namespace, daemon in
                try namespace.addVeth("veth0", peer: "veth1")
                try namespace.ip("addr", "add", "192.0.2.1/24", "dev", "veth0")
                try await daemon.waitForAddresses("the address") {
                    $0.values.contains { $0["address"]?.text == "192.0.2.1" }
                }
                // A Wait that times out uses a timer; it must not leave one behind.
                _ = try? await daemon.call("io.bindwatch.Wait") { json in
                    json.field("address", "2001:db8::77")
                    json.key("timeout")
                    json.double(0.2)
                }
                // Let the veth's link-local DAD and the connections settle.
                try await daemon.waitForAddresses("link-local addresses after DAD") { addresses in
                    addresses.values.filter { $0["address"]?.text.hasPrefix("fe80:") == true }.count == 2
                        && addresses.values.allSatisfy { $0["flags"]?.stringArray.contains("tentative") == false }
                }
                try await Task.sleep(for: .seconds(2))
                let before = try daemon.contextSwitches()
                try await Task.sleep(for: .seconds(5))
                let after = try daemon.contextSwitches()
                var woke: [String: Int] = [:]
                for (thread, count) in after where count != (before[thread] ?? 0) {
                    woke[thread] = count - (before[thread] ?? 0)
                }
                #expect(woke.isEmpty, "threads that woke while idle: \(woke)")
            }
        }

        @Test("runs unprivileged; SO_RCVBUF instead of SO_RCVBUFFORCE")
        func unprivileged() async throws {
            try await NetworkNamespace.with { namespace in
                let daemon = try await RunningDaemon.start(in: namespace, user: (65534, 65534))
                defer { daemon.stop() }
                try namespace.addVeth("veth0", peer: "veth1")
                try namespace.ip("addr", "add", "2001:db8:99::1/64", "dev", "veth0", "nodad")
                try await daemon.waitForAddresses("the address") {
                    $0.values.contains { $0["address"]?.text == "2001:db8:99::1" }
                }
                try await expectMatchesKernel(daemon, namespace)
                #expect(daemon.log.contains("forced=false"))
            }
        }

        @Test("SIGTERM stops it cleanly, Watch clients open; the socket is removed; its mode is 0666")
        func gracefulShutdown() async throws {
            try await NetworkNamespace.with { namespace in
                let daemon = try await RunningDaemon.start(in: namespace)
                let attributes = try FileManager.default.attributesOfItem(atPath: daemon.socketPath)
                #expect((attributes[.posixPermissions] as? Int) == 0o666)
                let watcher = try connectUnix(daemon.socketPath)
                defer { close(watcher) }
                #expect(
                    try roundTrip(watcher, "{\"method\":\"io.bindwatch.Watch\",\"more\":true}").contains(
                        "snapshotComplete"))
                daemon.signal(SIGTERM)
                #expect(try await daemon.waitForExit() == 0, "bindwatchd did not stop within 15 s of SIGTERM")
                #expect(!FileManager.default.fileExists(atPath: daemon.socketPath))
                daemon.stop()
            }
        }

        @Test("SIGINT stops it cleanly too")
        func interrupt() async throws {
            try await NetworkNamespace.with { namespace in
                let daemon = try await RunningDaemon.start(in: namespace)
                daemon.signal(SIGINT)
                #expect(try await daemon.waitForExit() == 0, "bindwatchd did not stop within 15 s of SIGINT")
                #expect(daemon.log.contains("Received a signal to stop"))
                daemon.stop()
            }
        }

        @Test("its threads: the main thread and one event loop, which reads netlink, signals and clients")
        func threads() async throws {
            try await withDaemon { _, daemon in
                _ = try await daemon.status()
                let names = try FileManager.default.contentsOfDirectory(atPath: "/proc/\(daemon.pid)/task").map {
                    try String(contentsOfFile: "/proc/\(daemon.pid)/task/\($0)/comm", encoding: .utf8)
                        .trimmingCharacters(in: .whitespacesAndNewlines)
                }
                // A change is read, applied and written to subscribers on one thread: no reader
                // thread, no loop per core, no libdispatch worker (named after its queue,
                // …default-qos.overcommit), whatever the machine's core count.
                #expect(names.count == 2, "\(names)")
                #expect(names.count(where: { $0.hasPrefix("NIO-") }) == 1, "\(names)")
                #expect(!names.contains { $0.contains("qos") || $0.contains("dispatch") }, "\(names)")
            }
        }

        @Test("connection limits per user: the connection over the limit is closed")
        func connectionLimit() async throws {
            try await withDaemon(arguments: ["--max-connections-per-user", "3"]) { namespace, daemon in
                var held: [Int32] = []
                defer { held.forEach { close($0) } }
                // Each held connection answers a call, so the daemon has admitted it.
                for _ in 0..<3 {
                    let fd = try connectUnix(daemon.socketPath)
                    held.append(fd)
                    #expect(try roundTrip(fd, "{\"method\":\"io.bindwatch.GetStatus\"}").contains("\"synced\":true"))
                }
                let refused = try connectUnix(daemon.socketPath)
                defer { close(refused) }
                #expect(
                    try roundTrip(refused, "{\"method\":\"io.bindwatch.GetStatus\"}").isEmpty,
                    "the connection over the limit was answered")
                // The ones within the limit still work.
                #expect(try roundTrip(held[0], "{\"method\":\"io.bindwatch.GetStatus\"}").contains("\"connections\":3"))
                #expect(daemon.log.contains("per-user connection limit"))
            }
        }

        @Test("4,096 connections in all, by default: four users at their 1,024 each fill it, the next is refused")
        func totalConnectionLimit() async throws {
            var limit = rlimit()
            getrlimit(Int32(RLIMIT_NOFILE.rawValue), &limit)
            try #require(limit.rlim_max > 4200, "the daemon needs 4,096 descriptors")
            try await withDaemon { _, daemon in
                try Command.run(["chmod", "0755", daemon.directory])
                // Each helper holds its connections until its standard input ends.
                var helpers: [(process: Process, input: Pipe)] = []
                func release(_ helper: (process: Process, input: Pipe)) {
                    try? helper.input.fileHandleForWriting.close()
                    helper.process.waitUntilExit()
                }
                defer { helpers.forEach(release) }
                for user in 40001...40004 {
                    let process = Process()
                    process.executableURL = URL(fileURLWithPath: "/usr/bin/setpriv")
                    process.arguments = [
                        // Debian's python3: a user's own interpreter (pyenv under /root) is not
                        // readable by these users.
                        "--reuid=\(user)", "--regid=\(user)", "--clear-groups", "/usr/bin/python3",
                        Command.script("hold-connections.py"), daemon.socketPath, "1024",
                    ]
                    let input = Pipe()
                    let output = Pipe()
                    process.standardInput = input
                    process.standardOutput = output
                    try process.run()
                    helpers.append((process, input))
                    var line: [UInt8] = []
                    while let byte = try output.fileHandleForReading.read(upToCount: 1)?.first, byte != 10 {
                        line.append(byte)
                    }
                    #expect(String(decoding: line, as: UTF8.self) == #"{"answered": 1024, "closed": 0}"#, "\(user)")
                }
                let refused = try connectUnix(daemon.socketPath)
                defer { close(refused) }
                #expect(try roundTrip(refused, #"{"method":"io.bindwatch.GetStatus"}"#).isEmpty)
                #expect(daemon.log.contains("total connection limit (4096) reached"))
                // A user's connections closing makes room again.
                release(helpers.removeFirst())
                let admitted = try connectUnix(daemon.socketPath)
                defer { close(admitted) }
                #expect(
                    try roundTrip(admitted, #"{"method":"io.bindwatch.GetStatus"}"#).contains("\"connections\":3073"))
            }
        }
    }
}

/// Sends one message (NUL added) and reads until a NUL, the end of the connection, or 5 s.
func roundTrip(_ fd: Int32, _ message: String) throws -> String {
    let bytes = Array(message.utf8) + [0]
    _ = bytes.withUnsafeBytes { send(fd, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) }
    var timeout = timeval(tv_sec: 5, tv_usec: 0)
    setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
    var reply: [UInt8] = []
    var byte: UInt8 = 0
    while recv(fd, &byte, 1, 0) == 1 && byte != 0 { reply.append(byte) }
    return String(decoding: reply, as: UTF8.self)
}

/// A Unix socket address for a filesystem path.
func unixAddress(_ path: String) -> sockaddr_un {
    var address = sockaddr_un()
    address.sun_family = sa_family_t(AF_UNIX)
    withUnsafeMutableBytes(of: &address.sun_path) { raw in
        for (index, byte) in path.utf8.prefix(raw.count - 1).enumerated() { raw[index] = byte }
    }
    return address
}

/// A connected Unix stream socket, or a thrown error.
func connectUnix(_ path: String) throws -> Int32 {
    let fd = socket(AF_UNIX, Int32(SOCK_STREAM.rawValue), 0)
    var address = unixAddress(path)
    let result = withUnsafePointer(to: &address) {
        $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
            connect(fd, $0, socklen_t(MemoryLayout<sockaddr_un>.size))
        }
    }
    guard result == 0 else {
        close(fd)
        throw DaemonFailure("connect \(path): errno \(errno)")
    }
    return fd
}

extension IntegrationTests {
    @Suite("systemd notification protocol")
    struct NotifyTests {
        /// A datagram socket playing systemd's part; returns each message received.
        final class NotifyListener {
            let path: String
            let fd: Int32

            init(directory: String) throws {
                path = "\(directory)/notify"
                fd = socket(AF_UNIX, Int32(SOCK_DGRAM.rawValue), 0)
                var address = unixAddress(path)
                let bound = withUnsafePointer(to: &address) {
                    $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                        bind(fd, $0, socklen_t(MemoryLayout<sockaddr_un>.size))
                    }
                }
                guard bound == 0 else { throw DaemonFailure("bind \(path): errno \(errno)") }
                var timeout = timeval(tv_sec: 10, tv_usec: 0)
                setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
            }

            deinit { close(fd) }

            /// The next datagram, or nil after 10 s.
            func next() -> String? {
                var buffer = [UInt8](repeating: 0, count: 4096)
                let count = recv(fd, &buffer, buffer.count, 0)
                return count > 0 ? String(decoding: buffer[..<count], as: UTF8.self) : nil
            }
        }

        @Test("SIGHUP rereads the config: a policy change shows at once; an invalid file is refused")
        func reload() async throws {
            try await NetworkNamespace.with { namespace in
                let directory = try Command.run(["mktemp", "-d"]).trimmingCharacters(in: .whitespacesAndNewlines)
                defer { try? FileManager.default.removeItem(atPath: directory) }
                let config = "\(directory)/bindwatch.yaml"
                try "policy:\n  excludeInterfaces: [veth*]\n".write(toFile: config, atomically: true, encoding: .utf8)
                let daemon = try await RunningDaemon.start(in: namespace, arguments: ["--config", config])
                defer { daemon.stop() }
                try namespace.addVeth("veth0", peer: "veth1")
                try namespace.ip("addr", "add", "192.0.2.44/24", "dev", "veth0")
                let id = "\(try namespace.ifindex("veth0"))/192.0.2.44/24"
                try await daemon.waitForAddresses("the excluded address") {
                    $0[id]?["reasons"]?.stringArray == ["interface-excluded"]
                }

                try "policy:\n  excludeInterfaces: []\n".write(toFile: config, atomically: true, encoding: .utf8)
                daemon.signal(SIGHUP)
                try await daemon.waitForAddresses("bindable after the reload") { $0[id]?["bindable"] == .bool(true) }

                try "policy:\n  link: sideways\n  excludeInterfaces: [veth*]\n".write(
                    toFile: config, atomically: true, encoding: .utf8)
                daemon.signal(SIGHUP)
                let deadline = ContinuousClock.now + .seconds(10)
                while !daemon.log.contains("Configuration reload refused") && ContinuousClock.now < deadline {
                    try await Task.sleep(for: .milliseconds(20))
                }
                #expect(daemon.log.contains("policy.link"), "the refusal names the key")
                #expect(try await daemon.addresses()[id]?["bindable"] == .bool(true), "the old settings stay")
                #expect(daemon.isRunning)

                // The log: the verdict the reload changed, then one config-reloaded line; the
                // refused reload logs none.
                let events = try EventLogLines(file: daemon.eventLogPath).events
                let reloaded = events.indices.filter { events[$0]["type"]?.text == "config-reloaded" }
                #expect(reloaded.count == 1)
                if let line = reloaded.first {
                    // veth0's and veth1's link-local addresses change too.
                    let changes = events[..<line].reversed().prefix { $0["type"]?.text == "changed" }
                    #expect(events[line]["addressEvents"]?.text == "\(changes.count)")
                    let change = changes.first { $0["id"]?.text == id }
                    #expect(change?["changes"]?["bindable"] == .array([.bool(false), .bool(true)]))
                }
            }
        }

        @Test("bindwatchctl reload: applies a good file, refuses a bad one naming key, source and problem")
        func reloadCall() async throws {
            let ctl = IntegrationEnvironment.controlPath
            try await NetworkNamespace.with { namespace in
                let directory = try Command.run(["mktemp", "-d"]).trimmingCharacters(in: .whitespacesAndNewlines)
                defer { try? FileManager.default.removeItem(atPath: directory) }
                try Command.run(["chmod", "0755", directory])
                let config = "\(directory)/bindwatch.yaml"
                try "policy:\n  excludeInterfaces: [veth*]\n".write(toFile: config, atomically: true, encoding: .utf8)
                // As an unprivileged user, as under systemd: its own user may reload it.
                let user = (uid: 40010, gid: 40010)
                let daemon = try await RunningDaemon.start(in: namespace, user: user, arguments: ["--config", config])
                defer { daemon.stop() }
                try namespace.addVeth("veth0", peer: "veth1")
                try namespace.ip("addr", "add", "192.0.2.45/24", "dev", "veth0")
                let id = "\(try namespace.ifindex("veth0"))/192.0.2.45/24"
                try await daemon.waitForAddresses("the excluded address") {
                    $0[id]?["reasons"]?.stringArray == ["interface-excluded"]
                }
                func reload(as uid: Int?) throws -> (status: Int32, output: String, error: String) {
                    let asUser = uid.map { ["setpriv", "--reuid=\($0)", "--regid=\($0)", "--clear-groups"] } ?? []
                    return try Command.runAllowingFailure(asUser + [ctl, "--socket", daemon.socketPath, "reload"])
                }

                try "policy:\n  excludeInterfaces: []\n".write(toFile: config, atomically: true, encoding: .utf8)
                let applied = try reload(as: user.uid)
                #expect(applied.status == 0, "\(applied.error)")
                #expect(applied.output.isEmpty && applied.error.isEmpty)
                // Done when the call returns: no waiting for the change to show.
                #expect(try await daemon.addresses()[id]?["bindable"] == .bool(true))

                try "policy:\n  link: sideways\n  excludeInterfaces: [veth*]\n".write(
                    toFile: config, atomically: true, encoding: .utf8)
                let refused = try reload(as: nil)
                #expect(refused.status == 1)
                #expect(
                    refused.error
                        == "bindwatchctl: configuration refused, the old settings stay in force: policy.link in "
                        + "config file \(config): expected any, up or running\n")
                #expect(try await daemon.addresses()[id]?["bindable"] == .bool(true), "the old settings stay")
                do {
                    _ = try await daemon.call("io.bindwatch.Reload")
                    Issue.record("the invalid file was accepted")
                } catch let error as VarlinkClient.CallError {
                    #expect(error.name == "io.bindwatch.InvalidConfiguration")
                    #expect(error.parameters["key"] == .string("policy.link"))
                    #expect(error.parameters["source"] == .string("config file \(config)"))
                    #expect(error.parameters["problem"] == .string("expected any, up or running"))
                }

                // Anyone else is refused before the file is read.
                let stranger = try reload(as: 65534)
                #expect(stranger.status == 1)
                #expect(stranger.error == "bindwatchctl: only root and bindwatchd's own user may reload it\n")

                // A change that needs a restart is applied as far as it can be, and said.
                try "limits:\n  connections: 100\n".write(toFile: config, atomically: true, encoding: .utf8)
                let partly = try reload(as: nil)
                #expect(partly.status == 0)
                #expect(partly.output == "reloaded; these take effect only after a restart: limits.connections\n")
                #expect(daemon.isRunning)
            }
        }

        @Test("diagnostics carry journald priority prefixes when stderr is the journal stream")
        func journalPrefixes() async throws {
            try await NetworkNamespace.with { namespace in
                let daemon = try await RunningDaemon.start(
                    in: namespace, journalStream: true, arguments: ["--log-level", "info"])
                defer { daemon.stop() }
                let lines = daemon.log.split(separator: "\n")
                #expect(lines.contains { $0.hasPrefix("<6>Listening socket=") }, "\(lines.prefix(5))")
                #expect(lines.allSatisfy { $0.first == "<" }, "\(lines.prefix(5))")
            }
        }

        @Test("READY=1 with STATUS once serving, WATCHDOG=1 at half the interval, STOPPING=1 on SIGTERM")
        func notifications() async throws {
            try await NetworkNamespace.with { namespace in
                let directory = try Command.run(["mktemp", "-d"]).trimmingCharacters(in: .whitespacesAndNewlines)
                defer { try? FileManager.default.removeItem(atPath: directory) }
                let listener = try NotifyListener(directory: directory)
                let daemon = try await RunningDaemon.start(
                    in: namespace, environment: ["NOTIFY_SOCKET": listener.path, "WATCHDOG_USEC": "400000"])
                defer { daemon.stop() }
                let ready = listener.next()
                #expect(ready?.hasPrefix("READY=1\nSTATUS=") == true, "\(String(describing: ready))")
                #expect(ready?.contains("addresses") == true)
                #expect(listener.next() == "WATCHDOG=1")
                #expect(listener.next() == "WATCHDOG=1")
                daemon.signal(SIGTERM)
                var rest: [String] = []
                while let message = listener.next() {
                    rest.append(message)
                    if message == "STOPPING=1" { break }
                }
                #expect(rest.last == "STOPPING=1")
                #expect(try await daemon.waitForExit() == 0)
            }
        }
    }
}
