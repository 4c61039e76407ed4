import BindwatchClient
import BindwatchDaemon
import Foundation
import Glibc
import Testing

extension IntegrationTests {
    /// `wait --settled` against the kernel: when it returns, every address it covers binds.
    @Suite("Waiting for settled addresses")
    struct StartupWaitTests {
        /// `bindwatchctl --socket … ARGUMENTS`.
        private func ctl(_ daemon: RunningDaemon, _ arguments: String...) throws -> (
            status: Int32, output: String, error: String
        ) {
            try Command.runAllowingFailure(
                [IntegrationEnvironment.controlPath, "--socket", daemon.socketPath] + arguments)
        }

        /// The kernel's addresses on `interface`, with the scope id link-local ones need to bind.
        private func bindableTexts(_ namespace: NetworkNamespace, _ interface: String) throws -> [String] {
            let ifindex = try namespace.ifindex(interface)
            return try KernelAddress.all(in: namespace).filter { $0.interface == interface }.map {
                $0.local.hasPrefix("fe80:") ? "\($0.local)%\(ifindex)" : $0.local
            }
        }

        /// A daemon in a namespace with veth0 (veth1 in a peer namespace), veth0's link-local
        /// address through DAD (the default, one probe), and DAD of addresses added later taking
        /// `seconds` (one probe a second).
        private func withSlowDAD(
            seconds: Int, _ body: (NetworkNamespace, NetworkNamespace, RunningDaemon) async throws -> Void
        ) async throws {
            try await NetworkNamespace.with { peer in
                try await withDaemon { namespace, daemon in
                    try namespace.addVeth("veth0", peer: "veth1", in: peer)
                    let deadline = ContinuousClock.now + .seconds(15)
                    while !(try KernelAddress.all(in: namespace).contains {
                        $0.interface == "veth0" && $0.local.hasPrefix("fe80:") && !$0.flags.contains("tentative")
                    }) {
                        guard ContinuousClock.now < deadline else {
                            throw DaemonFailure("veth0's link-local never settled")
                        }
                        try await Task.sleep(for: .milliseconds(50))
                    }
                    try namespace.sysctl("net.ipv6.conf.veth0.dad_transmits=\(seconds)")
                    try await body(namespace, peer, daemon)
                }
            }
        }

        @Test("right after ip addr add: a plain wait returns at once, the settled one only when every address binds")
        func settledAfterAdd() async throws {
            try await withSlowDAD(seconds: 3) { namespace, peer, daemon in
                try namespace.ip("addr", "add", "2001:db8:a::1/64", "dev", "veth0")
                // The call arrives before the daemon has read the kernel's announcement.
                let settled = try ctl(daemon, "wait", "--settled", "--interface", "veth0", "--timeout", "30")
                #expect(settled.status == 0, "\(settled.error)")
                // Right after: nothing on veth0 is tentative any more, and every address binds.
                let kernel = try KernelAddress.all(in: namespace).filter { $0.interface == "veth0" }
                #expect(!kernel.contains { $0.flags.contains("tentative") }, "\(kernel)")
                let texts = try bindableTexts(namespace, "veth0")
                let results = try namespace.bindResults(texts)
                #expect(results.values.allSatisfy { $0 == 0 }, "\(results)")
                let printed = Set(settled.output.split(separator: "\n").map(String.init))
                let linkLocal = try #require(kernel.first { $0.local.hasPrefix("fe80:") })
                #expect(printed == ["2001:db8:a::1", "\(linkLocal.local)%veth0"])

                // The failure it prevents: a plain wait is satisfied by the link-local
                // address while a new global one is still tentative, and binding that fails.
                try namespace.ip("addr", "add", "2001:db8:a::2/64", "dev", "veth0")
                let plain = try ctl(daemon, "wait", "--interface", "veth0", "--timeout", "30")
                #expect(plain.status == 0)
                #expect(try namespace.bindResults(["2001:db8:a::2"])["2001:db8:a::2"] == Int(EADDRNOTAVAIL))
                try await expectMatchesKernel(daemon, namespace)
            }
        }

        @Test("a timeout fails with status 1 and names each address still in DAD")
        func timeoutNamesPending() async throws {
            try await withSlowDAD(seconds: 20) { namespace, peer, daemon in
                try namespace.ip("addr", "add", "2001:db8:b::1/64", "dev", "veth0")
                let result = try ctl(daemon, "wait", "--settled", "--interface", "veth0", "--timeout", "1")
                #expect(result.status == 1)
                #expect(result.output.isEmpty)
                #expect(result.error.contains("bindwatchctl: 2001:db8:b::1 on veth0: tentative"), "\(result.error)")
                #expect(result.error.contains("timed out after 1 s waiting for veth0 to settle"), "\(result.error)")
            }
        }

        @Test("--scope global: a link-local address alone does not settle the link; every bindable one is printed")
        func scopeGlobal() async throws {
            try await withSlowDAD(seconds: 1) { namespace, peer, daemon in
                let early = try ctl(
                    daemon, "wait", "--settled", "--scope", "global", "--interface", "veth0", "--timeout", "1")
                #expect(early.status == 1)
                #expect(early.error.contains("veth0 to settle with a global bindable address"), "\(early.error)")
                try namespace.ip("addr", "add", "2001:db8:c::1/64", "dev", "veth0", "nodad")
                let done = try ctl(
                    daemon, "wait", "--settled", "--scope", "global", "--interface", "veth0", "--timeout", "10")
                #expect(done.status == 0, "\(done.error)")
                let lines = done.output.split(separator: "\n")
                #expect(lines.first == "2001:db8:c::1")
                #expect(lines.count == 2 && lines[1].hasPrefix("fe80:") && lines[1].hasSuffix("%veth0"))
            }
        }

        @Test("loopback addresses alone match no Wait unless it names them")
        func loopbackOnly() async throws {
            try await withDaemon { _, daemon in
                for settled in [false, true] {
                    let replies = try await daemon.waitCall(settled: settled, timeout: 0.5)
                    #expect(replies.error == "io.bindwatch.Timeout", "settled: \(settled): \(replies)")
                }
                let named = try ctl(daemon, "wait", "--settled", "--interface", "lo", "--timeout", "5")
                #expect(named.status == 0)
                #expect(named.output == "::1\n127.0.0.1\n")
                let address = try ctl(daemon, "wait", "--address", "127.0.0.1", "--timeout", "5")
                #expect(address.output == "127.0.0.1\n")
            }
        }

        @Test(
            "a DAD failure does not hold the wait; what it prints binds; the failure is named, and why a wait for it times out"
        )
        func dadFailureDoesNotHold() async throws {
            try await withSlowDAD(seconds: 1) { namespace, peer, daemon in
                try peer.ip("addr", "add", "2001:db8:d::1/64", "dev", "veth1", "nodad")
                try namespace.ip("addr", "add", "2001:db8:d::1/64", "dev", "veth0")
                try namespace.ip("addr", "add", "2001:db8:d::2/64", "dev", "veth0")
                let result = try ctl(daemon, "wait", "--settled", "--interface", "veth0", "--timeout", "20")
                #expect(result.status == 0, "\(result.error)")
                let printed = result.output.split(separator: "\n").map(String.init)
                #expect(printed.first == "2001:db8:d::2")
                #expect(!printed.contains("2001:db8:d::1"))
                let kernel = try KernelAddress.all(in: namespace).first { $0.local == "2001:db8:d::1" }
                #expect(kernel?.flags.contains("dadfailed") == true)
                let ifindex = try namespace.ifindex("veth0")
                let texts = printed.map { $0.replacingOccurrences(of: "%veth0", with: "%\(ifindex)") }
                #expect(try namespace.bindResults(texts).values.allSatisfy { $0 == 0 })
                #expect(
                    result.error == "bindwatchctl: 2001:db8:d::1 on veth0 failed DAD (dadfailed) and does not bind\n")
                #expect(try namespace.bindResults(["2001:db8:d::1"])["2001:db8:d::1"] == Int(EADDRNOTAVAIL))

                let named = try ctl(daemon, "wait", "--address", "2001:db8:d::1", "--timeout", "1")
                #expect(named.status == 1)
                #expect(
                    named.error
                        == "bindwatchctl: timed out after 1 s waiting for 2001:db8:d::1 to be bindable\n"
                        + "bindwatchctl: 2001:db8:d::1 on veth0: not bindable: dadfailed\n")
            }
        }

        @Test("an address in DAD on a link that is down does not hold a wait for the host")
        func linkDownIsNotPending() async throws {
            try await withSlowDAD(seconds: 1) { namespace, peer, daemon in
                try namespace.ip("addr", "add", "2001:db8:e::1/64", "dev", "veth0", "nodad")
                // veth2 stays down: DAD cannot run, the address stays tentative.
                try namespace.ip("link", "add", "veth2", "type", "veth", "peer", "name", "veth3")
                try namespace.ip("addr", "add", "2001:db8:e::2/64", "dev", "veth2")
                let down = try #require(try KernelAddress.all(in: namespace).first { $0.local == "2001:db8:e::2" })
                #expect(down.flags.contains("tentative"))
                let result = try ctl(daemon, "wait", "--settled", "--scope", "global", "--timeout", "10")
                #expect(result.status == 0, "\(result.error)")
                #expect(result.output.hasPrefix("2001:db8:e::1\n"))
                #expect(!result.output.contains("2001:db8:e::2"))
            }
        }

        @Test("wait --settled --address: that address, once out of DAD")
        func oneAddress() async throws {
            try await withSlowDAD(seconds: 2) { namespace, peer, daemon in
                try namespace.ip("addr", "add", "2001:db8:f::1/64", "dev", "veth0")
                let result = try ctl(daemon, "wait", "--settled", "--address", "2001:db8:f::1", "--timeout", "20")
                #expect(result.status == 0, "\(result.error)")
                #expect(result.output == "2001:db8:f::1\n")
                #expect(try namespace.bindResults(["2001:db8:f::1"])["2001:db8:f::1"] == 0)
            }
        }
    }
}

extension RunningDaemon {
    /// A Wait call without filters: its reply's parameters, or the error it failed with.
    func waitCall(settled: Bool, timeout: Double) async throws -> (parameters: [String: JSONValue], error: String?) {
        do {
            let replies = try await call("io.bindwatch.Wait") { json in
                if settled { json.field("settled", true) }
                json.key("timeout")
                json.double(timeout)
            }
            return (replies.first?.parameters ?? [:], nil)
        } catch let error as VarlinkClient.CallError {
            return (error.parameters, error.name)
        }
    }
}
