import BindwatchClient
import BindwatchDaemon
import Foundation
import Glibc
import Testing

extension IntegrationTests {
    @Suite("bindwatchd against the real kernel")
    struct KernelBehaviourTests {
        @Test("DAD success: tentative (bind fails with errno 99), then bindable (bind works)")
        func dadSuccess() async throws {
            try await NetworkNamespace.with { peer in
                try await withDaemon { namespace, daemon in
                    try namespace.addVeth("veth0", peer: "veth1", in: peer)
                    try namespace.sysctl("net.ipv6.conf.veth0.dad_transmits=3")
                    try namespace.ip("addr", "add", "2001:db8:10::1/64", "dev", "veth0")
                    let ifindex = try namespace.ifindex("veth0")
                    let id = "\(ifindex)/2001:db8:10::1"
                    let tentative = try await daemon.waitForAddresses("the tentative address") { $0[id] != nil }
                    #expect(tentative[id]?["reasons"]?.stringArray == ["tentative"])
                    #expect(try namespace.bindResults(["2001:db8:10::1"])["2001:db8:10::1"] == Int(EADDRNOTAVAIL))
                    try await expectMatchesKernel(daemon, namespace)

                    // Wait answers when DAD ends, without polling.
                    let waited = try await daemon.call("io.bindwatch.Wait") { json in
                        json.field("address", "2001:db8:10::1")
                        json.key("timeout")
                        json.double(30)
                    }
                    #expect(waited.first?.parameters["address"]?["id"]?.text == id)
                    #expect(try namespace.bindResults(["2001:db8:10::1"])["2001:db8:10::1"] == 0)
                    try await expectMatchesKernel(daemon, namespace)
                }
            }
        }

        @Test("DAD failure with the duplicate across a veth; a usable copy on another link still binds")
        func dadFailure() async throws {
            try await NetworkNamespace.with { peer in
                try await withDaemon { namespace, daemon in
                    try namespace.addVeth("veth0", peer: "veth1", in: peer)
                    try peer.ip("addr", "add", "2001:db8:20::1/64", "dev", "veth1", "nodad")
                    try namespace.sysctl("net.ipv6.conf.veth0.dad_transmits=1")
                    try namespace.ip("addr", "add", "2001:db8:20::1/64", "dev", "veth0")
                    let id = "\(try namespace.ifindex("veth0"))/2001:db8:20::1"
                    let failed = try await daemon.waitForAddresses("dadfailed") {
                        $0[id]?["reasons"]?.stringArray == ["dadfailed"]
                    }
                    #expect(failed[id]?["flags"]?.stringArray.contains("tentative") == true)
                    #expect(try namespace.bindResults(["2001:db8:20::1"])["2001:db8:20::1"] == Int(EADDRNOTAVAIL))
                    try await expectMatchesKernel(daemon, namespace)

                    // The same address working on another link: bind() ignores which link.
                    try namespace.addVeth("veth2", peer: "veth3")
                    try namespace.ip("addr", "add", "2001:db8:20::1/64", "dev", "veth2", "nodad")
                    let other = "\(try namespace.ifindex("veth2"))/2001:db8:20::1"
                    try await daemon.waitForAddresses("the second copy") { $0[other]?["bindable"] == .bool(true) }
                    #expect(try namespace.bindResults(["2001:db8:20::1"])["2001:db8:20::1"] == 0)
                    try await expectMatchesKernel(daemon, namespace)
                }
            }
        }

        @Test("preferred_lft 0 deprecates: the kernel still binds it, the default policy does not publish it")
        func deprecated() async throws {
            try await withDaemon { namespace, daemon in
                try namespace.addVeth("veth0", peer: "veth1")
                try namespace.ip(
                    "addr", "add", "2001:db8:30::1/64", "dev", "veth0", "nodad", "valid_lft", "3600", "preferred_lft",
                    "1800")
                let id = "\(try namespace.ifindex("veth0"))/2001:db8:30::1"
                try await daemon.waitForAddresses("the address") { $0[id]?["bindable"] == .bool(true) }
                try namespace.ip(
                    "addr", "change", "2001:db8:30::1/64", "dev", "veth0", "nodad", "valid_lft", "3600",
                    "preferred_lft", "0")
                let addresses = try await daemon.waitForAddresses("deprecated") {
                    $0[id]?["reasons"]?.stringArray == ["deprecated"]
                }
                #expect(addresses[id]?["flags"]?.stringArray.contains("deprecated") == true)
                #expect(addresses[id]?["preferredLifetime"] == .number(0))
                #expect(try namespace.bindResults(["2001:db8:30::1"])["2001:db8:30::1"] == 0)
                try await expectMatchesKernel(daemon, namespace)
            }
        }

        @Test("an optimistic SLAAC address from a router advertisement shows at once, before any RTM_NEWADDR")
        func optimisticSLAAC() async throws {
            try await NetworkNamespace.with { router in
                try await withDaemon { namespace, daemon in
                    try namespace.ip(
                        "link", "add", "veth0", "type", "veth", "peer", "name", "veth1", "netns", router.name)
                    for setting in ["optimistic_dad=1", "accept_ra=1", "forwarding=0", "dad_transmits=5"] {
                        try namespace.sysctl("net.ipv6.conf.veth0.\(setting)")
                    }
                    try router.sysctl("net.ipv6.conf.veth1.accept_ra=0")
                    try namespace.ip("link", "set", "veth0", "up")
                    try router.ip("link", "set", "veth1", "up")
                    try router.exec([
                        "python3", Command.script("send-router-advertisement.py"), "--interface", "veth1",
                        "--prefix", "2001:db8:1::", "--prefix-length", "64",
                    ])
                    let addresses = try await daemon.waitForAddresses(
                        timeout: .seconds(10), "the optimistic SLAAC address"
                    ) {
                        $0.values.contains {
                            $0["address"]?.text.hasPrefix("2001:db8:1:") == true
                                && $0["flags"]?.stringArray.contains("optimistic") == true
                        }
                    }
                    let slaac = try #require(
                        addresses.values.first { $0["address"]?.text.hasPrefix("2001:db8:1:") == true })
                    #expect(slaac["reasons"]?.stringArray == ["optimistic"])
                    let text = slaac["address"]?.text ?? ""
                    // Optimistic addresses bind although the kernel also flags them tentative.
                    #expect(try namespace.bindResults([text])[text] == 0)
                    try await expectMatchesKernel(daemon, namespace)
                    try await daemon.waitForAddresses("DAD to end") {
                        $0[slaac["id"]?.text ?? ""]?["bindable"] == .bool(true)
                    }
                }
            }
        }

        @Test("a link set down: the IPv6 addresses the kernel deletes get only `removed`; kept ones `changed`")
        func linkDownEvents() async throws {
            try await withDaemon { namespace, daemon in
                try namespace.addVeth("veth0", peer: "veth1")
                try namespace.batchAddresses("add", 1...300, prefix: "2001:db8:d0::", device: "veth0")
                try namespace.ip("addr", "add", "203.0.113.7/24", "dev", "veth0")
                // veth1 keeps its IPv6 addresses when set down: the kernel says nothing of them.
                try namespace.sysctl("net.ipv6.conf.veth1.keep_addr_on_down=1")
                try namespace.ip("addr", "add", "2001:db8:d1::1/64", "dev", "veth1", "nodad")
                // One with DAD: the kernel marks it tentative again when the link goes down,
                // without a message (only a dump shows it).
                try namespace.ip("addr", "add", "2001:db8:d1::2/64", "dev", "veth1")
                try await daemon.waitForAddresses("DAD over") { addresses in
                    addresses.values.contains {
                        $0["address"]?.text == "2001:db8:d1::2" && $0["reasons"]?.stringArray == []
                    }
                }
                try await expectMatchesKernel(daemon, namespace)
                try await BindwatchConnection.withConnection(socketPath: daemon.socketPath, replyTimeout: 10) {
                    bindwatch in
                    var (updates, snapshot) = try await bindwatch.watchEveryAddress()
                    let ipv6OnVeth0 = snapshot.filter { $0.interface == "veth0" && $0.family == .inet6 }.count
                    #expect(ipv6OnVeth0 >= 300)

                    try namespace.ip("link", "set", "veth0", "down")
                    var removed = 0
                    var ipv4Changed: [TableEvent] = []
                    var others: [TableEvent] = []
                    while removed < ipv6OnVeth0 || ipv4Changed.isEmpty,
                        case .event(let event)? = try await updates.next()
                    {
                        if event.address.interface == "veth0" && event.address.family == .inet6
                            && event.kind == .removed
                        {
                            removed += 1
                        } else if event.address.family == .inet && event.kind == .changed {
                            ipv4Changed.append(event)
                        } else {
                            others.append(event)
                        }
                    }
                    // No `changed` (link-down) for an address the kernel was about to delete.
                    #expect(others.isEmpty, "\(others.map { "\($0.kind) \($0.address.id)" })")
                    #expect(ipv4Changed.map(\.address.reasons) == [.linkDown])

                    // The kept address: no message from the kernel, its event after the wait.
                    let setDown = ContinuousClock.now
                    try namespace.ip("link", "set", "veth1", "down")
                    var kept: TableEvent?
                    while kept == nil, case .event(let event)? = try await updates.next() {
                        #expect(event.address.interface == "veth1", "\(event.kind) \(event.address.id)")
                        if event.address.address.description == "2001:db8:d1::1" { kept = event }
                    }
                    #expect(kept?.kind == .changed)
                    #expect(kept?.address.reasons.contains(.linkDown) == true)
                    #expect(ContinuousClock.now - setDown < .seconds(5))
                }
                // Flags and bind() as the kernel has them: 2001:db8:d1::2 tentative again.
                try await expectMatchesKernel(daemon, namespace)
                let addresses = try await daemon.addresses()
                let redone = addresses.values.first { $0["address"]?.text == "2001:db8:d1::2" }
                #expect(redone?["flags"]?.stringArray.contains("tentative") == true)
            }
        }

        @Test("a link set down while the daemon shares its CPU with busy processes: still only `removed`")
        func linkDownOnBusyCPU() async throws {
            try await withDaemon { namespace, daemon in
                try namespace.addVeth("veth0", peer: "veth1")
                try namespace.batchAddresses("add", 1...5000, prefix: "2001:db8:d2::", device: "veth0")
                try await daemon.waitForAddresses(timeout: .seconds(60), "the 5,000 addresses") {
                    $0.values.count { $0["interface"]?.text == "veth0" && $0["family"]?.text == "inet6" } >= 5000
                }
                // Six busy processes on the daemon's one CPU deschedule it for longer than the
                // 20 ms after which a link that went down counts as done with its removals,
                // again and again while the kernel's removals wait in its socket.
                let cpu = String(ProcessInfo.processInfo.activeProcessorCount - 1)
                try Command.run(["taskset", "-a", "-p", "-c", cpu, String(daemon.pid)])
                var busy: [Process] = []
                // A shell busy in a loop of builtins takes its time over SIGTERM: SIGKILL at once.
                defer { for process in busy { process.stop(grace: 0) } }
                for _ in 1...6 {
                    let process = Process()
                    process.executableURL = URL(fileURLWithPath: "/usr/bin/taskset")
                    process.arguments = ["-c", cpu, "/bin/sh", "-c", "while :; do :; done"]
                    try process.run()
                    busy.append(process)
                }
                try await BindwatchConnection.withConnection(socketPath: daemon.socketPath, replyTimeout: 30) {
                    bindwatch in
                    var (updates, snapshot) = try await bindwatch.watchEveryAddress()
                    let ipv6OnVeth0 = snapshot.filter { $0.interface == "veth0" && $0.family == .inet6 }.count
                    try namespace.ip("link", "set", "veth0", "down")
                    let (removed, changed, firstChanged) = try await updates.otherEventsBeforeRemovals(
                        ofIPv6On: "veth0", expected: ipv6OnVeth0)
                    #expect(removed == ipv6OnVeth0)
                    // Each `changed` would be a link-down verdict for an address already on its way out.
                    #expect(changed == 0, "the first: \(firstChanged)")
                }
                for process in busy { process.stop(grace: 0) }
                try await expectMatchesKernel(daemon, namespace)
            }
        }

        @Test("link down, up, rename and delete")
        func linkLifecycle() async throws {
            try await withDaemon { namespace, daemon in
                try namespace.addVeth("veth0", peer: "veth1")
                try namespace.ip("addr", "add", "2001:db8:60::1/64", "dev", "veth0", "nodad")
                try namespace.ip("addr", "add", "203.0.113.1/24", "dev", "veth0")
                let ifindex = try namespace.ifindex("veth0")
                try await expectMatchesKernel(daemon, namespace)

                try namespace.ip("link", "set", "veth0", "down")
                let down = try await daemon.waitForAddresses("IPv6 gone after link down") {
                    $0["\(ifindex)/2001:db8:60::1"] == nil
                }
                #expect(down["\(ifindex)/203.0.113.1/24"]?["reasons"]?.stringArray == ["link-down"])
                try await expectMatchesKernel(daemon, namespace)

                try namespace.ip("link", "set", "veth0", "name", "uplink0")
                try await daemon.waitForAddresses("the rename") {
                    $0["\(ifindex)/203.0.113.1/24"]?["interface"]?.text == "uplink0"
                }

                try namespace.ip("link", "set", "uplink0", "up")
                // The kernel makes a link-local address on the way up and announces it only after DAD.
                try await daemon.waitForAddresses("the link-local address") {
                    $0.values.contains {
                        $0["ifindex"]?.text == "\(ifindex)" && $0["address"]?.text.hasPrefix("fe80:") == true
                    }
                }
                try await expectMatchesKernel(daemon, namespace)

                try namespace.ip("link", "del", "uplink0")
                try await daemon.waitForAddresses("the link's addresses gone") {
                    !$0.values.contains { $0["ifindex"]?.text == "\(ifindex)" }
                }
                try await expectMatchesKernel(daemon, namespace)
            }
        }

        @Test("--exclude-type link-local: link-local addresses stay listed with type-excluded")
        func excludeType() async throws {
            try await withDaemon(arguments: ["--exclude-type", "link-local"]) { namespace, daemon in
                try namespace.addVeth("veth0", peer: "veth1")
                try namespace.ip("addr", "add", "2001:db8:70::1/64", "dev", "veth0", "nodad")
                let addresses = try await daemon.waitForAddresses("link-local after DAD") { addresses in
                    addresses.values.contains {
                        $0["type"]?.text == "link-local" && $0["flags"]?.stringArray.contains("tentative") == false
                    }
                }
                for address in addresses.values where address["type"]?.text == "link-local" {
                    #expect(address["reasons"]?.stringArray.last == "type-excluded")
                }
                let global = addresses.values.first { $0["address"]?.text == "2001:db8:70::1" }
                #expect(global?["bindable"] == .bool(true) && global?["type"]?.text == "global-unicast")
                try await expectMatchesKernel(daemon, namespace)
            }
        }

        @Test("a port leaving a bridge keeps its addresses (the bridge's RTM_DELLINK is not the link's)")
        func bridgePort() async throws {
            try await withDaemon(arguments: ["--link", "any"]) { namespace, daemon in
                try namespace.ip("link", "add", "br0", "type", "bridge")
                try namespace.ip("link", "add", "port0", "type", "veth", "peer", "name", "port1")
                try namespace.ip("link", "set", "port0", "master", "br0")
                try namespace.ip("addr", "add", "198.51.100.4/24", "dev", "port0")
                let id = "\(try namespace.ifindex("port0"))/198.51.100.4/24"
                try await daemon.waitForAddresses("the port's address") { $0[id] != nil }
                let generation = try await daemon.status()["generation"]
                try namespace.ip("link", "set", "port0", "nomaster")
                try namespace.ip("link", "del", "br0")
                try await expectMatchesKernel(daemon, namespace)
                let addresses = try await daemon.addresses()
                #expect(addresses[id] != nil)
                // No removed/added flicker for the port's address: only bridge changes happened.
                let after = try await daemon.status()["generation"]
                #expect(
                    generation == after,
                    "generation moved from \(String(describing: generation)) to \(String(describing: after))")
            }
        }

        @Test("IPv4 point-to-point: the local address, not the peer")
        func pointToPoint() async throws {
            try await withDaemon { namespace, daemon in
                try namespace.addVeth("veth0", peer: "veth1")
                try namespace.ip("addr", "add", "10.9.9.1", "peer", "10.9.9.2/32", "dev", "veth0")
                let id = "\(try namespace.ifindex("veth0"))/10.9.9.1/32/peer/10.9.9.2"
                let addresses = try await daemon.waitForAddresses("the p2p address") { $0[id] != nil }
                #expect(addresses[id]?["address"]?.text == "10.9.9.1")
                #expect(addresses[id]?["peer"]?.text == "10.9.9.2")
                #expect(!addresses.values.contains { $0["address"]?.text == "10.9.9.2" })
                try await expectMatchesKernel(daemon, namespace)
            }
        }
    }
}
