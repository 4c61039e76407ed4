import BindwatchClient
import BindwatchDispatch
import Testing

@testable import BindwatchModel
@testable import BindwatchNetlink

/// The dispatcher's bookkeeping, fed what a bindable-set Watch would send for recorded kernel
/// messages: the table applies them, and its changes become the Watch's events.
@Suite("The dispatcher's runs", .timeLimit(.minutes(1)))
struct BindableSetTrackerTests {
    /// A table with the recorded links, and the Watch updates that `fixtures` produce after
    /// a snapshot of `start`.
    private struct Feed {
        var table = AddressTable()
        var generation: UInt64 { table.generation }

        /// `withAddresses`: the recorded address dump too, before any Watch looks.
        init(withAddresses: Bool = false) throws {
            var ignored = IgnoredChanges()
            _ = table.apply(try RecordedMessages("dump-links").payloads, changes: &ignored)
            if withAddresses {
                _ = table.apply(try RecordedMessages("dump-addresses").payloads, changes: &ignored)
            }
        }

        var snapshot: WatchUpdate {
            .snapshot(generation: table.generation, addresses: table.addresses(matching: AddressFilter()))
        }

        /// The events a Watch of the bindable set gets for these messages.
        mutating func events(_ fixture: String, first: Int? = nil) throws -> [WatchUpdate] {
            var changes = CollectedChanges()
            var payloads = try RecordedMessages(fixture).payloads
            if let first { payloads = Array(payloads.prefix(first)) }
            _ = table.apply(payloads, changes: &changes)
            return changes.changes.compactMap { change in
                let was = change.before?.isBindable ?? false
                let isNow = change.after?.isBindable ?? false
                let kind: TableEvent.Kind
                switch (was, isNow) {
                case (false, true): kind = .added
                case (true, false): kind = .removed
                case (true, true): kind = .changed
                case (false, false): return nil
                }
                let address = (isNow ? change.after : change.before)!
                return .event(TableEvent(kind: kind, generation: change.generation, address: address))
            }
        }
    }

    @Test("the first run is startup with the whole set; then only differences, and none for no difference")
    func startup() throws {
        var feed = try Feed()
        var tracker = BindableSetTracker()
        #expect(tracker.pendingRun() == nil, "no run before the snapshot")
        for update in try feed.events("dump-addresses") { tracker.apply(update) }
        #expect(tracker.pendingRun() == nil, "events before a snapshot are not a set")
        tracker.apply(feed.snapshot)
        let run = try #require(tracker.pendingRun())
        #expect(run.action == .startup)
        #expect(run.added.map(\.id) == run.bindable.map(\.id))
        #expect(run.bindable.map(\.id) == feed.table.addresses(matching: AddressFilter()).map(\.id))
        tracker.dispatched(run)
        #expect(tracker.pendingRun() == nil)
        // A new address is a run; the kernel repeating it with new lifetimes is none.
        for update in try feed.events("ipv6-lifetime-repeat", first: 1) { tracker.apply(update) }
        tracker.dispatched(try #require(tracker.pendingRun()))
        let repeated = try #require(try RecordedMessages("ipv6-lifetime-repeat").payloads.last)
        var changes = CollectedChanges()
        _ = feed.table.apply([repeated], changes: &changes)
        for change in changes.changes {
            tracker.apply(.event(TableEvent(kind: .changed, generation: change.generation, address: change.after!)))
        }
        #expect(tracker.pendingRun() == nil)
    }

    @Test("a DAD that succeeds is one address added; the tentative state before it is no run")
    func dad() throws {
        var feed = try Feed()
        var tracker = BindableSetTracker()
        tracker.apply(feed.snapshot)
        tracker.dispatched(try #require(tracker.pendingRun()))
        for update in try feed.events("ipv6-manual-dad-success", first: 1) { tracker.apply(update) }
        #expect(tracker.pendingRun() == nil, "tentative is not bindable: no change to the set")
        for update in try feed.events("ipv6-manual-dad-success") { tracker.apply(update) }
        let run = try #require(tracker.pendingRun())
        #expect(run.action == .changed)
        #expect(run.added.map { "\($0.address)" } == ["2001:db8:10::1"])
        #expect(run.removed.isEmpty)
        #expect(run.interfaces == ["veth0"])
        #expect(run.generation == feed.generation)
    }

    @Test("changes during a run merge into the next; what came and went in between is not reported")
    func merging() throws {
        var feed = try Feed(withAddresses: true)
        var tracker = BindableSetTracker()
        tracker.apply(feed.snapshot)
        let startup = try #require(tracker.pendingRun())
        // While the startup run goes on, veth0 goes down and up again (its addresses leave the
        // set and come back, the link-local one deleted and re-added), and a DAD succeeds.
        var churn = 0
        for update in try feed.events("link-down-up") + feed.events("ipv6-manual-dad-success") {
            tracker.apply(update)
            churn += 1
        }
        #expect(churn > 4)
        tracker.dispatched(startup)
        let run = try #require(tracker.pendingRun())
        #expect(run.added.map { "\($0.address)" } == ["2001:db8:10::1"])
        #expect(run.removed.isEmpty)
        #expect(Set(run.bindable.map(\.id)) == Set(feed.table.addresses(matching: AddressFilter()).map(\.id)))
        tracker.dispatched(run)
        #expect(tracker.pendingRun() == nil)
    }

    @Test("a lost connection runs nothing; the next snapshot's difference is the next run")
    func reconnect() throws {
        var feed = try Feed(withAddresses: true)
        var tracker = BindableSetTracker()
        tracker.apply(feed.snapshot)
        let startup = try #require(tracker.pendingRun())
        tracker.dispatched(startup)
        tracker.connectionLost()
        // What the daemon reports after its restart: veth0's IPv6 addresses gone.
        _ = try feed.events("link-down-up", first: 1)
        #expect(tracker.pendingRun() == nil)
        tracker.apply(feed.snapshot)
        let run = try #require(tracker.pendingRun())
        #expect(run.action == .changed)
        #expect(run.added.isEmpty)
        #expect(!run.removed.isEmpty)
        #expect(run.removed.allSatisfy { $0.interface == "veth0" })
    }

    @Test("the environment: zones on link-local addresses, families apart, a list too long for execve left out")
    func environment() throws {
        let feed = try Feed(withAddresses: true)
        var tracker = BindableSetTracker()
        tracker.apply(feed.snapshot)
        var run = try #require(tracker.pendingRun())
        let variables = Dictionary(uniqueKeysWithValues: run.environment.map { ($0.name, $0.value) })
        let bindable = variables["BINDWATCH_BINDABLE"]!.split(separator: " ").map(String.init)
        #expect(bindable.count == run.bindable.count)
        #expect(bindable.filter { $0.hasPrefix("fe80:") }.allSatisfy { $0.contains("%") })
        #expect(variables["BINDWATCH_BINDABLE_INET"]!.split(separator: " ").allSatisfy { !$0.contains(":") })
        #expect(variables["BINDWATCH_BINDABLE_INET6"]!.split(separator: " ").allSatisfy { $0.contains(":") })
        #expect(variables["BINDWATCH_ACTION"] == "startup")
        #expect(variables["BINDWATCH_TRUNCATED"] == "")

        run.bindable = Array(repeating: run.bindable[0], count: 20_000)
        let long = Dictionary(uniqueKeysWithValues: run.environment.map { ($0.name, $0.value) })
        #expect(long["BINDWATCH_BINDABLE"] == "")
        #expect(long["BINDWATCH_TRUNCATED"]?.split(separator: " ").contains("BINDWATCH_BINDABLE") == true)
        // stdin still has them all.
        let input = try JSONParser.parse(run.standardInput)
        guard case .array(let all)? = input["bindable"] else {
            Issue.record("no bindable array")
            return
        }
        #expect(all.count == 20_000)
    }
}
