import BindwatchModel
import BindwatchNetlink
import BindwatchVarlink
import EventLoopConcurrency
import Glibc
import Logging
import NIOCore
import NIOPosix

/// The one owner of the address table that serves. The netlink monitor sends it what the
/// kernel said; clients ask it questions and subscribe to its changes. The table itself is a
/// plain value (`AddressTable`); this actor adds the subscribers, the event log, readiness
/// and the settled waits around it.
///
/// It runs on one NIO event loop (its executor): the daemon reads netlink and serves its
/// clients on that same loop, so a kernel message is applied, encoded and written to each
/// subscriber's socket in one pass, on one thread (`assumeIsolated` from the loop's handlers).
public actor LiveTable {
    /// Appends a subscriber's event, encoded around the address's JSON (which the table writes
    /// once per change for the event log and every subscriber), to `output`.
    public typealias EventEncoder =
        @Sendable (
            _ kind: TableEvent.Kind, _ generation: UInt64, _ address: [UInt8], _ output: inout [UInt8]
        ) -> Void

    public struct Status: Sendable {
        public var links: Int
        public var addresses: Int
        public var bindable: Int
        public var generation: UInt64
        public var netlinkMessages: Int
        public var malformedMessages: Int
        public var resyncs: Int
        public var synced: Bool
        public var subscribers: Int
        public var isReady: Bool
        /// nil when the event log is off.
        public var eventLogPath: String?
        public var eventLogLinesDropped: Int
        public var states: AddressStateCounts
        public var events: AddressEventCounts
        public var dadFailures: Int
    }

    /// The table; changed only through this actor's methods.
    package private(set) var table: AddressTable
    /// Where the table's changes go.
    var fanout: Fanout
    private let logger: Logger
    private var nextSubscriptionID: UInt64 = 0
    private var resyncs = 0
    private(set) var synced = false
    private var isReady: Bool { fanout.isLogging }
    private nonisolated let readiness = OneShotSignal()

    // The settled waits' state (LiveTable+SettledWaits.swift).
    var settledWaits: [UInt64: SettledWait] = [:]
    var nextSettledWaitID: UInt64 = 0
    var dumpProgress = DumpProgress()
    /// Asks the netlink monitor for a dump of every address; see `registerSettledWait`.
    var freshDumpRequester: (@Sendable (UInt64) -> Void)?
    var freshDumpsRequested: UInt64 = 0
    /// See `linksToDumpAfterDown`.
    private var linksToDump: [Int32] = []

    /// The loop the table runs on.
    public nonisolated let eventLoop: any EventLoop
    /// Held so that the unowned reference below stays valid: a loop that is not itself a
    /// `SerialExecutor` hands out a new wrapper each time it is asked.
    private nonisolated let executor: any SerialExecutor
    public nonisolated var unownedExecutor: UnownedSerialExecutor { executor.asUnownedSerialExecutor() }

    public init(
        policy: BindPolicy = BindPolicy(),
        subscriptionLimits: Subscription.Limits = .standard,
        eventLog: EventLogConfiguration? = nil,
        logger: Logger,
        eventEncoder: EventEncoder? = nil,
        eventLoop: any EventLoop = MultiThreadedEventLoopGroup.singleton.next()
    ) {
        self.eventLoop = eventLoop
        self.executor = eventLoop.executor
        self.table = AddressTable(policy: policy)
        self.logger = logger
        self.fanout = Fanout(
            eventLog: eventLog.map { EventLogWriter(configuration: $0, logger: logger) }, eventEncoder: eventEncoder,
            subscriptionLimits: subscriptionLimits, logger: logger)
    }

    public var generation: UInt64 { table.generation }

    // MARK: Readiness and status

    /// Returns once the initial dump is in the table, or when the calling task is cancelled.
    public nonisolated func waitUntilReady() async {
        await readiness.wait()
    }

    /// The initial dump is in (or the resync attempts ran out): serve, and start the event log
    /// with a `started` line. The addresses found at start are counted there, not listed.
    package func markReady() {
        guard !isReady else { return }
        fanout.isLogging = true
        readiness.fire()
        logDaemonEvent(.started) { json in
            json.field("version", BindwatchDaemon.version)
            json.field("pid", Int(getpid()))
        }
    }

    /// The counts are those of every verdict current: a link that went down and awaits its
    /// re-evaluation is counted as re-evaluated, but not re-evaluated (monitoring polls this).
    public func status() -> Status {
        let (bindable, states) =
            table.linksAwaitingReevaluation.isEmpty
            ? (table.bindableCount, table.stateCounts) : table.countsWithDeferredLinksReevaluated()
        return Status(
            links: table.linkCount, addresses: table.addressCount, bindable: bindable,
            generation: table.generation, netlinkMessages: table.netlinkMessages,
            malformedMessages: table.malformedMessages, resyncs: resyncs, synced: synced,
            subscribers: fanout.subscriptions.count, isReady: isReady,
            eventLogPath: fanout.eventLog?.configuration.path,
            eventLogLinesDropped: fanout.eventLog?.linesDropped ?? 0, states: states,
            events: table.eventCounts, dadFailures: table.dadFailures)
    }

    /// Bytes written to Watch subscribers that they have not read yet: memory freed only
    /// once they read it.
    package var subscriberBacklogBytes: Int { fanout.subscriptions.values.reduce(0) { $0 + $1.backlogBytes } }

    /// How many addresses the link's table has room for, for tests of its memory.
    package func addressCapacity(ifindex: Int32) -> Int { table.addressCapacity(ifindex: ifindex) }

    // MARK: From the netlink monitor

    /// Applies kernel messages in order: dump replies and events alike are upserts.
    ///
    /// The netlink monitor applies every datagram of one wake-up with `endingBatch` false and
    /// then calls `endBatch()`: one write per subscriber and one to the event log for all of
    /// them. It defers re-evaluating a link that went down (see `AddressTable.apply`) and
    /// calls `reevaluateDeferredLinks` later.
    package func apply(
        _ payloads: [NetlinkMessage.Payload], deferringLinkReevaluation: Bool = false, endingBatch: Bool = true
    ) -> AddressTable.ApplyOutcome {
        fanout.largestAddressCount = table.largestAddressCount
        let outcome = table.apply(payloads, deferringLinkReevaluation: deferringLinkReevaluation, changes: &fanout)
        for ifindex in outcome.linksAwaitingDump { awaitDump(of: ifindex) }
        if endingBatch { endBatch() }
        return outcome
    }

    /// Links that went down and whose addresses still carry their verdicts from before.
    package var deferredLinkCount: Int { table.linksAwaitingReevaluation.count }

    /// Re-evaluates the deferred links the kernel stopped removing addresses from `quiet`
    /// nanoseconds ago, or that waited `limit`. Returns how many are still deferred.
    ///
    /// Not while events are lost and a resync runs: the removals that overflowed the socket are
    /// not coming, and the sweep, not a `changed` each, must tell of those addresses.
    package func reevaluateDeferredLinks(quiet: UInt64, limit: UInt64) -> Int {
        guard !table.linksAwaitingReevaluation.isEmpty else { return 0 }
        guard synced else { return table.linksAwaitingReevaluation.count }
        fanout.largestAddressCount = table.largestAddressCount
        let (remaining, keptIPv6) = table.reevaluateDeferredLinks(quiet: quiet, limit: limit, changes: &fanout)
        linksToDumpAfterDown(keptIPv6)
        endBatch()
        if remaining == 0 && !settledWaits.isEmpty { lookAtSettledWaits() }
        return remaining
    }

    /// A question about the table is answered with every verdict current: a deferred link is
    /// re-evaluated first (its events go out before the answer).
    func reevaluateDeferredLinksNow() {
        guard !table.linksAwaitingReevaluation.isEmpty else { return }
        fanout.largestAddressCount = table.largestAddressCount
        linksToDumpAfterDown(table.reevaluateDeferredLinks(force: true, changes: &fanout).keptIPv6)
        endBatch()
        if !settledWaits.isEmpty { lookAtSettledWaits() }
    }

    /// Links set down that kept IPv6 addresses: the monitor dumps them (`takeLinksToDump`),
    /// and settled waits wait for that.
    private func linksToDumpAfterDown(_ ifindexes: [Int32]) {
        for ifindex in ifindexes {
            awaitDump(of: ifindex)
            if !linksToDump.contains(ifindex) { linksToDump.append(ifindex) }
        }
    }

    /// The links whose addresses the monitor must dump, once.
    package func takeLinksToDump() -> [Int32] {
        defer { linksToDump.removeAll() }
        return linksToDump
    }

    /// The kernel dropped events: the table is not the kernel's until a resync ends.
    package func eventsLost() {
        setSynced(false)
    }

    /// A full resync starts: from now on every address and link the kernel mentions is marked.
    /// Returns the mark, for `resyncFinished`.
    package func resyncStarted() -> UInt32 {
        resyncs += 1
        return table.beginSweep()
    }

    /// Ends a full resync: removes what the dumps did not confirm, and logs a `resync` line
    /// (or `started` for the first one). Returns how many addresses were removed.
    package func resyncFinished(sweep: UInt32, synced: Bool) -> Int {
        let wasReady = isReady
        let removed = endSweep(sweep)
        setSynced(synced)
        if wasReady {
            logDaemonEvent(.resync) { json in json.field("removed", removed) }
        } else {
            markReady()
        }
        return removed
    }

    /// A resync failed. Once the attempts ran out, serve what there is (with `synced: false`).
    package func resyncFailed(willRetrySoon: Bool) {
        setSynced(false)
        if !willRetrySoon { markReady() }
    }

    /// Starts a mark-and-sweep by hand, without counting a resync (tests).
    package func beginSweep() -> UInt32 { table.beginSweep() }

    /// Removes whatever neither a dump nor an event confirmed since `beginSweep`.
    package func endSweep(_ sweep: UInt32) -> Int {
        fanout.largestAddressCount = table.largestAddressCount
        let removed = table.endSweep(sweep, changes: &fanout)
        endBatch()
        return removed
    }

    func setSynced(_ synced: Bool) {
        self.synced = synced
        if synced { lookAtSettledWaits() }
    }

    // MARK: Queries

    /// The addresses matching `filter`, in preference order.
    public func list(_ filter: AddressFilter) -> (generation: UInt64, addresses: [Address]) {
        reevaluateDeferredLinksNow()
        return (table.generation, table.addresses(matching: filter))
    }

    /// A snapshot and a feed of every later change, taken atomically: the feed starts right
    /// after the snapshot's generation.
    public func subscribe(
        _ filter: AddressFilter, encoded: Bool
    ) -> (generation: UInt64, snapshot: [Address], subscription: Subscription) {
        reevaluateDeferredLinksNow()
        nextSubscriptionID += 1
        let subscription = Subscription(
            id: nextSubscriptionID, filter: filter, wantsEncoding: encoded, limits: fanout.subscriptionLimits)
        fanout.subscriptions[subscription.id] = subscription
        return (table.generation, table.addresses(matching: filter), subscription)
    }

    /// A `Watch`: `writeSnapshot` writes the snapshot to `writer` before any event can be
    /// written to it; from then on the table writes each batch's events to it.
    package func watch(
        _ filter: AddressFilter, writer: any SubscriberWriter,
        writeSnapshot: (_ generation: UInt64, _ snapshot: [Address]) -> Void
    ) -> Subscription {
        reevaluateDeferredLinksNow()
        nextSubscriptionID += 1
        let subscription = Subscription(
            id: nextSubscriptionID, filter: filter, wantsEncoding: true, writer: writer,
            limits: fanout.subscriptionLimits)
        writeSnapshot(table.generation, table.addresses(matching: filter))
        fanout.subscriptions[subscription.id] = subscription
        return subscription
    }

    public func unsubscribe(_ subscription: Subscription) {
        fanout.remove(subscription)
        subscription.finish()
    }

    /// The name of the link `zone` names (`AddressTable.link(zone:)`); the zone itself when
    /// no link does yet, for a link of that name may appear while a `Wait` waits.
    package func interfaceName(zone: String) -> String { table.link(zone: zone)?.name ?? zone }

    /// Every copy of `target`, with the policy that gave them their reasons: `Explain`, in
    /// one call.
    package func copies(of target: IPAddress, zone: String?) -> (addresses: [Address], policy: BindPolicy) {
        reevaluateDeferredLinksNow()
        return (table.copies(of: target, zone: zone), table.policy)
    }

    // MARK: Policy and the event log

    /// Re-evaluates every address under a new policy and publishes what changed.
    public func setPolicy(_ newPolicy: BindPolicy) {
        fanout.largestAddressCount = table.largestAddressCount
        table.setPolicy(newPolicy, changes: &fanout)
        endBatch()
    }

    /// SIGHUP: applies a reloaded policy (its events go to subscribers and the log), reopens the
    /// event log (logrotate moved it; or its settings changed) and logs `config-reloaded`.
    /// Returns the number of changes the new policy made.
    public func reload(policy newPolicy: BindPolicy, eventLog configuration: EventLogConfiguration?) -> UInt64 {
        let before = table.generation
        setPolicy(newPolicy)
        switch (fanout.eventLog, configuration) {
        case (let writer?, let configuration?):
            writer.reopen(with: configuration)
        case (let writer?, nil):
            writer.close()
            fanout.eventLog = nil
        case (nil, let configuration?):
            fanout.eventLog = EventLogWriter(configuration: configuration, logger: logger)
        case (nil, nil):
            break
        }
        let changes = table.generation - before
        logDaemonEvent(.configReloaded) { json in json.field("addressEvents", changes) }
        return changes
    }

    /// SIGHUP with a config file that was refused: the log is still reopened for logrotate.
    public func reopenEventLog() {
        guard let eventLog = fanout.eventLog else { return }
        eventLog.reopen(with: eventLog.configuration)
    }

    /// The last line: `stopping`, then the log is closed.
    public func stop() {
        logDaemonEvent(.stopping)
        fanout.eventLog?.close()
        fanout.eventLog = nil
    }

    private func logDaemonEvent(
        _ type: EventLogEntry.DaemonEventType, details: (inout JSONWriter) -> Void = { _ in }
    ) {
        guard let eventLog = fanout.eventLog else { return }
        eventLog.append(
            EventLogEntry.daemonEvent(
                sequence: eventLog.nextSequence(), time: fanout.batchTimestamp(), type: type,
                counts: .init(links: table.linkCount, addresses: table.addressCount, bindable: table.bindableCount),
                synced: synced, details: details))
        endBatch()
    }

    /// Writes the batch out (event-log lines, one write per subscriber). Settled waits look at
    /// the table between batches, never inside one.
    package func endBatch() {
        fanout.flush()
        if fanout.settledWaitsNeedLook { lookAtSettledWaits() }
    }
}
