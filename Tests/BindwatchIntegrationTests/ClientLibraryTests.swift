import BindwatchClient
import Foundation
import Testing

extension IntegrationTests {
    /// The typed client library (`BindwatchConnection`) against a running daemon.
    @Suite("The client library")
    struct ClientLibraryTests {
        @Test("List, GetStatus, Explain and Reload in the model's types agree with the wire")
        func calls() async throws {
            try await withDaemon { namespace, daemon in
                try namespace.addVeth("veth0", peer: "veth1")
                try namespace.ip("addr", "add", "2001:db8:7::1/64", "dev", "veth0", "nodad")
                try namespace.ip("addr", "add", "10.7.0.1", "peer", "10.7.0.2", "dev", "veth0")
                try await daemon.waitForAddresses("the addresses") { addresses in
                    ["2001:db8:7::1", "10.7.0.1"].allSatisfy { text in
                        addresses.values.contains { $0["address"]?.text == text }
                    }
                }
                let raw = try await daemon.addresses()
                try await BindwatchConnection.withConnection(socketPath: daemon.socketPath, replyTimeout: 10) {
                    bindwatch in
                    let (generation, listed) = try await bindwatch.list(AddressFilter(includesUnbindable: true))
                    #expect(Set(listed.map(\.id)) == Set(raw.keys))
                    for address in listed {
                        let wire = try #require(raw[address.id])
                        #expect(wire["interface"]?.text == address.interface)
                        #expect(wire["bindable"] == .bool(address.isBindable))
                        #expect(wire["reasons"]?.stringArray == address.reasons.names)
                        #expect(wire["flags"]?.stringArray == address.flags.names(family: address.family))
                        #expect(wire["peer"]?.text ?? "null" == address.peer.map { "\($0)" } ?? "null")
                    }
                    #expect(listed.first { $0.address.description == "10.7.0.1" }?.peer?.description == "10.7.0.2")

                    let status = try await bindwatch.status()
                    #expect(status.synced)
                    #expect(status.addresses == listed.count)
                    #expect(status.generation >= generation)

                    let explanation = try await bindwatch.explain("2001:db8:7::1")
                    #expect(explanation.addresses.map(\.address.interface) == ["veth0"])
                    #expect(explanation.classification.type == .globalUnicast)

                    let (classified, sentences) = try await bindwatch.classify("2001:DB8:7::1")
                    #expect(classified.address == "2001:db8:7::1")
                    #expect(classified.special?.prefix == "2001:db8::/32")
                    #expect(classified.globallyReachable == false)
                    #expect(!sentences.isEmpty)

                    let reload = try await bindwatch.reload()
                    #expect(reload.restartRequired.isEmpty)
                }
            }
        }

        @Test("Watch yields the snapshot, then each change; Wait answers and times out")
        func watchAndWait() async throws {
            try await withDaemon { namespace, daemon in
                try namespace.addVeth("veth0", peer: "veth1")
                try namespace.ip("addr", "add", "192.0.2.8/24", "dev", "veth0")
                try await daemon.waitForAddresses("the address") {
                    $0.values.contains { $0["address"]?.text == "192.0.2.8" }
                }
                try await BindwatchConnection.withConnection(socketPath: daemon.socketPath, replyTimeout: 10) {
                    bindwatch in
                    var updates = try await bindwatch.watch(AddressFilter(family: .inet, interface: "veth0"))
                        .makeAsyncIterator()
                    guard case .snapshot(_, let snapshot)? = try await updates.next() else {
                        Issue.record("no snapshot first")
                        return
                    }
                    #expect(snapshot.map(\.address.description) == ["192.0.2.8"])
                    try namespace.ip("addr", "add", "192.0.2.9/24", "dev", "veth0")
                    guard case .event(let added)? = try await updates.next() else {
                        Issue.record("no event")
                        return
                    }
                    #expect(added.kind == .added)
                    #expect(added.address.address.description == "192.0.2.9")
                    try namespace.ip("link", "set", "veth0", "down")
                    var removed: [String] = []
                    while removed.count < 2, case .event(let event)? = try await updates.next() {
                        #expect(event.kind == .removed)
                        #expect(event.address.reasons.contains(.linkDown))
                        removed.append(event.address.address.description)
                    }
                    #expect(removed.sorted() == ["192.0.2.8", "192.0.2.9"])
                }
                try namespace.ip("link", "set", "veth0", "up")
                try await BindwatchConnection.withConnection(socketPath: daemon.socketPath, replyTimeout: 30) {
                    bindwatch in
                    let settled = try await bindwatch.wait(
                        WaitRequest(
                            filter: AddressFilter(family: .inet, interface: "veth0"), timeout: 20, settled: true))
                    #expect(settled.addresses?.map(\.address.description).sorted() == ["192.0.2.8", "192.0.2.9"])
                    #expect(settled.failed.isEmpty)
                    do {
                        _ = try await bindwatch.wait(WaitRequest(address: "2001:db8:99::9", timeout: 0.2))
                        Issue.record("a Wait for an address nobody adds answered")
                    } catch let timeout as WaitTimedOut {
                        #expect(timeout.pending.isEmpty && timeout.unbindable.isEmpty)
                    }
                    // An address the kernel binds but the default policy does not publish: the
                    // timeout says why.
                    try namespace.ip(
                        "addr", "add", "2001:db8:98::1/64", "dev", "veth0", "nodad", "preferred_lft", "0")
                    do {
                        _ = try await bindwatch.wait(WaitRequest(address: "2001:db8:98::1", timeout: 0.5))
                        Issue.record("a Wait for a deprecated address answered")
                    } catch let timeout as WaitTimedOut {
                        #expect(timeout.unbindable.map(\.address.description) == ["2001:db8:98::1"])
                        #expect(timeout.unbindable.first?.reasons == .deprecated)
                    }
                }
            }
        }
    }
}
