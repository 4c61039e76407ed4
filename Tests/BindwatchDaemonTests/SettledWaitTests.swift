import Logging
import Synchronization
import Testing

@testable import BindwatchDaemon
@testable import BindwatchModel
@testable import BindwatchNetlink
@testable import BindwatchVarlink

/// Settled waits against recorded kernel messages: when the table may say that no address of
/// a set is in DAD any more, and which addresses it then lists.
@Suite("Settled waits", .timeLimit(.minutes(1)))
struct SettledWaitTests {
    /// veth0 (ifindex 2, up), veth2 (3, down) and lo, synced, with a monitor that has made no
    /// fresh dump yet.
    func makeTable(policy: BindPolicy = BindPolicy(), _ fixtures: String...) async throws -> LiveTable {
        let table = LiveTable(policy: policy, logger: Logger(label: "test"))
        _ = await table.apply(try RecordedMessages("dump-links").payloads)
        for fixture in fixtures { _ = await table.apply(try RecordedMessages(fixture).payloads) }
        await table.setSynced(true)
        await table.setFreshDumpRequester { _ in }
        return table
    }

    /// The monitor's report that fresh dump `number` is in, and no link awaits a dump.
    func freshDumpDone(_ table: LiveTable, _ number: UInt64 = 1, awaiting: Set<Int32> = []) async {
        await table.updateDumpProgress(DumpProgress(linksAwaitingDump: awaiting, freshDumpsCompleted: number))
    }

    func ids(_ addresses: [Address]?) -> [String]? { addresses?.map(\.id) }
    func ids(_ answer: SettledWait.Answer?) -> [String]? { answer?.bindable.map(\.id) }

    @Test("settles when DAD ends, not before")
    func dadEnds() async throws {
        let table = try await makeTable()
        let recorded = try RecordedMessages("ipv6-manual-dad-success")
        let wait = await table.registerSettledWait(SettledWaitRequest(interface: "veth0"))
        _ = await table.apply([recorded.payloads[0]])
        await freshDumpDone(table)
        #expect(!wait.isComplete)
        #expect(ids(await table.endSettledWaitPending(wait)) == ["2/2001:db8:10::1"])
        _ = await table.apply([recorded.payloads[1]])
        #expect(ids(await wait.settled()) == ["2/2001:db8:10::1"])
        #expect(await table.endSettledWait(wait) == nil, "an answered wait leaves nothing to name")
    }

    @Test("the answer waits for a dump made after the call, even when everything already binds")
    func needsFreshDump() async throws {
        let table = try await makeTable("ipv6-nodad")
        let requested = Mutex<[UInt64]>([])
        await table.setFreshDumpRequester { number in requested.withLock { $0.append(number) } }
        let wait = await table.registerSettledWait(SettledWaitRequest(interface: "veth0"))
        #expect(requested.withLock { $0 } == [1])
        #expect(!wait.isComplete)
        await freshDumpDone(table)
        #expect(ids(await wait.settled()) == ["2/2001:db8:11::1"])
        _ = await table.endSettledWait(wait)
    }

    @Test("a link that came up holds the wait until its dump: its link-local address is not announced")
    func linkCameUp() async throws {
        let table = try await makeTable("ipv6-nodad")
        let recorded = try RecordedMessages("link-down-up")
        // Down, then up again (UP and LOWER_UP, RUNNING comes later).
        _ = await table.apply(Array(recorded.payloads[0...3]))
        let wait = await table.registerSettledWait(SettledWaitRequest(interface: "veth0"))
        // The monitor has queued the link's dump and made the fresh one.
        await freshDumpDone(table, awaiting: [2])
        #expect(!wait.isComplete)
        await freshDumpDone(table, awaiting: [])
        #expect(ids(await wait.settled()) == ["2/2001:db8:11::1"])
        _ = await table.endSettledWait(wait)
    }

    @Test("an RTM_NEWPREFIX holds the wait until the link's dump shows the SLAAC address")
    func prefixArrived() async throws {
        let table = try await makeTable("ipv6-nodad")
        let recorded = try RecordedMessages("ipv6-optimistic-slaac")
        let wait = await table.registerSettledWait(SettledWaitRequest(interface: "veth0"))
        _ = await table.apply([recorded.payloads[0]])
        // The fresh dump ran before the prefix; the link's own dump has not run.
        await table.updateDumpProgress(DumpProgress(linksAwaitingDump: [], freshDumpsCompleted: 0))
        await table.updateDumpProgress(DumpProgress(linksAwaitingDump: [2], freshDumpsCompleted: 1))
        #expect(!wait.isComplete)
        _ = await table.endSettledWait(wait)
    }

    @Test("optimistic addresses are pending, even when the policy lets them bind")
    func optimisticIsPending() async throws {
        var policy = BindPolicy()
        policy.allowOptimistic = true
        let table = try await makeTable(policy: policy, "ipv6-nodad")
        let recorded = try RecordedMessages("ipv6-optimistic-slaac")
        let dump = recorded.payloads.filter {
            if case .address(let message) = $0 { return message.ifindex == 2 && message.flags.contains(.optimistic) }
            return false
        }
        _ = await table.apply(dump)
        let wait = await table.registerSettledWait(SettledWaitRequest(interface: "veth0", minimumScope: .global))
        await freshDumpDone(table)
        #expect(!wait.isComplete)
        #expect(await table.list(AddressFilter()).addresses.contains { $0.flags.contains(.optimistic) })
        _ = await table.apply([try #require(recorded.payloads.last)])
        #expect(ids(await wait.settled()) == ["2/2001:db8:1:0:b0:ff:fe00:1", "2/2001:db8:11::1"])
        _ = await table.endSettledWait(wait)
    }

    @Test("a DAD failure does not hold the wait; the failed address is not listed but named apart")
    func dadFailureIsNotPending() async throws {
        let table = try await makeTable("ipv6-nodad", "ipv6-dadfailed")
        let wait = await table.registerSettledWait(SettledWaitRequest(interface: "veth0"))
        await freshDumpDone(table)
        let answer = await wait.settled()
        #expect(ids(answer) == ["2/2001:db8:11::1"])
        #expect(ids(answer?.failed) == ["2/2001:db8:20::1"])
        _ = await table.endSettledWait(wait)

        // A wait for another address of the link does not hear of it.
        let other = await table.registerSettledWait(SettledWaitRequest(address: try IPAddress("2001:db8:11::1")))
        await freshDumpDone(table, 2)
        #expect(await other.settled()?.failed.isEmpty == true)
        _ = await table.endSettledWait(other)
    }

    @Test("a timeout names the addresses that neither bind nor wait, with their reasons")
    func timeoutNamesUnbindable() async throws {
        let table = try await makeTable("ipv6-nodad", "ipv6-dadfailed")
        let failed = try IPAddress("2001:db8:20::1")
        let wait = await table.registerSettledWait(SettledWaitRequest(address: failed))
        await freshDumpDone(table)
        #expect(!wait.isComplete, "a failed address never settles a wait for it")
        let unanswered = try #require(await table.endSettledWait(wait))
        #expect(unanswered.pending.isEmpty)
        #expect(ids(unanswered.unbindable) == ["2/2001:db8:20::1"])
        #expect(unanswered.unbindable.first?.reasons.names == ["dadfailed"])
        // The plain wait's timeout asks the same question.
        #expect(
            ids(await table.whyUnanswered(SettledWaitRequest(interface: "veth0")).unbindable) == ["2/2001:db8:20::1"])
    }

    @Test("addresses the policy excludes are not pending")
    func excludedIsNotPending() async throws {
        var policy = BindPolicy()
        policy.families = [.inet]
        // veth0 has 2001:db8:71::1 still tentative, and IPv4 addresses.
        let table = try await makeTable(policy: policy, "dump-addresses")
        let wait = await table.registerSettledWait(SettledWaitRequest(interface: "veth0"))
        await freshDumpDone(table)
        #expect(ids(await wait.settled()) == ["2/10.9.9.1/32/peer/10.9.9.2", "2/192.0.2.10/24"])
        _ = await table.endSettledWait(wait)

        let unfiltered = try await makeTable("dump-addresses")
        let held = await unfiltered.registerSettledWait(SettledWaitRequest(interface: "veth0"))
        await freshDumpDone(unfiltered)
        #expect(!held.isComplete)
        #expect(ids(await unfiltered.endSettledWait(held)?.pending) == ["2/2001:db8:71::1"])
    }

    @Test("loopback settles nothing unless the wait names it")
    func loopbackOnlyWhenNamed() async throws {
        let loopback = try RecordedMessages("dump-addresses").payloads.filter {
            if case .address(let message) = $0 { return message.ifindex == 1 }
            return false
        }
        let table = try await makeTable()
        _ = await table.apply(loopback)
        let host = await table.registerSettledWait(SettledWaitRequest())
        let named = await table.registerSettledWait(SettledWaitRequest(interface: "lo"))
        let address = await table.registerSettledWait(SettledWaitRequest(address: (try? IPAddress("::1"))))
        await freshDumpDone(table, 3)
        #expect(ids(await named.settled()) == ["1/::1", "1/127.0.0.1/8"])
        #expect(ids(await address.settled()) == ["1/::1"])
        #expect(!host.isComplete)
        for wait in [host, named, address] { _ = await table.endSettledWait(wait) }
    }

    @Test("with a minimum scope, a link-local address alone does not settle a link")
    func minimumScope() async throws {
        let linkLocal = try #require(RecordedMessages("link-down-up").payloads.last)
        let table = try await makeTable()
        _ = await table.apply([linkLocal])
        let global = await table.registerSettledWait(SettledWaitRequest(interface: "veth0", minimumScope: .global))
        let any = await table.registerSettledWait(SettledWaitRequest(interface: "veth0"))
        await freshDumpDone(table, 2)
        #expect(ids(await any.settled()) == ["2/fe80::b0:ff:fe00:1"])
        #expect(!global.isComplete)
        _ = await table.apply(try RecordedMessages("ipv6-nodad").payloads)
        // Every bindable address is listed, not only those of the scope asked for.
        #expect(ids(await global.settled()) == ["2/2001:db8:11::1", "2/fe80::b0:ff:fe00:1"])
        for wait in [global, any] { _ = await table.endSettledWait(wait) }
    }

    @Test("a wait for one address ignores the others")
    func oneAddress() async throws {
        let table = try await makeTable("dump-addresses")
        let recorded = try RecordedMessages("ipv6-manual-dad-success")
        _ = await table.apply([recorded.payloads[0]])
        // 2001:db8:71::1 stays tentative on the same link.
        let wait = await table.registerSettledWait(SettledWaitRequest(address: (try? IPAddress("2001:db8:10::1"))))
        await freshDumpDone(table)
        #expect(!wait.isComplete)
        _ = await table.apply([recorded.payloads[1]])
        #expect(ids(await wait.settled()) == ["2/2001:db8:10::1"])
        _ = await table.endSettledWait(wait)
    }

    @Test("an address of the other family than the one asked for never settles the wait")
    func addressOfOtherFamily() async throws {
        let table = try await makeTable("ipv6-nodad")
        let request = SettledWaitRequest(family: .inet, address: (try? IPAddress("2001:db8:11::1")))
        let wait = await table.registerSettledWait(request)
        await freshDumpDone(table)
        #expect(!wait.isComplete)
        _ = await table.endSettledWait(wait)
    }

    @Test("an unsynced table answers nothing")
    func unsynced() async throws {
        let table = try await makeTable("ipv6-nodad")
        await table.setSynced(false)
        let wait = await table.registerSettledWait(SettledWaitRequest(interface: "veth0"))
        await freshDumpDone(table)
        #expect(!wait.isComplete)
        await table.setSynced(true)
        #expect(wait.isComplete)
        _ = await table.endSettledWait(wait)
    }
}

extension SettledWaitTests {
    @Test("a link that went down holds the wait until its addresses are re-evaluated")
    func deferredLinkDown() async throws {
        let table = try await makeTable("ipv6-nodad")
        // veth0 goes down; the monitor defers re-evaluating its IPv6 address.
        let recorded = try RecordedMessages("link-down-up")
        _ = await table.apply([recorded.payloads[0]], deferringLinkReevaluation: true)
        let wait = await table.registerSettledWait(SettledWaitRequest(interface: "veth0"))
        await freshDumpDone(table)
        // The address still has its verdict from before the link went down: bindable.
        #expect(!wait.isComplete)
        #expect(await table.reevaluateDeferredLinks(quiet: 0, limit: 0) == 0)
        // Now it has link-down, and nothing on veth0 binds.
        #expect(!wait.isComplete)
        // Up again; the link's dump (for its link-local address) is in.
        _ = await table.apply(Array(recorded.payloads[3...]), deferringLinkReevaluation: true)
        await freshDumpDone(table, awaiting: [])
        #expect(ids(await wait.settled())?.contains("2/2001:db8:11::1") == true)
        _ = await table.endSettledWait(wait)
    }
}

extension LiveTable {
    /// What a timeout would name now, without ending the wait.
    fileprivate func endSettledWaitPending(_ wait: SettledWait) -> [Address] {
        table.pendingAddresses(of: wait.request)
    }
}
