import BindwatchClient
import BindwatchDaemon
import Foundation
import Glibc
import Testing

extension IntegrationTests {
    /// Clients that misbehave: each is refused or dropped alone, the rejection is logged once,
    /// and the daemon answers `List` correctly right after.
    @Suite("Client abuse")
    struct ClientAbuseTests {
        /// Kibibytes from /proc/PID/status (VmRSS, VmHWM).
        private func memory(_ pid: Int32, _ field: String) throws -> Int {
            let status = try String(contentsOfFile: "/proc/\(pid)/status", encoding: .utf8)
            let line = status.split(separator: "\n").first { $0.hasPrefix(field + ":") } ?? ""
            return Int(line.split(whereSeparator: { $0 == " " || $0 == "\t" }).dropFirst().first ?? "") ?? -1
        }

        private func occurrences(_ text: String, in log: String) -> Int {
            log.components(separatedBy: text).count - 1
        }

        /// Raises this process's soft limit on open files to the hard one, and returns it.
        private func raiseOpenFileLimit() -> rlim_t {
            var limit = rlimit()
            getrlimit(Int32(RLIMIT_NOFILE.rawValue), &limit)
            limit.rlim_cur = limit.rlim_max
            setrlimit(Int32(RLIMIT_NOFILE.rawValue), &limit)
            return limit.rlim_cur
        }

        /// Sends all of `bytes` or stops at the first error (the daemon closed the connection).
        private func sendAll(_ fd: Int32, _ bytes: [UInt8]) -> Int {
            var sent = 0
            while sent < bytes.count {
                let count = bytes[sent...].withUnsafeBytes { send(fd, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) }
                if count <= 0 { break }
                sent += count
            }
            return sent
        }

        /// Reads until EOF or an error; true on EOF (the daemon closed it).
        private func readsToEnd(_ fd: Int32, timeoutSeconds: Int = 10) -> Bool {
            var timeout = timeval(tv_sec: timeoutSeconds, tv_usec: 0)
            setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
            var buffer = [UInt8](repeating: 0, count: 65536)
            while true {
                let count = recv(fd, &buffer, buffer.count, 0)
                if count == 0 { return true }
                if count < 0 { return errno == ECONNRESET }
            }
        }

        @Test("1,000 connections, idle or stalled mid-message, and 1 MiB without a NUL")
        func manyConnections() async throws {
            try #require(raiseOpenFileLimit() > 1200, "the test needs 1,000 descriptors")

            try await withDaemon { namespace, daemon in
                try namespace.addVeth("veth0", peer: "veth1")
                try namespace.ip("addr", "add", "192.0.2.30/24", "dev", "veth0")
                try await expectMatchesKernel(daemon, namespace)
                var connections: [Int32] = []
                defer { for fd in connections { close(fd) } }
                let partial = Array(#"{"method":"io.bindwatch.Li"#.utf8)
                for number in 0..<1000 {
                    let fd = try connectUnix(daemon.socketPath)
                    connections.append(fd)
                    if number % 2 == 1 { _ = sendAll(fd, partial) }  // then silence
                }
                // Every connection is accepted and counted; a normal client is still served.
                let deadline = ContinuousClock.now + .seconds(30)
                while try await daemon.status()["connections"].flatMap({ Int($0.text) }) ?? 0 < 1001 {
                    if ContinuousClock.now > deadline {
                        throw DaemonFailure("the daemon never counted 1,000 connections")
                    }
                    try await Task.sleep(for: .milliseconds(50))
                }
                try await expectMatchesKernel(daemon, namespace)

                let rejectionsBefore = occurrences("unreadable message", in: daemon.log)
                let flood = try connectUnix(daemon.socketPath)
                defer { close(flood) }
                let sent = sendAll(flood, [UInt8](repeating: UInt8(ascii: "x"), count: 1 << 20))
                #expect(sent < 1 << 20, "the daemon stopped reading a message over its 64 KiB limit")
                #expect(readsToEnd(flood), "and closed the connection")
                try await Task.sleep(for: .milliseconds(200))
                #expect(occurrences("unreadable message", in: daemon.log) == rejectionsBefore + 1, "logged once")

                for fd in connections { close(fd) }
                connections.removeAll()
                try await expectMatchesKernel(daemon, namespace)
                #expect(daemon.isRunning)
            }
        }

        @Test("a full listen queue: clients wait for a place, and say so when none comes")
        func fullListenQueue() async throws {
            try #require(raiseOpenFileLimit() > Int(SOMAXCONN) + 200, "the test needs a queue's worth of descriptors")

            // Limits above the queue's depth: every queued connection is accepted, the late client too.
            let limits = ["--max-connections", "8192", "--max-connections-per-user", "8192"]
            try await withDaemon(arguments: limits) { namespace, daemon in
                try namespace.addVeth("veth0", peer: "veth1")
                try namespace.ip("addr", "add", "192.0.2.31/24", "dev", "veth0")
                try await expectMatchesKernel(daemon, namespace)

                // A stopped daemon accepts nothing: non-blocking connects fill its queue until
                // the kernel answers EAGAIN.
                try await daemon.freeze()
                var queued: [Int32] = []
                defer {
                    daemon.signal(SIGCONT)
                    for fd in queued { close(fd) }
                }
                var address = unixAddress(daemon.socketPath)
                while true {
                    let fd = socket(AF_UNIX, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_NONBLOCK.rawValue), 0)
                    try #require(fd >= 0)
                    let result = withUnsafePointer(to: &address) {
                        $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                            connect(fd, $0, socklen_t(MemoryLayout<sockaddr_un>.size))
                        }
                    }
                    let code = errno
                    if result != 0 {
                        close(fd)
                        try #require(code == EAGAIN, "connect: errno \(code)")
                        break
                    }
                    queued.append(fd)
                    try #require(queued.count <= Int(SOMAXCONN) + 1, "the queue holds more than SOMAXCONN")
                }
                // The daemon's queue is as deep as bindwatchd.socket's (one more than the backlog
                // fits on a Unix socket).
                #expect(queued.count == Int(SOMAXCONN) + 1)

                let refused = try Command.runAllowingFailure([
                    IntegrationEnvironment.controlPath, "--socket", daemon.socketPath, "--reply-timeout", "1", "status",
                ])
                #expect(refused.status == 69)
                #expect(
                    refused.error
                        == "bindwatchctl: bindwatchd at \(daemon.socketPath) accepted no connection within 1 seconds: its listen queue stayed full\n"
                )

                // A client that finds the queue full waits; the daemon, resumed, answers it.
                async let answered = BindwatchConnection.withConnection(socketPath: daemon.socketPath, replyTimeout: 20)
                {
                    try await $0.status()
                }
                try await Task.sleep(for: .milliseconds(300))
                daemon.signal(SIGCONT)
                let status = try await answered
                #expect(try await status.addresses == daemon.addresses().count)
                for fd in queued { close(fd) }
                queued.removeAll()
                try await expectMatchesKernel(daemon, namespace)
                #expect(daemon.isRunning)
            }
        }

        @Test("a Watch client that never reads while 100,000 events happen is dropped; the others see every event")
        func stalledWatcher() async throws {
            try await withDaemon { namespace, daemon in
                try namespace.addVeth("veth0", peer: "veth1")
                try await expectMatchesKernel(daemon, namespace)
                let baseline = try memory(daemon.pid, "VmRSS")

                let stalled = try connectUnix(daemon.socketPath)
                defer { close(stalled) }
                var small: Int32 = 4096
                setsockopt(stalled, SOL_SOCKET, SO_RCVBUF, &small, socklen_t(MemoryLayout<Int32>.size))
                _ = sendAll(
                    stalled, Array(#"{"method":"io.bindwatch.Watch","parameters":{"all":true},"more":true}"#.utf8) + [0]
                )

                // The readers are Python processes: a debug-built Swift client in the test process
                // reads more slowly than the daemon writes, and would be dropped itself.
                let readers = try [true, false].map { all in
                    try FastWatchReader(socketPath: daemon.socketPath, all: all, until: "192.0.2.99")
                }
                defer { for reader in readers { reader.stop() } }
                for reader in readers { try await reader.waitUntilReady() }
                // 100 addresses deprecated and made preferred again, 500 times: 100,000 `changed`
                // events. (Additions and removals would not do: the kernel announces a `nodad`
                // IPv6 address from its DAD worker, so one removed at once is never announced,
                // and it is slow to hold many IPv6 addresses on one link.)
                let addresses = (1...100).map { "2001:db8:a5::\(String($0, radix: 16))/64" }
                try Command.run(
                    ["ip", "-n", namespace.name, "-batch", "-"],
                    input: addresses.map { "addr add \($0) dev veth0 nodad\n" }.joined())
                try await daemon.waitForAddresses("the 100 addresses") { $0.count >= 100 }
                let resyncs = try await daemon.status()["resyncs"]?.text
                // In ten batches of 10,000, each once the daemon has applied the one before: a
                // debug-built daemon on a busy machine would otherwise fall behind the kernel
                // and lose events to an overrun, and then no reader could see them all.
                for _ in 0..<10 {
                    let generation = try await daemon.status()["generation"].flatMap { Int($0.text) } ?? 0
                    var lines: [String] = []
                    for _ in 0..<50 {
                        lines += addresses.map { "addr change \($0) dev veth0 preferred_lft 0 valid_lft forever" }
                        lines += addresses.map { "addr change \($0) dev veth0 preferred_lft forever valid_lft forever" }
                    }
                    try Command.run(
                        ["ip", "-n", namespace.name, "-batch", "-"], input: lines.joined(separator: "\n") + "\n")
                    let deadline = ContinuousClock.now + .seconds(120)
                    while try await daemon.status()["generation"].flatMap({ Int($0.text) }) ?? 0 < generation + 10_000 {
                        if ContinuousClock.now > deadline { throw DaemonFailure("the daemon fell behind") }
                        try await Task.sleep(for: .milliseconds(20))
                    }
                }
                // A marker last: once a reader sees it, it has seen everything before it.
                try namespace.ip("addr", "add", "192.0.2.99/24", "dev", "veth0")
                var results: [(all: Bool, events: Int, view: [String: JSONValue])] = []
                for reader in readers {
                    let result = try await reader.result(timeout: .seconds(180))
                    results.append((reader.all, result.events, result.view))
                }
                #expect(try await daemon.status()["resyncs"]?.text == resyncs, "the kernel dropped no event")
                for result in results {
                    let listed = try await daemon.addresses(all: result.all)
                    #expect(Set(result.view.keys) == Set(listed.keys), "Watch(all: \(result.all)) ids != List")
                    for (id, address) in listed {
                        #expect(result.view[id]?["reasons"] == address["reasons"], "\(id)")
                    }
                    if result.all {
                        #expect(result.events >= 100_101, "\(result.events) events")
                    }
                }
                #expect(occurrences("Dropped a subscriber that stopped reading", in: daemon.log) == 1)
                #expect(readsToEnd(stalled), "the stalled client's connection was closed")
                let peak = try memory(daemon.pid, "VmHWM")
                // The backlog is capped at 65,536 messages or 32 MiB, whichever comes first.
                #expect(peak - baseline < 96 * 1024, "peak \(peak) KiB against \(baseline) KiB at start")
                try await expectMatchesKernel(daemon, namespace)
                #expect(daemon.isRunning)
            }
        }
    }
}
