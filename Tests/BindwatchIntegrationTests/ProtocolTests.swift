import BindwatchCore
import Foundation
import Glibc
import NIOCore
import Testing

extension IntegrationTests {
    @Suite("The varlink socket")
    struct ProtocolTests {
        /// Sends raw bytes on a fresh connection and returns what comes back before the daemon
        /// closes it (or the short read timeout passes).
        private func exchange(_ socketPath: String, _ bytes: [UInt8], closeWrite: Bool = true) throws -> (
            reply: [UInt8], closed: Bool
        ) {
            let fd = try connectUnix(socketPath)
            defer { close(fd) }
            var timeout = timeval(tv_sec: 5, tv_usec: 0)
            setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
            _ = bytes.withUnsafeBytes { send(fd, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) }
            if closeWrite { shutdown(fd, Int32(SHUT_WR)) }
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
                    (
                        "unknown method", Array("{\"method\":\"io.bindwatch.Nope\"}\0".utf8),
                        "org.varlink.service.MethodNotFound"
                    ),
                ]
                for (name, bytes, expectedError) in cases {
                    let (reply, closed) = try exchange(daemon.socketPath, bytes)
                    let text = String(decoding: reply, as: UTF8.self)
                    if let expectedError { #expect(text.contains(expectedError), "\(name): \(text)") }
                    #expect(closed, "\(name): connection not closed")
                }
                // A client stalled mid-message does not delay others.
                let stalled = try connectUnix(daemon.socketPath)
                defer { close(stalled) }
                let partial = Array("{\"method\":\"io.bind".utf8)
                _ = partial.withUnsafeBytes { send(stalled, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) }
                #expect(try await daemon.addresses() == before)
                #expect(daemon.isRunning)
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
                let waited = try Command.run([
                    ctl, "--socket", daemon.socketPath, "wait", "--interface", "veth0", "-4", "--timeout", "10",
                ])
                #expect(waited.trimmingCharacters(in: .whitespacesAndNewlines) == "192.0.2.9")
                let timedOut = try Command.runAllowingFailure([
                    ctl, "--socket", daemon.socketPath, "wait", "--address", "2001:db8::99", "--timeout", "0.3",
                ])
                #expect(timedOut.status == 1)
                #expect(timedOut.error.contains("within 0.3 seconds"))
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
                let missing = try Command.runAllowingFailure([ctl, "--socket", "/nonexistent/io.bindwatch", "status"])
                #expect(missing.status == 69)
                #expect(missing.error.contains("cannot talk to bindwatchd"))
            }
        }
    }
}
