import BindwatchClient
import BindwatchDaemon
import Foundation
import Glibc
import NIOCore
import Testing

extension IntegrationTests {
    @Suite("The varlink socket")
    struct ProtocolTests {
        /// Sends raw bytes on a fresh connection, keeping its sending side open, and returns what
        /// comes back before the daemon closes it, or before nothing more arrives for 5 s.
        private func exchange(_ socketPath: String, _ bytes: [UInt8]) throws -> (reply: [UInt8], closed: Bool) {
            let fd = try connectUnix(socketPath)
            defer { close(fd) }
            _ = bytes.withUnsafeBytes { send(fd, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) }
            return readUntilClosed(fd)
        }

        private func readUntilClosed(_ fd: Int32, seconds: Int = 5) -> (reply: [UInt8], closed: Bool) {
            var timeout = timeval(tv_sec: seconds, tv_usec: 0)
            setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
            var reply: [UInt8] = []
            var buffer = [UInt8](repeating: 0, count: 65536)
            while true {
                let count = recv(fd, &buffer, buffer.count, 0)
                if count == 0 { return (reply, true) }
                if count < 0 { return (reply, false) }
                reply += buffer[..<count]
            }
        }

        @Test("bad input gets a clear error or a closed connection, and the daemon carries on")
        func badInput() async throws {
            try await withDaemon { namespace, daemon in
                let before = try await daemon.addresses()
                let cases: [(String, [UInt8], String?)] = [
                    ("malformed JSON", Array("{\"method\":\0".utf8), "io.bindwatch.ProtocolError"),
                    (
                        "binary garbage", (0..<4096).map { UInt8(truncatingIfNeeded: $0 &* 7919) } + [0],
                        "io.bindwatch.ProtocolError"
                    ),
                    ("invalid UTF-8", [0x7B, 0x22, 0xFF, 0xFE, 0x22, 0x7D, 0], "io.bindwatch.ProtocolError"),
                    (
                        "deep nesting", Array((String(repeating: "[", count: 20000) + "\0").utf8),
                        "io.bindwatch.ProtocolError"
                    ),
                    ("over 64 KiB without NUL", [UInt8](repeating: 0x20, count: 70 * 1024), nil),
                ]
                // The client keeps its side open: the daemon is the one that closes.
                for (name, bytes, expectedError) in cases {
                    let (reply, closed) = try exchange(daemon.socketPath, bytes)
                    let text = String(decoding: reply, as: UTF8.self)
                    if let expectedError { #expect(text.contains(expectedError), "\(name): \(text)") }
                    #expect(closed, "\(name): connection not closed")
                }
                // A call the daemon can read but not serve is an error reply, not a reason to close.
                let kept = try connectUnix(daemon.socketPath)
                defer { close(kept) }
                #expect(try roundTrip(kept, #"{"method":"io.bindwatch.Nope"}"#).contains("MethodNotFound"))
                #expect(try roundTrip(kept, #"{"method":"org.varlink.service.GetInfo"}"#).contains("bindwatchd"))
                // A client stalled mid-message does not delay others.
                let stalled = try connectUnix(daemon.socketPath)
                defer { close(stalled) }
                let partial = Array("{\"method\":\"io.bind".utf8)
                _ = partial.withUnsafeBytes { send(stalled, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) }
                #expect(try await daemon.addresses() == before)
                #expect(daemon.isRunning)
            }
        }

        /// Replies, split at their NULs, parsed.
        private func replies(_ bytes: [UInt8]) throws -> [JSONValue] {
            try bytes.split(separator: 0).map { try JSONParser.parse(Array($0)) }
        }

        @Test(
            "past 64 pipelined calls the daemon answers the calls it took, a pending Wait included, then closes",
            arguments: [false, true])
        func pipelinedPastTheLimit(behindWatch: Bool) async throws {
            try await withDaemon { _, daemon in
                let first =
                    behindWatch
                    ? #"{"method":"io.bindwatch.Watch","more":true}"#
                    : #"{"method":"io.bindwatch.Wait","parameters":{"address":"2001:db8::99","timeout":1}}"#
                let calls = [first] + Array(repeating: #"{"method":"org.varlink.service.GetInfo"}"#, count: 100)
                let (bytes, closed) = try exchange(daemon.socketPath, Array(calls.map { $0 + "\0" }.joined().utf8))
                #expect(closed)
                var answers = try replies(bytes)
                if behindWatch {
                    // The snapshot, then the Watch ends with an error so that the calls behind it
                    // get their answers.
                    #expect(answers.first?["parameters"]?["snapshotComplete"] == .bool(true))
                    answers.removeFirst()
                    #expect(answers.first?["error"] == .string("io.bindwatch.TooManyCalls"), "\(answers.prefix(1))")
                } else {
                    #expect(answers.first?["error"] == .string("io.bindwatch.Timeout"), "\(answers.prefix(1))")
                }
                let infos = answers.dropFirst().filter { $0["parameters"]?["product"] == .string("bindwatchd") }
                // 64 queued, one fewer if the first call was still queued when the limit was reached.
                #expect((63...64).contains(infos.count), "\(answers.count) replies")
                #expect(infos.count == answers.count - 1)
                #expect(daemon.log.contains("Closing a connection that queued too many calls"))
            }
        }

        @Test("bindwatchctl starts no libdispatch worker, and names a daemon that does not answer")
        func bindwatchctlAsSystemTool() async throws {
            let ctl = IntegrationEnvironment.controlPath
            try await withDaemon { _, daemon in
                let waiting = Process()
                waiting.executableURL = URL(fileURLWithPath: ctl)
                waiting.arguments = [
                    "--socket", daemon.socketPath, "wait", "--address", "2001:db8::98", "--timeout", "3",
                ]
                waiting.standardError = FileHandle.nullDevice
                try waiting.run()
                defer { waiting.waitUntilExit() }
                try await Task.sleep(for: .seconds(1))
                let tasks = "/proc/\(waiting.processIdentifier)/task"
                let names = try FileManager.default.contentsOfDirectory(atPath: tasks).map {
                    try String(contentsOfFile: "\(tasks)/\($0)/comm", encoding: .utf8)
                        .trimmingCharacters(in: .whitespacesAndNewlines)
                }
                // The main thread and NIO's loops; libdispatch names its workers after their
                // queue (…default-qos.overcommit). Under a unit's sandbox each logged an error.
                #expect(names.allSatisfy { $0 == "bindwatchctl" || $0.hasPrefix("NIO-") }, "\(names)")
                #expect(names.contains("bindwatchctl"), "\(names)")

                daemon.signal(SIGSTOP)
                defer { daemon.signal(SIGCONT) }
                let silent = try Command.runAllowingFailure([
                    ctl, "--socket", daemon.socketPath, "--reply-timeout", "1", "status",
                ])
                #expect(silent.status == 69)
                #expect(
                    silent.error == "bindwatchctl: bindwatchd at \(daemon.socketPath) did not answer within 1 seconds\n"
                )
            }
        }

        @Test("the Python varlink client reads the interface and calls it")
        func pythonClient() async throws {
            try await withDaemon { namespace, daemon in
                try namespace.addVeth("veth0", peer: "veth1")
                try namespace.ip("addr", "add", "192.0.2.5/24", "dev", "veth0")
                try await daemon.waitForAddresses("the address") {
                    $0.values.contains { $0["address"]?.text == "192.0.2.5" }
                }
                let script = """
                    import json, sys, varlink
                    with varlink.Client(address="unix:" + sys.argv[1]) as client:
                        with client.open("io.bindwatch") as bindwatch:
                            listed = bindwatch.List(family="inet", all=True)
                            status = bindwatch.GetStatus()
                            try:
                                bindwatch.Watch()
                                watch_error = None
                            except varlink.VarlinkError as error:
                                watch_error = error.error()
                            print(json.dumps({"list": listed, "status": status, "watch": watch_error}))
                    """
                let output = try Command.run([IntegrationEnvironment.python, "-c", script, daemon.socketPath])
                let result = try JSONParser.parse(Array(output.utf8))
                let addresses = result["list"]?["addresses"]
                guard case .array(let list)? = addresses else {
                    Issue.record("no addresses: \(output)")
                    return
                }
                #expect(list.contains { $0["address"]?.text == "192.0.2.5" && $0["bindable"] == .bool(true) })
                #expect(result["status"]?["synced"] == .bool(true))
                #expect(result["watch"]?.text == "org.varlink.service.ExpectedMore")
            }
        }

        @Test("a second daemon on a live socket exits non-zero; a stale socket is replaced")
        func socketOwnership() async throws {
            try await withDaemon { namespace, daemon in
                let second = try Command.runAllowingFailure(
                    [
                        "ip", "netns", "exec", namespace.name, IntegrationEnvironment.daemonPath, "--socket",
                        daemon.socketPath,
                    ])
                #expect(second.status != 0)
                #expect(second.error.contains("already listening"), "\(second.error)")
                #expect(try await daemon.status()["synced"] == .bool(true))
            }
            // A socket file nobody listens on.
            try await NetworkNamespace.with { namespace in
                let directory = try Command.run(["mktemp", "-d"]).trimmingCharacters(in: .whitespacesAndNewlines)
                defer { try? FileManager.default.removeItem(atPath: directory) }
                let path = "\(directory)/io.bindwatch"
                let fd = socket(AF_UNIX, Int32(SOCK_STREAM.rawValue), 0)
                var address = sockaddr_un()
                address.sun_family = sa_family_t(AF_UNIX)
                withUnsafeMutableBytes(of: &address.sun_path) { raw in
                    for (index, byte) in path.utf8.enumerated() { raw[index] = byte }
                }
                _ = withUnsafePointer(to: &address) {
                    $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                        bind(fd, $0, socklen_t(MemoryLayout<sockaddr_un>.size))
                    }
                }
                close(fd)
                #expect(FileManager.default.fileExists(atPath: path))
                let daemon = try await RunningDaemon.start(in: namespace, socketPath: path)
                defer { daemon.stop() }
                #expect(try await daemon.status()["synced"] == .bool(true))
            }
        }

        @Test("bindwatchctl: list, status and wait")
        func bindwatchctl() async throws {
            let ctl = IntegrationEnvironment.controlPath
            try await withDaemon { namespace, daemon in
                try namespace.addVeth("veth0", peer: "veth1")
                try namespace.ip("addr", "add", "192.0.2.9/24", "dev", "veth0")
                let listed = try Command.run([ctl, "--socket", daemon.socketPath, "list", "-4", "--all"])
                #expect(listed.contains("192.0.2.9/24"))
                #expect(listed.contains("BINDABLE"))
                // --family says the same as -4; the other family is left out either way.
                let byName = try Command.run([ctl, "--socket", daemon.socketPath, "list", "--family", "inet", "--all"])
                #expect(byName == listed)
                #expect(!byName.contains("::1/128"))
                let both = try Command.runAllowingFailure([
                    ctl, "--socket", daemon.socketPath, "list", "-4", "--family", "inet6",
                ])
                #expect(both.status != 0 && both.error.contains("-4, -6 and --family exclude each other"))
                let waited = try Command.run([
                    ctl, "--socket", daemon.socketPath, "wait", "--interface", "veth0", "-4", "--timeout", "10",
                ])
                #expect(waited.trimmingCharacters(in: .whitespacesAndNewlines) == "192.0.2.9")
                let timedOut = try Command.runAllowingFailure([
                    ctl, "--socket", daemon.socketPath, "wait", "--address", "2001:db8::99", "--timeout", "0.3",
                ])
                #expect(timedOut.status == 1)
                #expect(
                    timedOut.error == "bindwatchctl: timed out after 0.3 s waiting for 2001:db8::99 to be bindable\n")
                let classified = try Command.run([
                    ctl, "--socket", daemon.socketPath, "classify", "1000::1", "192.0.2.9",
                ])
                #expect(classified.contains("outside IANA's 2000::/3"))
                #expect(classified.contains("gateway refused"))
                #expect(classified.contains("Documentation (TEST-NET-1)"))
                let explained = try Command.run([ctl, "--socket", daemon.socketPath, "explain", "192.0.2.9"])
                #expect(explained.contains("veth0 192.0.2.9/24"))
                let json = try Command.run([ctl, "--socket", daemon.socketPath, "status", "--json"])
                #expect(json.contains("\"synced\":true"))
                // The usual failures, in plain words, with EX_UNAVAILABLE.
                let missing = try Command.runAllowingFailure([ctl, "--socket", "/nonexistent/io.bindwatch", "status"])
                #expect(missing.status == 69)
                #expect(
                    missing.error == "bindwatchctl: bindwatchd is not running: no socket at /nonexistent/io.bindwatch\n"
                )
                let stale = "\(daemon.directory)/stale.sock"
                let listener = socket(AF_UNIX, Int32(SOCK_STREAM.rawValue), 0)
                defer { close(listener) }
                var address = unixAddress(stale)
                _ = withUnsafePointer(to: &address) {
                    $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                        bind(listener, $0, socklen_t(MemoryLayout<sockaddr_un>.size))
                    }
                }
                let refused = try Command.runAllowingFailure([ctl, "--socket", stale, "list"])
                #expect(refused.status == 69)
                #expect(refused.error == "bindwatchctl: bindwatchd is not running: nothing listens on \(stale)\n")
                let forbidden = try Command.runAllowingFailure(
                    ["setpriv", "--reuid=65534", "--regid=65534", "--clear-groups", ctl, "--socket", stale, "list"])
                #expect(forbidden.status == 69)
                #expect(forbidden.error.contains("permission denied"), "\(forbidden.error)")
            }
        }
    }
}
