import BindwatchClient
import BindwatchDaemon
import Foundation
import Glibc
import Testing

extension IntegrationTests {
    /// Storms: after each, the daemon's table equals `ip -j addr` address for address (and bind()
    /// agrees with its verdicts), and every Watch client's snapshot + events equals `List`.
    @Suite("Storms")
    struct StormTests {
        /// The interface names the daemon reports must be the kernel's current ones.
        private func expectInterfaceNames(_ daemon: RunningDaemon, _ namespace: NetworkNamespace) async throws {
            let kernel = try KernelAddress.all(in: namespace)
            let names = Dictionary(kernel.map { ($0.id, $0.interface) }, uniquingKeysWith: { first, _ in first })
            for (id, address) in try await daemon.addresses() {
                #expect(address["interface"]?.text == names[id], "\(id)")
            }
        }

        @Test("link flaps at a high rate for seconds")
        func linkFlaps() async throws {
            try await withDaemon { namespace, daemon in
                try namespace.addVeth("veth0", peer: "veth1")
                try namespace.ip("addr", "add", "192.0.2.10/24", "dev", "veth0")
                try namespace.batchAddresses("add", 1...50, prefix: "2001:db8:5::", device: "veth0")
                try await withWatchMirrors(daemon) { mirrors in
                    // Down deletes the IPv6 addresses, up brings back the link-local one; IPv4 stays.
                    let flaps = (0..<200).flatMap { _ in ["link set veth0 down", "link set veth0 up"] }
                    let started = ContinuousClock.now
                    var rounds = 0
                    while ContinuousClock.now - started < .seconds(3) {
                        try namespace.batch(flaps)
                        rounds += 1
                    }
                    #expect(rounds >= 2, "\(rounds * 400) flaps")
                    try namespace.batchAddresses("add", 1...50, prefix: "2001:db8:6::", device: "veth0")
                    try await expectMatchesKernel(daemon, namespace, timeout: .seconds(60))
                    for mirror in mirrors { try await mirror.expectConverges(to: daemon) }
                }
            }
        }

        @Test("an interface with 1,000 addresses deleted at once")
        func deleteBusyLink() async throws {
            try await withDaemon { namespace, daemon in
                try namespace.addVeth("veth0", peer: "veth1")
                try namespace.addVeth("veth2", peer: "veth3")
                try namespace.ip("addr", "add", "192.0.2.20/24", "dev", "veth2")
                try namespace.batchAddresses("add", 1...1000, prefix: "2001:db8:7::", device: "veth0")
                try await expectMatchesKernel(daemon, namespace, timeout: .seconds(60))
                try await withWatchMirrors(daemon) { mirrors in
                    try namespace.ip("link", "del", "veth0")
                    try await expectMatchesKernel(daemon, namespace, timeout: .seconds(60))
                    #expect(try await daemon.addresses().keys.allSatisfy { !$0.contains("2001:db8:7::") })
                    for mirror in mirrors { try await mirror.expectConverges(to: daemon) }
                    #expect(mirrors[0].events >= 1000)
                }
            }
        }

        @Test("renames during churn")
        func renamesDuringChurn() async throws {
            try await withDaemon { namespace, daemon in
                try namespace.addVeth("veth0", peer: "veth1")
                try await withWatchMirrors(daemon) { mirrors in
                    // Adds, deletes and renames interleaved in one batch: the kernel applies them in
                    // order while the daemon reads.
                    var lines: [String] = []
                    var name = "veth0"
                    for round in 1...40 {
                        lines += NetworkNamespace.addressLines(
                            "add", 1...30, prefix: "2001:db8:\(String(round, radix: 16))::", device: name)
                        let next = "churn\(round)"
                        lines.append("link set \(name) name \(next)")
                        name = next
                        if round > 1 {
                            lines += NetworkNamespace.addressLines(
                                "del", 1...30, prefix: "2001:db8:\(String(round - 1, radix: 16))::", device: name)
                        }
                        lines.append("addr add 198.51.100.\(round)/32 dev \(name)")
                    }
                    try namespace.batch(lines)
                    try await expectMatchesKernel(daemon, namespace, timeout: .seconds(60))
                    try await expectInterfaceNames(daemon, namespace)
                    for mirror in mirrors { try await mirror.expectConverges(to: daemon) }
                }
            }
        }

        @Test("changes while the daemon is stopped (SIGSTOP) overrun its buffer; Watch clients still agree")
        func overrunWithWatchers() async throws {
            try await withDaemon(arguments: ["--netlink-receive-buffer", "32768"]) { namespace, daemon in
                try namespace.addVeth("veth0", peer: "veth1")
                try namespace.batchAddresses("add", 1...500, prefix: "2001:db8:8::", device: "veth0")
                try await expectMatchesKernel(daemon, namespace, timeout: .seconds(60))
                try await withWatchMirrors(daemon) { mirrors in
                    let resyncs = try await daemon.status()["resyncs"]
                    daemon.signal(SIGSTOP)
                    try namespace.batchAddresses("del", 1...500, prefix: "2001:db8:8::", device: "veth0")
                    try namespace.batchAddresses("add", 1...1500, prefix: "2001:db8:9::", device: "veth0")
                    try namespace.ip("link", "set", "veth0", "name", "renamed0")
                    daemon.signal(SIGCONT)
                    try await expectMatchesKernel(daemon, namespace, timeout: .seconds(60))
                    try await expectInterfaceNames(daemon, namespace)
                    #expect(try await daemon.status()["resyncs"] != resyncs, "the kernel dropped events")
                    for mirror in mirrors { try await mirror.expectConverges(to: daemon) }
                }
            }
        }
    }
}
