import Logging
import NIOCore
import Synchronization
import Testing

@testable import BindwatchDaemon
@testable import BindwatchModel
@testable import BindwatchNetlink
@testable import BindwatchVarlink

@Suite("Address table", .timeLimit(.minutes(1)))
struct AddressTableTests {
    /// A table holding the recorded veth0 (ifindex 2, up and running) and lo.
    private func makeTable(policy: BindPolicy = BindPolicy()) async throws -> LiveTable {
        let table = LiveTable(
            policy: policy, logger: Logger(label: "test"),
            eventEncoder: VarlinkReply.writeWatchEvent(kind:generation:address:into:))
        _ = await table.apply(try RecordedMessages("dump-links").payloads)
        return table
    }

    private func drain(_ subscription: Subscription) async -> [TableEvent] {
        // The feed is filled synchronously by `apply`: end it and take what is queued.
        let collector = Task {
            var collected: [TableEvent] = []
            for await item in subscription.items {
                collected.append(item.event)
                subscription.consumed(item)
            }
            return collected
        }
        subscription.finish()
        return await collector.value
    }

    @Test("manual IPv6 address: tentative, then bindable when DAD succeeds")
    func dadSuccess() async throws {
        let table = try await makeTable()
        let all = await table.subscribe(AddressFilter(includesUnbindable: true), encoded: true).subscription
        let bindable = await table.subscribe(AddressFilter(), encoded: false).subscription
        let recorded = try RecordedMessages("ipv6-manual-dad-success")
        _ = await table.apply([recorded.payloads[0]])
        let tentative = await table.list(AddressFilter(includesUnbindable: true)).addresses
        #expect(tentative.map(\.reasons.names) == [["tentative"]])
        _ = await table.apply([recorded.payloads[1]])
        let done = await table.list(AddressFilter()).addresses
        #expect(done.map(\.id) == ["2/2001:db8:10::1"])

        let allEvents = await drain(all)
        #expect(allEvents.map(\.kind) == [.added, .changed])
        #expect(allEvents.map(\.generation) == [1, 2])
        let bindableEvents = await drain(bindable)
        #expect(bindableEvents.map(\.kind) == [.added])
        #expect(bindableEvents[0].address.isBindable)
    }

    @Test("DAD failure: in the table, not bindable, reason dadfailed only")
    func dadFailure() async throws {
        let table = try await makeTable()
        _ = await table.apply(try RecordedMessages("ipv6-dadfailed").payloads)
        let addresses = await table.list(AddressFilter(includesUnbindable: true)).addresses
        #expect(addresses.map(\.reasons.names) == [["dadfailed"]])
        #expect(await table.list(AddressFilter()).addresses.isEmpty)
    }

    @Test("a repeat that changes only lifetimes is no event")
    func lifetimeRepeat() async throws {
        let table = try await makeTable()
        let subscription = await table.subscribe(AddressFilter(includesUnbindable: true), encoded: false).subscription
        _ = await table.apply(try RecordedMessages("ipv6-lifetime-repeat").payloads)
        #expect(await drain(subscription).map(\.kind) == [.added])
        #expect(await table.generation == 1)
        let address = try #require(await table.list(AddressFilter()).addresses.first)
        // The second message's lifetimes, counted down since it arrived (the same for both).
        let preferred = try #require(address.lifetimes?.preferred)
        let valid = try #require(address.lifetimes?.valid)
        #expect(preferred <= 400 && valid - preferred == 500)
    }

    @Test("deprecation leaves the bindable set by default and stays with --allow-deprecated")
    func deprecated() async throws {
        let recorded = try RecordedMessages("ipv6-deprecated").payloads
        let table = try await makeTable()
        _ = await table.apply(recorded)
        #expect(
            await table.list(AddressFilter(includesUnbindable: true)).addresses.map(\.reasons.names) == [["deprecated"]]
        )
        var allowing = BindPolicy()
        allowing.allowDeprecated = true
        await table.setPolicy(allowing)
        #expect(await table.list(AddressFilter()).addresses.count == 1)
    }

    @Test("optimistic SLAAC address from the dump after RTM_NEWPREFIX")
    func optimistic() async throws {
        let table = try await makeTable()
        let payloads = try RecordedMessages("ipv6-optimistic-slaac").payloads
        _ = await table.apply(payloads)
        let address = try #require(
            await table.list(AddressFilter(includesUnbindable: true)).addresses.first {
                $0.address.description == "2001:db8:1:0:b0:ff:fe00:1"
            })
        // The last message is the announcement at the end of DAD.
        #expect(address.isBindable)
        _ = await table.apply(Array(payloads.dropLast()))
        let optimistic = try #require(
            await table.list(AddressFilter(includesUnbindable: true)).addresses.first {
                $0.address.description == "2001:db8:1:0:b0:ff:fe00:1"
            })
        #expect(optimistic.reasons.names == ["optimistic"])
    }

    @Test("link down removes IPv6 addresses; IPv4 stays with link-down; up brings link-local back")
    func linkDownUp() async throws {
        let table = try await makeTable()
        let recorded = try RecordedMessages("link-down-up")
        _ = await table.apply([
            .address(try #require(recorded.addresses.first { $0.local.description == "2001:db8:60::1" }).asNew),
            .address(try #require(recorded.addresses.first { $0.local.description == "fe80::b0:ff:fe00:1" }).asNew),
        ])
        let ipv4 = try #require(RecordedMessages("ipv4-peer").addresses.last)
        _ = await table.apply([.address(ipv4)])
        #expect(await table.status().bindable == 3)

        let outcome = await table.apply(Array(recorded.payloads.prefix(3)))  // down, two deletions
        #expect(outcome.linksCameUp.isEmpty)
        let afterDown = await table.list(AddressFilter(includesUnbindable: true)).addresses
        #expect(afterDown.map(\.address.description) == ["192.0.2.1"])
        #expect(afterDown[0].reasons.names == ["link-down"])

        let upOutcome = await table.apply(Array(recorded.payloads.dropFirst(3)))
        #expect(upOutcome.linksCameUp == [2, 2])  // LOWER_UP, then RUNNING
        #expect(
            await table.list(AddressFilter()).addresses.map(\.address.description) == [
                "192.0.2.1", "fe80::b0:ff:fe00:1",
            ])
    }

    @Test("a link that went down: the IPv6 events wait, but GetStatus and List answer with the new verdicts")
    func deferredLinkAnswers() async throws {
        let table = try await makeTable()
        _ = await table.apply(try RecordedMessages("ipv6-nodad").payloads)
        let subscription = await table.subscribe(AddressFilter(includesUnbindable: true), encoded: false).subscription
        let bindable = await table.status().bindable
        _ = await table.apply([try RecordedMessages("link-down-up").payloads[0]], deferringLinkReevaluation: true)
        #expect(await table.deferredLinkCount == 1)
        // GetStatus counts the new verdict without making the event.
        let status = await table.status()
        #expect(status.bindable == bindable - 1)
        #expect(status.states.count(family: .inet6, state: "link-down") == 1)
        #expect(await table.deferredLinkCount == 1)
        let listed = await table.list(AddressFilter(includesUnbindable: true)).addresses
        #expect(await table.deferredLinkCount == 0)
        #expect(listed.first { $0.address.description == "2001:db8:11::1" }?.reasons.names == ["link-down"])
        let events = await drain(subscription)
        #expect(events.map(\.kind) == [.changed])
        #expect(events.first?.address.reasons.names == ["link-down"])
    }

    @Test("a deferred link is re-evaluated before List and Explain answer", arguments: [true, false])
    func deferredLinkList(viaList: Bool) async throws {
        let table = try await makeTable()
        _ = await table.apply(try RecordedMessages("ipv6-nodad").payloads)
        _ = await table.apply([try RecordedMessages("link-down-up").payloads[0]], deferringLinkReevaluation: true)
        let listed =
            viaList
            ? await table.list(AddressFilter(includesUnbindable: true)).addresses
            : await table.copies(of: try IPAddress("2001:db8:11::1"), zone: nil).addresses
        #expect(listed.first { $0.address.description == "2001:db8:11::1" }?.reasons.names == ["link-down"])
    }

    @Test("while events are lost, a deferred link waits for the resync: its sweep tells of the addresses")
    func deferredLinkWhileUnsynced() async throws {
        let table = try await makeTable()
        _ = await table.apply(try RecordedMessages("ipv6-nodad").payloads)
        let subscription = await table.subscribe(AddressFilter(includesUnbindable: true), encoded: false).subscription
        _ = await table.apply([try RecordedMessages("link-down-up").payloads[0]], deferringLinkReevaluation: true)
        await table.eventsLost()
        #expect(await table.reevaluateDeferredLinks(quiet: 0, limit: 0) == 1)
        #expect(await table.deferredLinkCount == 1)
        await table.setSynced(true)
        #expect(await table.reevaluateDeferredLinks(quiet: 0, limit: 0) == 0)
        let events = await drain(subscription)
        #expect(events.map(\.kind) == [.changed])
        #expect(events.first?.address.reasons.names == ["link-down"])
    }

    /// The recorded rename, whose link goes down first, and a table that publishes addresses
    /// on links that are down.
    private func renameFixture() async throws -> (LiveTable, RecordedMessages) {
        var policy = BindPolicy()
        policy.link = .any
        return (try await makeTable(policy: policy), try RecordedMessages("link-rename"))
    }

    @Test("a rename updates every address; under an interface filter it is removed/added")
    func rename() async throws {
        let (table, recorded) = try await renameFixture()
        _ = await table.apply(recorded.addresses.filter { $0.family == .inet }.map { .address($0) })
        let byOldName = await table.subscribe(AddressFilter(interface: "veth0"), encoded: false).subscription
        let byNewName = await table.subscribe(AddressFilter(interface: "uplink0"), encoded: false).subscription
        let everything = await table.subscribe(AddressFilter(includesUnbindable: true), encoded: false).subscription
        _ = await table.apply(recorded.payloads)
        let addresses = await table.list(AddressFilter()).addresses
        #expect(addresses.count == 3)
        #expect(addresses.allSatisfy { $0.interface == "uplink0" })
        #expect(Set(addresses.compactMap(\.label)) == ["uplink0", "uplink0:web", "uplink0:2"])
        #expect(await drain(byOldName).map(\.kind) == [.removed, .removed, .removed])
        #expect(await drain(byNewName).map(\.kind) == [.added, .added, .added])
        #expect(await drain(everything).allSatisfy { $0.kind == .changed })
    }

    @Test("after a rename, labels stay as the kernel last sent them until it re-announces")
    func renameKeepsLabelsUntilReannounced() async throws {
        let (table, recorded) = try await renameFixture()
        // The recording holds the addresses as re-announced after the rename; before it their
        // labels were the old name's (the fixture's header): veth0, veth0:web and veth0.
        let beforeRename = recorded.addresses.filter { $0.family == .inet }.map { message in
            var message = message
            message.label = message.label == "uplink0:web" ? "veth0:web" : "veth0"
            return NetlinkMessage.Payload.address(message)
        }
        _ = await table.apply(beforeRename)
        #expect(
            await table.list(AddressFilter()).addresses.compactMap(\.label).sorted() == ["veth0", "veth0", "veth0:web"])
        let renameIndex = try #require(
            recorded.payloads.firstIndex { payload in
                if case .link(let link) = payload { return link.name == "uplink0" }
                return false
            })
        _ = await table.apply(Array(recorded.payloads[...renameIndex]))
        let renamed = await table.list(AddressFilter()).addresses
        #expect(renamed.allSatisfy { $0.interface == "uplink0" })
        #expect(renamed.compactMap(\.label).sorted() == ["veth0", "veth0", "veth0:web"])

        _ = await table.apply(Array(recorded.payloads[(renameIndex + 1)...]))
        let reannounced = await table.list(AddressFilter()).addresses
        #expect(reannounced.compactMap(\.label).sorted() == ["uplink0", "uplink0:2", "uplink0:web"])
    }

    @Test("stored per address: a 24-byte key and a 32-byte record")
    func storageLayout() {
        // The ≤ 200 bytes per address target (BENCHMARKS.md) rests on these sizes: a hash table
        // holds (key, record) pairs at a load of 0.375–0.75.
        #expect(MemoryLayout<LinkAddressKey>.stride == 24)
        #expect(MemoryLayout<AddressRecord>.stride == 32)
    }

    @Test("deleting a link removes its addresses")
    func linkDelete() async throws {
        let table = try await makeTable()
        let recorded = try RecordedMessages("link-delete")
        _ = await table.apply(recorded.addresses.map { .address($0.asNew) })
        #expect(await table.status().addresses == 3)
        _ = await table.apply(recorded.payloads)
        #expect(await table.status().addresses == 0)
        #expect(await table.status().links == 2)
    }

    @Test("sweep removes only what the resync did not confirm")
    func sweep() async throws {
        let table = try await makeTable()
        _ = await table.apply(try RecordedMessages("dump-addresses").payloads)
        _ = await table.apply(try RecordedMessages("ipv6-nodad").payloads)
        #expect(await table.status().addresses == 9)
        let sweep = await table.beginSweep()
        _ = await table.apply(try RecordedMessages("dump-links").payloads)
        _ = await table.apply(try RecordedMessages("dump-addresses").payloads)
        #expect(await table.endSweep(sweep) == 1)
        #expect(await table.status().addresses == 8)
    }

    @Test(
        "snapshot plus events equals List under every filter",
        arguments: [
            AddressFilter(), AddressFilter(includesUnbindable: true), AddressFilter(family: .inet6),
            AddressFilter(interface: "uplink0", includesUnbindable: true), AddressFilter(interface: "veth0"),
        ])
    func watchInvariant(filter: AddressFilter) async throws {
        let table = try await makeTable()
        _ = await table.apply(try RecordedMessages("dump-addresses").payloads)
        let (_, snapshot, subscription) = await table.subscribe(filter, encoded: true)
        for name in [
            "ipv6-manual-dad-success", "ipv6-dadfailed", "ipv6-deprecated", "ipv6-high-flags", "link-rename",
            "ipv4-peer",
        ] {
            _ = await table.apply(try RecordedMessages(name).payloads)
        }
        var view = Dictionary(uniqueKeysWithValues: snapshot.map { ($0.id, $0) })
        for event in await drain(subscription) {
            switch event.kind {
            case .added, .changed: view[event.address.id] = event.address
            case .removed: view[event.address.id] = nil
            }
        }
        let listed = await table.list(filter).addresses
        #expect(view.count == listed.count)
        for address in listed {
            #expect(view[address.id]?.isSameExceptLifetimes(as: address) == true, "\(address.id)")
        }
    }

    @Test("a subscriber that stops reading is cut off; others are not")
    func slowSubscriber() async throws {
        let table = LiveTable(
            subscriptionLimits: .init(messages: 3, bytes: 1 << 20, perAddress: 0), logger: Logger(label: "test"),
            eventEncoder: VarlinkReply.writeWatchEvent(kind:generation:address:into:))
        _ = await table.apply(try RecordedMessages("dump-links").payloads)
        let slow = await table.subscribe(AddressFilter(includesUnbindable: true), encoded: true).subscription
        let reading = await table.subscribe(AddressFilter(includesUnbindable: true), encoded: true).subscription
        let consumed = Mutex(0)
        let reader = Task {
            for await item in reading.items {
                reading.consumed(item)
                consumed.withLock { $0 += 1 }
            }
        }
        let addresses = try RecordedMessages("dump-addresses").addresses
        for (index, address) in addresses.enumerated() {
            _ = await table.apply([.address(address)])
            // A reader that keeps up never has more than one event queued.
            let deadline = ContinuousClock.now + .seconds(10)
            while consumed.withLock({ $0 }) < index + 1 && ContinuousClock.now < deadline { await Task.yield() }
        }
        #expect(slow.overflowed)
        #expect(!reading.overflowed)
        #expect(consumed.withLock { $0 } == addresses.count)
        reader.cancel()
        #expect(await table.status().subscribers == 1)
    }

    @Test(
        "a link going down changes all its addresses at once; subscribers are allowed that burst",
        arguments: [(0, true), (2, false)])
    func linkDownBurst(perAddress: Int, dropped: Bool) async throws {
        let table = LiveTable(
            subscriptionLimits: .init(messages: 3, bytes: 1 << 20, perAddress: perAddress),
            logger: Logger(label: "test"), eventEncoder: VarlinkReply.writeWatchEvent(kind:generation:address:into:))
        _ = await table.apply(try RecordedMessages("dump-links").payloads)
        _ = await table.apply(try RecordedMessages("dump-addresses").payloads)
        let subscription = await table.subscribe(AddressFilter(includesUnbindable: true), encoded: true)
            .subscription
        // veth0 goes down: one RTM_NEWLINK changes the verdict of its six addresses.
        _ = await table.apply([try RecordedMessages("link-down-up").payloads[0]])
        #expect(subscription.overflowed == dropped)
        #expect(await table.status().subscribers == (dropped ? 0 : 1))
    }

    @Test("List is in preference order")
    func preferenceOrder() async throws {
        var policy = BindPolicy()
        policy.link = .any
        let table = try await makeTable(policy: policy)
        _ = await table.apply(try RecordedMessages("dump-addresses").payloads)
        _ = await table.apply(try RecordedMessages("ipv6-deprecated").payloads)
        var allowing = policy
        allowing.allowDeprecated = true
        await table.setPolicy(allowing)
        let order = await table.list(AddressFilter()).addresses.map(\.address.description)
        #expect(
            order == [
                "2001:db8:70::1", "2001:db8:72::1", "10.9.9.1", "192.0.2.10", "fe80::b0:ff:fe00:1", "::1", "127.0.0.1",
                "2001:db8:30::1",
            ])
    }
}

@Suite("Watch against a client that stops reading", .timeLimit(.minutes(1)))
struct StalledWatchTests {
    /// Takes the first write (the snapshot), then holds every later one unwritten, like a
    /// connection whose peer stopped reading.
    private final class StallingSink: ReplySink {
        /// Writes taken, and the bytes held.
        let state = Mutex((writes: 0, held: 0))
        func send(_ message: ByteBuffer) async throws {
            guard take(message) else { return }
            try await Task.sleep(for: .seconds(3600))
        }
        func write(_ buffer: ByteBuffer) {
            _ = take(buffer)
        }
        var unwrittenBytes: Int { state.withLock { $0.held } }
        /// Counts a write; true when it is held.
        private func take(_ buffer: ByteBuffer) -> Bool {
            state.withLock { state -> Bool in
                state.writes += 1
                guard state.writes > 1 else { return false }
                state.held += buffer.readableBytes
                return true
            }
        }
    }

    @Test("the Watch call ends once the backlog passes the limit, though its writer is stuck")
    func stalledWriter() async throws {
        // A connection's backlog is counted in bytes: the recorded dump's addresses are about
        // 400 bytes each, so a stuck writer passes 2 KiB within the first ten.
        let table = LiveTable(
            subscriptionLimits: .init(messages: 3, bytes: 2048, perAddress: 0), logger: Logger(label: "test"),
            eventEncoder: VarlinkReply.writeWatchEvent(kind:generation:address:into:))
        _ = await table.apply(try RecordedMessages("dump-links").payloads)
        await table.markReady()
        let dispatcher = VarlinkDispatcher(table: table, statistics: ServerStatistics(), startedAt: .now())
        let watch = Task {
            try await dispatcher.handle(
                VarlinkRequest(method: "io.bindwatch.Watch", parameters: ["all": .bool(true)], more: true),
                sink: StallingSink(), signals: .forTests(), logger: Logger(label: "test"))
        }
        while await table.status().subscribers == 0 { await Task.yield() }
        // One batch, so one write, per address: no batch is over the limit on its own, and
        // only what the writer holds unwritten adds up.
        for payload in try RecordedMessages("dump-addresses").payloads {
            _ = await table.apply([payload])
        }
        let deadline = ContinuousClock.now + .seconds(10)
        while await table.status().subscribers > 0 && ContinuousClock.now < deadline {
            try await Task.sleep(for: .milliseconds(10))
        }
        #expect(await table.status().subscribers == 0, "the Watch went on with its writer stuck")
        // Ended already, or failed above: cancelling ends it either way.
        watch.cancel()
        #expect(try await watch.value == .close)
    }
}
