import BindwatchModel
import BindwatchNetlink
import BindwatchVarlink
import EventLoopConcurrency
import Glibc
import Logging
import NIOCore
import NIOPosix

/// The one owner of the address table. The netlink monitor sends it what the kernel said;
/// clients ask it questions and subscribe to its changes.
///
/// It runs on one NIO event loop (its executor): the daemon reads netlink and serves its
/// clients on that same loop, so a kernel message is applied, encoded and written to each
/// subscriber's socket in one pass, on one thread (`assumeIsolated` from the loop's handlers).
public actor AddressTable {
    struct LinkEntry {
        var link: Link
        /// False for a link known only from an address message (events raced a resync).
        var isKnown: Bool
        var confirmedSweep: UInt32
        var addresses: [LinkAddressKey: AddressRecord] = [:]
        /// Peers and labels of the few addresses that have them (`AddressRecord.Details.hasExtras`).
        var extras: [LinkAddressKey: AddressExtras] = [:]
        /// What settled waits ask about this link, kept current by `remember` and `forget`.
        var counts = SettlementCounts()

        func extras(for key: LinkAddressKey, _ record: AddressRecord) -> AddressExtras? {
            record.details.contains(.hasExtras) ? extras[key] : nil
        }

        /// A hash table keeps its capacity when emptied: after a link that held 100,000
        /// addresses loses them, give the memory back (262,144 buckets of 56 bytes at that size).
        mutating func shrinkIfSparse() {
            guard addresses.capacity > 1024 && addresses.count * 8 < addresses.capacity else { return }
            var shrunk = [LinkAddressKey: AddressRecord](minimumCapacity: addresses.count)
            for (key, record) in addresses { shrunk[key] = record }
            addresses = shrunk
        }

        /// `interface`: the link's name, unless the value is from before a rename.
        func published(
            _ key: LinkAddressKey, _ record: AddressRecord, interface: String? = nil, now: MonotonicInstant
        ) -> Address {
            record.published(
                key: key.addressKey(ifindex: link.index), interface: interface ?? link.name,
                extras: extras(for: key, record), now: now)
        }
    }

    /// Encodes a subscriber's event around the address's JSON, which the table writes once per
    /// change for the event log and every subscriber.
    public typealias EventEncoder =
        @Sendable (_ kind: TableEvent.Kind, _ generation: UInt64, _ address: [UInt8]) ->
        ByteBuffer

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
    }

    /// What applying a batch of kernel messages found that the monitor must act on.
    package struct ApplyOutcome {
        /// Links that gained IFF_UP, IFF_RUNNING or IFF_LOWER_UP: the kernel has just made
        /// addresses on them (link-local) that it will not announce until DAD ends.
        package var linksCameUp: [Int32] = []
    }

    // Internal rather than private: the settled waits' extension reads it.
    var links: [Int32: LinkEntry] = [:]
    private var policy: BindPolicy
    private let logger: Logger
    private let eventEncoder: EventEncoder?
    private let subscriptionLimits: Subscription.Limits

    public private(set) var generation: UInt64 = 0
    private var addressCount = 0
    /// The most addresses the table has held; subscriber backlogs allow a change to each of
    /// them (`Subscription.Limits.perAddress`).
    private var largestAddressCount = 0
    private var burstAllowance: Int { subscriptionLimits.perAddress * largestAddressCount }
    private var bindableCount = 0
    private var sweep: UInt32 = 0
    private var subscriptions: [UInt64: Subscription] = [:]
    private var nextSubscriptionID: UInt64 = 0
    /// Each writing subscriber's encoded events of the batch being applied, written out as one
    /// buffer when the batch ends.
    private var pendingBatches: [UInt64: (buffer: ByteBuffer, messages: Int)] = [:]

    /// The loop the table runs on.
    public nonisolated let eventLoop: any EventLoop
    /// Held so that the unowned reference below stays valid: a loop that is not itself a
    /// `SerialExecutor` hands out a new wrapper each time it is asked.
    private nonisolated let executor: any SerialExecutor
    public nonisolated var unownedExecutor: UnownedSerialExecutor { executor.asUnownedSerialExecutor() }

    private var netlinkMessages = 0
    private var malformedMessages = 0
    private var resyncs = 0
    private(set) var synced = false
    private var isReady = false
    private nonisolated let readiness = OneShotSignal()
    /// Every change once the initial dump is in, unfiltered; nil when the log is off.
    private var eventLog: EventLogWriter?
    /// See `batchTimestamp()`.
    private var batchTime: String?

    // The settled waits' state (AddressTable+SettledWaits.swift).
    var settledWaits: [UInt64: SettledWait] = [:]
    var nextSettledWaitID: UInt64 = 0
    /// Set when something a settled wait depends on changed since they were last looked at.
    var settledWaitsNeedLook = false
    /// Waits for one address, by address: a change to another address does not concern them.
    var settledWaitTargets: [IPAddress: Int] = [:]
    /// Waits for a set of addresses, which any change may concern.
    var settledWaitsWithoutTarget = 0
    var dumpProgress = DumpProgress()
    /// Asks the netlink monitor for a dump of every address; see `registerSettledWait`.
    var freshDumpRequester: (@Sendable (UInt64) -> Void)?
    var freshDumpsRequested: UInt64 = 0

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
        self.policy = policy
        self.subscriptionLimits = subscriptionLimits
        self.logger = logger
        self.eventEncoder = eventEncoder
        self.eventLog = eventLog.map { EventLogWriter(configuration: $0, logger: logger) }
    }

    // MARK: Readiness and status

    /// Returns once the initial dump is in the table, or when the calling task is cancelled.
    public nonisolated func waitUntilReady() async {
        await readiness.wait()
    }

    /// The initial dump is in (or the resync attempts ran out): serve, and start the event log
    /// with a `started` line. The addresses found at start are counted there, not listed.
    package func markReady() {
        guard !isReady else { return }
        isReady = true
        readiness.fire()
        logDaemonEvent(.started) { json in
            json.field("version", VarlinkDispatcher.version)
            json.field("pid", Int(getpid()))
        }
    }

    func setSynced(_ synced: Bool) {
        self.synced = synced
        if synced { lookAtSettledWaits() }
    }
    func countResync() { resyncs += 1 }

    /// Ends a full resync: removes what the dumps did not confirm, and logs a `resync` line
    /// (or `started` for the first one). Returns how many addresses were removed.
    package func finishResync(sweep: UInt32, synced: Bool) -> Int {
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

    public func status() -> Status {
        Status(
            links: links.values.count(where: \.isKnown), addresses: addressCount, bindable: bindableCount,
            generation: generation, netlinkMessages: netlinkMessages, malformedMessages: malformedMessages,
            resyncs: resyncs, synced: synced, subscribers: subscriptions.count, isReady: isReady,
            eventLogPath: eventLog?.configuration.path, eventLogLinesDropped: eventLog?.linesDropped ?? 0)
    }

    /// How many addresses the link's table has room for, for tests of its memory.
    package func addressCapacity(ifindex: Int32) -> Int { links[ifindex]?.addresses.capacity ?? 0 }

    // MARK: Queries

    /// The addresses matching `filter`, in preference order.
    public func list(_ filter: AddressFilter) -> (generation: UInt64, addresses: [Address]) {
        (generation, matching(filter))
    }

    /// A snapshot and a feed of every later change, taken atomically: the feed starts right
    /// after the snapshot's generation.
    public func subscribe(
        _ filter: AddressFilter, encoded: Bool
    ) -> (generation: UInt64, snapshot: [Address], subscription: Subscription) {
        nextSubscriptionID += 1
        let subscription = Subscription(
            id: nextSubscriptionID, filter: filter, wantsEncoding: encoded && eventEncoder != nil,
            limits: subscriptionLimits)
        subscriptions[subscription.id] = subscription
        return (generation, matching(filter), subscription)
    }

    /// A `Watch`: `writeSnapshot` writes the snapshot to `writer` before any event can be
    /// written to it; from then on the table writes each batch's events to it.
    package func watch(
        _ filter: AddressFilter, writer: any SubscriberWriter,
        writeSnapshot: (_ generation: UInt64, _ snapshot: [Address]) -> Void
    ) -> Subscription {
        nextSubscriptionID += 1
        let subscription = Subscription(
            id: nextSubscriptionID, filter: filter, wantsEncoding: true, writer: writer, limits: subscriptionLimits)
        writeSnapshot(generation, matching(filter))
        subscriptions[subscription.id] = subscription
        return subscription
    }

    public func unsubscribe(_ subscription: Subscription) {
        subscriptions[subscription.id] = nil
        pendingBatches[subscription.id] = nil
        subscription.finish()
    }

    /// Every copy of `target` (one per link it is on, `zone` naming the link by name or index),
    /// with the policy that gave them their reasons: `Explain`, in one call, without listing
    /// the table.
    package func copies(of target: IPAddress, zone: String?) -> (addresses: [Address], policy: BindPolicy) {
        let now = MonotonicInstant.now()
        var found: [Address] = []
        for entry in links.values {
            if let zone, zone != entry.link.name && zone != String(entry.link.index) { continue }
            for (key, record) in entry.addresses where key.local == target {
                found.append(entry.published(key, record, now: now))
            }
        }
        PreferenceOrder.sort(&found)
        return (found, policy)
    }

    private func matching(_ filter: AddressFilter) -> [Address] {
        let now = MonotonicInstant.now()
        var result: [Address] = []
        for entry in links.values {
            if let interface = filter.interface, entry.link.name != interface { continue }
            for (key, record) in entry.addresses {
                if let family = filter.family, key.local.family != family { continue }
                if !filter.includesUnbindable && !record.reasons.isEmpty { continue }
                result.append(entry.published(key, record, now: now))
            }
        }
        PreferenceOrder.sort(&result)
        return result
    }

    // MARK: Updates from the kernel

    /// Starts a mark-and-sweep resync: from now on every address and link the kernel mentions
    /// is marked; `endSweep` removes the rest.
    package func beginSweep() -> UInt32 {
        sweep &+= 1
        return sweep
    }

    /// Removes whatever neither the dump nor an event confirmed since `beginSweep`.
    package func endSweep(_ sweep: UInt32) -> Int {
        defer { endBatch() }
        var removed = 0
        let now = MonotonicInstant.now()
        for ifindex in Array(links.keys) {
            guard links[ifindex]?.confirmedSweep == sweep else {
                removed += removeLink(ifindex, now: now)
                continue
            }
            // Out of `links` while it changes, so that removing from it does not copy it.
            var entry = links.removeValue(forKey: ifindex)!
            defer { links[ifindex] = entry }
            let stale = entry.addresses.filter { $0.value.confirmedSweep != sweep }
            for (key, record) in stale {
                removed += 1
                forget(record, key, in: &entry)
                if isObserved {
                    publish(before: entry.published(key, record, now: now), after: nil)
                } else {
                    generation += 1
                }
                entry.addresses[key] = nil
                entry.extras[key] = nil
            }
            entry.shrinkIfSparse()
        }
        return removed
    }

    /// Applies kernel messages in order: dump replies and events alike are upserts.
    package func apply(_ payloads: [NetlinkMessage.Payload]) -> ApplyOutcome {
        defer { endBatch() }
        var outcome = ApplyOutcome()
        let now = MonotonicInstant.now()
        for payload in payloads {
            netlinkMessages += 1
            switch payload {
            case .address(let message):
                apply(message, now: now)
            case .link(let message):
                if apply(message, now: now) {
                    outcome.linksCameUp.append(message.ifindex)
                    // The kernel made a link-local address it will not announce until DAD
                    // ends: no settled wait may end before the link's dump shows it.
                    awaitDump(of: message.ifindex)
                }
            case .prefix(let prefix) where prefix.ifindex > 0:
                // Likewise the SLAAC address the prefix made.
                awaitDump(of: prefix.ifindex)
            case .malformed:
                malformedMessages += 1
            case .prefix, .done, .error, .other:
                break
            }
        }
        return outcome
    }

    // The link's entry is taken out of `links` while it changes: mutating it there through
    // `links[ifindex]!` on every access costs a lookup each time, and copying it out and back
    // would copy its address table.
    private func apply(_ message: AddressMessage, now: MonotonicInstant) {
        let key = LinkAddressKey(message)
        var entry = links.removeValue(forKey: message.ifindex) ?? placeholderLink(message)
        defer { links[message.ifindex] = entry }
        let link = entry.link
        if message.isDeletion {
            guard let old = entry.addresses.removeValue(forKey: key) else { return }
            entry.shrinkIfSparse()
            forget(old, key, in: &entry)
            if isObserved { publish(before: entry.published(key, old, now: now), after: nil) } else { generation += 1 }
            if old.details.contains(.hasExtras) { entry.extras[key] = nil }
            return
        }
        let previous = entry.addresses[key]
        let previousExtras = previous.flatMap { entry.extras(for: key, $0) }
        // The type depends only on the address, which the key fixes: classify it once.
        let type = previous?.type ?? message.local.addressType
        let precedence = previous?.precedence ?? UInt8(clamping: message.local.precedence)
        let extras = AddressExtras(message: message, interfaceName: link.name)
        let record = AddressRecord(
            message: message, interfaceName: link.name, receivedAt: now,
            reasons: policy.reasons(
                flags: message.flags, family: message.family, link: link.flags, interfaceName: link.name,
                type: type),
            type: type, precedence: precedence, sweep: sweep, hasExtras: extras != nil)
        entry.addresses[key] = record
        if extras != previousExtras { entry.extras[key] = extras }
        if let previous { forget(previous, key, in: &entry) }
        remember(record, key, in: &entry)
        if let previous {
            guard
                !record.isSameExceptLifetimes(
                    as: previous, extras: extras, otherExtras: previousExtras, interface: link.name)
            else { return }
            if isObserved {
                publish(before: entry.published(key, previous, now: now), after: entry.published(key, record, now: now))
            } else {
                generation += 1
            }
        } else if isObserved {
            publish(before: nil, after: entry.published(key, record, now: now))
        } else {
            generation += 1
        }
    }

    /// Returns true when the link gained one of the up/running bits.
    private func apply(_ message: LinkMessage, now: MonotonicInstant) -> Bool {
        // Only the link's own messages; bridge-port (AF_BRIDGE) ones say nothing about it.
        guard message.family == 0 else { return false }
        if message.isDeletion {
            _ = removeLink(message.ifindex, now: now)
            return false
        }
        if links[message.ifindex] == nil {
            links[message.ifindex] = LinkEntry(
                link: Link(
                    index: message.ifindex, name: message.name ?? "if\(message.ifindex)", flags: [],
                    operationalState: OperationalState(rawValue: 0), hardwareType: message.hardwareType),
                isKnown: false, confirmedSweep: sweep)
        }
        let old = links[message.ifindex]!.link
        let wasKnown = links[message.ifindex]!.isKnown
        var link = old
        link.name = message.name ?? old.name
        link.flags = message.flags
        link.operationalState = message.operationalState ?? old.operationalState
        link.hardwareType = message.hardwareType
        links[message.ifindex]!.link = link
        links[message.ifindex]!.isKnown = true
        links[message.ifindex]!.confirmedSweep = sweep
        let cameUp = !message.flags.intersection(LinkFlags.state).isSubset(of: wasKnown ? old.flags : [])

        // Other bits (promiscuous, allmulti) change no verdict: do not touch every address.
        if old.name != link.name || old.flags.intersection(LinkFlags.state) != link.flags.intersection(LinkFlags.state)
        {
            // A rename or a state change can change every address's interface or verdict.
            var entry = links.removeValue(forKey: message.ifindex)!
            defer { links[message.ifindex] = entry }
            let renamed = old.name != link.name
            var index = entry.addresses.startIndex
            while index != entry.addresses.endIndex {
                let (key, record) = entry.addresses[index]
                var updated = record
                updated.reasons = policy.reasons(
                    flags: record.flags, family: key.local.family, link: link.flags, interfaceName: link.name,
                    type: record.type)
                let isChange = renamed || updated.reasons != record.reasons
                let before = isChange && isObserved ? entry.published(key, record, interface: old.name, now: now) : nil
                if renamed && record.details.contains(.labelIsInterfaceName) {
                    // The label stays the old name until the kernel re-announces the address.
                    updated.details.remove(.labelIsInterfaceName)
                    updated.details.insert(.hasExtras)
                    entry.extras[key, default: AddressExtras(peer: nil, label: nil)].label = old.name
                }
                entry.addresses.values[index] = updated
                forget(record, key, in: &entry)
                remember(updated, key, in: &entry)
                if let before {
                    publish(before: before, after: entry.published(key, updated, now: now))
                } else if isChange {
                    generation += 1
                }
                index = entry.addresses.index(after: index)
            }
        }
        return cameUp
    }

    private func placeholderLink(_ message: AddressMessage) -> LinkEntry {
        LinkEntry(
            link: Link(
                index: message.ifindex, name: "if\(message.ifindex)", flags: [],
                operationalState: OperationalState(rawValue: 0), hardwareType: 0),
            isKnown: false, confirmedSweep: sweep)
    }

    private func removeLink(_ ifindex: Int32, now: MonotonicInstant) -> Int {
        guard var entry = links.removeValue(forKey: ifindex) else { return 0 }
        for (key, record) in entry.addresses {
            forget(record, key, in: &entry)
            if isObserved {
                publish(before: entry.published(key, record, now: now), after: nil)
            } else {
                generation += 1
            }
        }
        return entry.addresses.count
    }

    // MARK: Policy

    /// Re-evaluates every address under a new policy and publishes what changed.
    public func setPolicy(_ newPolicy: BindPolicy) {
        guard newPolicy != policy else { return }
        defer { endBatch() }
        policy = newPolicy
        let now = MonotonicInstant.now()
        for ifindex in Array(links.keys) {
            var entry = links.removeValue(forKey: ifindex)!
            defer { links[ifindex] = entry }
            let link = entry.link
            var index = entry.addresses.startIndex
            while index != entry.addresses.endIndex {
                defer { index = entry.addresses.index(after: index) }
                let (key, record) = entry.addresses[index]
                var updated = record
                updated.reasons = policy.reasons(
                    flags: record.flags, family: key.local.family, link: link.flags, interfaceName: link.name,
                    type: record.type)
                guard updated.reasons != record.reasons else { continue }
                entry.addresses.values[index] = updated
                forget(record, key, in: &entry)
                remember(updated, key, in: &entry)
                publish(before: entry.published(key, record, now: now), after: entry.published(key, updated, now: now))
            }
        }
    }

    // MARK: The event log

    /// SIGHUP: applies a reloaded policy (its events go to subscribers and the log), reopens the
    /// event log (logrotate moved it; or its settings changed) and logs `config-reloaded`.
    /// Returns the number of changes the new policy made.
    public func reload(policy newPolicy: BindPolicy, eventLog configuration: EventLogConfiguration?) -> UInt64 {
        let before = generation
        setPolicy(newPolicy)
        switch (eventLog, configuration) {
        case (let writer?, let configuration?):
            writer.reopen(with: configuration)
        case (let writer?, nil):
            writer.close()
            eventLog = nil
        case (nil, let configuration?):
            eventLog = EventLogWriter(configuration: configuration, logger: logger)
        case (nil, nil):
            break
        }
        let changes = generation - before
        logDaemonEvent(.configReloaded) { json in json.field("addressEvents", changes) }
        return changes
    }

    /// SIGHUP with a config file that was refused: the log is still reopened for logrotate.
    public func reopenEventLog() {
        guard let eventLog else { return }
        eventLog.reopen(with: eventLog.configuration)
    }

    /// The last line: `stopping`, then the log is closed.
    public func stop() {
        logDaemonEvent(.stopping)
        eventLog?.close()
        eventLog = nil
    }

    private func logDaemonEvent(
        _ type: EventLogEntry.DaemonEventType, details: (inout JSONWriter) -> Void = { _ in }
    ) {
        guard let eventLog else { return }
        eventLog.append(
            EventLogEntry.daemonEvent(
                sequence: eventLog.nextSequence(), time: batchTimestamp(), type: type,
                counts: .init(
                    links: links.values.count(where: \.isKnown), addresses: addressCount, bindable: bindableCount),
                synced: synced, details: details))
        endBatch()
    }

    // MARK: Counting and publishing

    private func remember(_ record: AddressRecord, _ key: LinkAddressKey, in entry: inout LinkEntry) {
        addressCount += 1
        largestAddressCount = max(largestAddressCount, addressCount)
        if record.reasons.isEmpty { bindableCount += 1 }
        entry.counts.count(record, family: key.local.family, adding: true)
        noteChangeForSettledWaits(key.local)
    }

    private func forget(_ record: AddressRecord, _ key: LinkAddressKey, in entry: inout LinkEntry) {
        addressCount -= 1
        if record.reasons.isEmpty { bindableCount -= 1 }
        entry.counts.count(record, family: key.local.family, adding: false)
        noteChangeForSettledWaits(key.local)
    }

    /// Writes the batch's event-log lines out; the next batch takes a new timestamp. Settled
    /// waits look at the table between batches, never inside one.
    private func endBatch() {
        eventLog?.flush()
        batchTime = nil
        if !pendingBatches.isEmpty {
            for (id, batch) in pendingBatches {
                subscriptions[id]?.write(batch: batch.buffer, messages: batch.messages)
            }
            pendingBatches.removeAll(keepingCapacity: true)
        }
        if settledWaitsNeedLook { lookAtSettledWaits() }
    }

    /// Whether anyone sees a change: a subscriber, or the event log once it has started.
    /// Until then (the first dump) a change only moves the generation, and no `Address`
    /// values are made for it.
    private var isObserved: Bool { !subscriptions.isEmpty || (isReady && eventLog != nil) }

    /// The wall-clock time of the event-log lines of one batch of kernel messages: taken once,
    /// because formatting it per line cost more than the rest of the line.
    private func batchTimestamp() -> String {
        if let batchTime { return batchTime }
        let now = WallClockTimestamp.now()
        batchTime = now
        return now
    }

    /// One change to the table: a new generation, and each subscriber's view of it.
    private func publish(before: Address?, after: Address?) {
        generation += 1
        // Every line and event of this change shows `after ?? before`: encode it once.
        var encodedAddress: [UInt8]?
        func addressJSON() -> [UInt8] {
            if let encodedAddress { return encodedAddress }
            let encoded = (after ?? before)!.encoded
            encodedAddress = encoded
            return encoded
        }
        if isReady, let eventLog {
            eventLog.append(
                EventLogEntry.addressEvent(
                    sequence: eventLog.nextSequence(), time: batchTimestamp(), before: before, after: after,
                    encodedAddress: addressJSON()))
        }
        guard !subscriptions.isEmpty else { return }

        // Each kind of event is encoded once and shared by every subscriber that sees it.
        var encodedAdded: ByteBuffer?
        var encodedChanged: ByteBuffer?
        var encodedRemoved: ByteBuffer?
        var overflowed: [Subscription] = []
        for subscription in subscriptions.values {
            let filter = subscription.filter
            let wasVisible = before.map(filter.matches) ?? false
            let isVisible = after.map(filter.matches) ?? false
            let event: TableEvent
            switch (wasVisible, isVisible) {
            case (false, false): continue
            case (false, true): event = TableEvent(kind: .added, generation: generation, address: after!)
            case (true, false): event = TableEvent(kind: .removed, generation: generation, address: after ?? before!)
            case (true, true): event = TableEvent(kind: .changed, generation: generation, address: after!)
            }
            var encoded: ByteBuffer?
            if subscription.wantsEncoding, let eventEncoder {
                switch event.kind {
                case .added:
                    if encodedAdded == nil { encodedAdded = eventEncoder(.added, generation, addressJSON()) }
                    encoded = encodedAdded
                case .changed:
                    if encodedChanged == nil { encodedChanged = eventEncoder(.changed, generation, addressJSON()) }
                    encoded = encodedChanged
                case .removed:
                    if encodedRemoved == nil { encodedRemoved = eventEncoder(.removed, generation, addressJSON()) }
                    encoded = encodedRemoved
                }
            }
            if !subscription.enqueue(Subscription.Item(event: event, encoded: encoded), burstAllowance: burstAllowance)
            {
                overflowed.append(subscription)
            } else if subscription.writer != nil, let encoded {
                Self.append(encoded, to: &pendingBatches[subscription.id, default: (ByteBuffer(), 0)])
            }
        }
        for subscription in overflowed {
            subscriptions[subscription.id] = nil
            pendingBatches[subscription.id] = nil
            logger.warning(
                "Dropped a subscriber that stopped reading",
                metadata: ["subscription": "\(subscription.id)", "limitMessages": "\(subscriptionLimits.messages)"])
        }
    }

    /// One lookup of the subscriber's batch per event, not two.
    private static func append(_ encoded: ByteBuffer, to batch: inout (buffer: ByteBuffer, messages: Int)) {
        batch.buffer.writeImmutableBuffer(encoded)
        batch.messages += 1
    }
}
