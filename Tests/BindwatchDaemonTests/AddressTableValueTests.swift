import Testing

@testable import BindwatchModel
@testable import BindwatchNetlink

/// The table as a plain value: fed recorded kernel messages, synchronously, with no actor, no
/// event loop and no I/O.
@Suite("The address table as a value", .timeLimit(.minutes(1)))
struct AddressTableValueTests {
    private func table(policy: BindPolicy = BindPolicy()) throws -> AddressTable {
        var table = AddressTable(policy: policy)
        var ignored = IgnoredChanges()
        _ = table.apply(try RecordedMessages("dump-links").payloads, changes: &ignored)
        return table
    }

    @Test("every change reaches the sink in order; replaying them onto the first view gives the table")
    func changesReplay() throws {
        var table = try table()
        var changes = CollectedChanges()
        _ = table.apply(try RecordedMessages("dump-addresses").payloads, changes: &changes)
        let start = table.addresses(matching: AddressFilter(includesUnbindable: true))
        var view = Dictionary(uniqueKeysWithValues: start.map { ($0.id, $0) })
        changes = CollectedChanges()
        for name in ["ipv6-manual-dad-success", "ipv6-dadfailed", "ipv6-deprecated", "link-rename", "link-down-up"] {
            _ = table.apply(try RecordedMessages(name).payloads, changes: &changes)
        }
        #expect(!changes.changes.isEmpty)
        var generation = changes.changes.first!.generation - 1
        for change in changes.changes {
            #expect(change.generation == generation + 1)
            generation = change.generation
            if let after = change.after {
                view[after.id] = after
            } else if let before = change.before {
                view[before.id] = nil
            }
        }
        #expect(generation == table.generation)
        let listed = table.addresses(matching: AddressFilter(includesUnbindable: true))
        #expect(Set(view.keys) == Set(listed.map(\.id)))
        for address in listed { #expect(view[address.id]?.isSameExceptLifetimes(as: address) == true, "\(address.id)") }
    }

    @Test("nobody observing: the generation moves, the sink gets no addresses, the counts stay right")
    func unobserved() throws {
        var observed = try table()
        var unobserved = try table()
        var collected = CollectedChanges()
        var ignored = IgnoredChanges()
        let payloads = try RecordedMessages("dump-addresses").payloads
        _ = observed.apply(payloads, changes: &collected)
        _ = unobserved.apply(payloads, changes: &ignored)
        #expect(unobserved.generation == observed.generation)
        #expect(unobserved.addressCount == observed.addressCount)
        #expect(unobserved.bindableCount == observed.bindableCount)
        #expect(collected.changes.count == Int(observed.generation))
    }

    @Test("a link going down changes the verdict of its addresses, and says why")
    func linkDown() throws {
        var table = try table()
        var ignored = IgnoredChanges()
        _ = table.apply(try RecordedMessages("dump-addresses").payloads, changes: &ignored)
        let bindableBefore = table.bindableCount
        var changes = CollectedChanges()
        // veth0 goes down: one RTM_NEWLINK.
        _ = table.apply([try RecordedMessages("link-down-up").payloads[0]], changes: &changes)
        #expect(!changes.changes.isEmpty)
        #expect(
            changes.changes.allSatisfy {
                $0.after?.reasons.contains(.linkDown) == true && $0.after?.interface == "veth0"
            })
        #expect(table.bindableCount < bindableBefore)
        #expect(Set(changes.touched).count == changes.changes.count)
    }

    @Test("a sweep removes what the resync did not confirm")
    func sweep() throws {
        var table = try table()
        var ignored = IgnoredChanges()
        _ = table.apply(try RecordedMessages("dump-addresses").payloads, changes: &ignored)
        let before = table.addressCount
        let sweep = table.beginSweep()
        // The resync's dump confirms every address but one.
        let addresses = try RecordedMessages("dump-addresses").addresses
        _ = table.apply(try RecordedMessages("dump-links").payloads, changes: &ignored)
        _ = table.apply(addresses.dropFirst().map { .address($0) }, changes: &ignored)
        var changes = CollectedChanges()
        #expect(table.endSweep(sweep, changes: &changes) == 1)
        #expect(table.addressCount == before - 1)
        #expect(changes.changes.count == 1 && changes.changes[0].after == nil)
    }

    @Test("counts by family and state, by kind of change, and DAD failures, observed or not", arguments: [true, false])
    func counters(observed: Bool) throws {
        var table = try table()
        var collected = CollectedChanges()
        var ignored = IgnoredChanges()
        for name in ["dump-addresses", "ipv6-manual-dad-success", "ipv6-dadfailed", "ipv6-deprecated", "link-down-up"] {
            let payloads = try RecordedMessages(name).payloads
            _ = observed ? table.apply(payloads, changes: &collected) : table.apply(payloads, changes: &ignored)
        }
        // The states add up to the table, and each address is counted in its first reason.
        let listed = table.addresses(matching: AddressFilter(includesUnbindable: true))
        for family in [AddressFamily.inet, .inet6] {
            for state in AddressStateCounts.states {
                let expected = listed.count {
                    $0.family == family && ($0.reasons.isEmpty ? "bindable" : $0.reasons.names[0]) == state
                }
                #expect(table.stateCounts.count(family: family, state: state) == expected, "\(family) \(state)")
            }
        }
        #expect(table.stateCounts.all.count == 2 * 9)
        #expect(table.stateCounts.count(family: .inet6, state: "dadfailed") == 1)
        #expect(table.dadFailures == 1)
        let events = table.eventCounts
        #expect(UInt64(events.added + events.changed + events.removed) == table.generation)
        #expect(events.added - events.removed == table.addressCount)
        if observed {
            #expect(events.added == collected.changes.count { $0.before == nil })
            #expect(events.removed == collected.changes.count { $0.after == nil })
        }
        // The same failure reported again (as a resync's dump would) is not a second failure.
        let dadFailed = try #require(try RecordedMessages("ipv6-dadfailed").payloads.last)
        _ = table.apply([dadFailed], changes: &ignored)
        #expect(table.dadFailures == 1)
    }

    /// The addresses with their verdicts, comparable across two tables.
    private func verdicts(_ table: AddressTable) -> [String: [String]] {
        Dictionary(
            uniqueKeysWithValues: table.addresses(matching: AddressFilter(includesUnbindable: true)).map {
                ($0.id, $0.reasons.names)
            })
    }

    @Test(
        "a link going down: IPv4 at once, IPv6 only the kernel's removals until the re-evaluation, then the same table")
    func deferredLinkReevaluation() throws {
        var deferred = try table()
        var immediate = try table()
        var ignored = IgnoredChanges()
        // veth0's addresses: the dump's, two IPv4 ones and the two IPv6 ones the kernel deletes.
        let recorded = try RecordedMessages("link-down-up")
        let deletedLater = recorded.addresses.prefix(2).map { NetlinkMessage.Payload.address($0.asNew) }
        let setup =
            try RecordedMessages("dump-addresses").payloads + RecordedMessages("ipv4-peer").payloads + deletedLater
        _ = deferred.apply(setup, changes: &ignored)
        _ = immediate.apply(setup, changes: &ignored)
        // Down, then the kernel's RTM_DELADDR for two IPv6 addresses.
        let down = Array(recorded.payloads.prefix(3))
        var changes = CollectedChanges()
        _ = deferred.apply([down[0]], deferringLinkReevaluation: true, changes: &changes)
        #expect(!changes.changes.isEmpty)
        #expect(
            changes.changes.allSatisfy {
                $0.after?.family == .inet && $0.after?.reasons.contains(.linkDown) == true
            })
        let pending = try #require(deferred.linksAwaitingReevaluation[2])
        #expect(pending.lastRemoval == nil)
        // GetStatus's counts are those of the re-evaluation, before and after the removals.
        var downOnly = immediate
        _ = downOnly.apply([down[0]], changes: &ignored)
        #expect(deferred.countsWithDeferredLinksReevaluated().bindable == downOnly.bindableCount)
        #expect(deferred.countsWithDeferredLinksReevaluated().states == downOnly.stateCounts)
        #expect(deferred.bindableCount != downOnly.bindableCount)

        changes = CollectedChanges()
        _ = deferred.apply(Array(down[1...]), deferringLinkReevaluation: true, changes: &changes)
        #expect(changes.changes.count == 2 && changes.changes.allSatisfy { $0.after == nil })
        #expect(try #require(deferred.linksAwaitingReevaluation[2]?.lastRemoval) >= pending.since)
        _ = immediate.apply(down, changes: &ignored)
        #expect(deferred.countsWithDeferredLinksReevaluated().bindable == immediate.bindableCount)
        #expect(deferred.countsWithDeferredLinksReevaluated().states == immediate.stateCounts)

        changes = CollectedChanges()
        // IPv6 addresses the kernel did not delete (keep_addr_on_down): the link must be dumped.
        let result = deferred.reevaluateDeferredLinks(force: true, changes: &changes)
        #expect(result.remaining == 0)
        #expect(result.keptIPv6 == [2])
        #expect(!changes.changes.isEmpty)
        #expect(
            changes.changes.allSatisfy {
                $0.after?.family == .inet6 && $0.after?.reasons.contains(.linkDown) == true
            })
        #expect(verdicts(deferred) == verdicts(immediate))
        #expect(deferred.bindableCount == immediate.bindableCount)
        #expect(deferred.stateCounts == immediate.stateCounts)
    }

    @Test("a deferred link waits for the kernel's removals to start and stop, or for the limit")
    func deferredLinkTiming() throws {
        var table = try table()
        var ignored = IgnoredChanges()
        let recorded = try RecordedMessages("link-down-up")
        let deletedLater = recorded.addresses.prefix(2).map { NetlinkMessage.Payload.address($0.asNew) }
        _ = table.apply(try RecordedMessages("dump-addresses").payloads + deletedLater, changes: &ignored)
        let quiet: UInt64 = 20_000_000
        let limit: UInt64 = 1_000_000_000
        func at(_ nanoseconds: UInt64) -> MonotonicInstant { MonotonicInstant(nanoseconds: nanoseconds) }
        func remaining(_ table: AddressTable, at now: UInt64) -> Int {
            var copy = table
            var ignored = IgnoredChanges()
            return copy.reevaluateDeferredLinks(now: at(now), quiet: quiet, limit: limit, changes: &ignored).remaining
        }

        _ = table.apply([recorded.payloads[0]], deferringLinkReevaluation: true, changes: &ignored)
        let since = try #require(table.linksAwaitingReevaluation[2]).since.nanoseconds
        // No removal yet (the kernel is still clearing routes): wait, up to the limit.
        #expect(remaining(table, at: since + quiet) == 1)
        #expect(remaining(table, at: since + limit - 1) == 1)
        #expect(remaining(table, at: since + limit) == 0)

        _ = table.apply(Array(recorded.payloads[1...2]), deferringLinkReevaluation: true, changes: &ignored)
        let lastRemoval = try #require(table.linksAwaitingReevaluation[2]?.lastRemoval).nanoseconds
        // Removals coming: wait; none for `quiet`: done.
        #expect(remaining(table, at: lastRemoval + quiet - 1) == 1)
        #expect(remaining(table, at: lastRemoval + quiet) == 0)
    }

    @Test("a link that comes back up before its re-evaluation: no event for the IPv6 addresses it kept")
    func deferredLinkComesBackUp() throws {
        var table = try table()
        var ignored = IgnoredChanges()
        _ = table.apply(try RecordedMessages("ipv6-nodad").payloads, changes: &ignored)
        let recorded = try RecordedMessages("link-down-up").payloads
        var changes = CollectedChanges()
        _ = table.apply([recorded[0]], deferringLinkReevaluation: true, changes: &changes)
        #expect(table.linksAwaitingReevaluation[2] != nil)
        // LOWER_UP and UP again (payloads[3] is the first RTM_NEWLINK of the way up).
        _ = table.apply(Array(recorded[3...]), deferringLinkReevaluation: true, changes: &changes)
        #expect(table.linksAwaitingReevaluation.isEmpty)
        #expect(!changes.changes.contains { $0.after?.address.description == "2001:db8:11::1" })
        #expect(verdicts(table)["2/2001:db8:11::1"] == [])
    }

    @Test("a link that loses RUNNING but stays up is re-evaluated at once: the kernel deletes nothing then")
    func carrierLossNotDeferred() throws {
        var policy = BindPolicy()
        policy.link = .running
        var table = try table(policy: policy)
        var ignored = IgnoredChanges()
        _ = table.apply(try RecordedMessages("ipv6-nodad").payloads, changes: &ignored)
        // veth0 as it is on the way up: UP and LOWER_UP, not RUNNING yet.
        let upNotRunning = try RecordedMessages("link-down-up").payloads[3]
        var changes = CollectedChanges()
        _ = table.apply([upNotRunning], deferringLinkReevaluation: true, changes: &changes)
        #expect(table.linksAwaitingReevaluation.isEmpty)
        #expect(changes.changes.map { $0.after?.reasons.names } == [["link-down"]])
    }
}
