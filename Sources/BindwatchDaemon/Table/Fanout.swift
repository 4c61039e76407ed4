import BindwatchModel
import BindwatchVarlink
import JournalLogging
import Logging
import NIOCore

/// Where the live table's changes go as the table makes them: the event log (once it has
/// started) and every subscriber, with each change's address encoded once for all of them.
/// It also notes which changes concern a settled wait. `LiveTable` owns the one instance.
struct Fanout: TableChangeSink {
    /// Encodes a subscriber's event around the address's JSON.
    typealias EventEncoder = LiveTable.EventEncoder

    var subscriptions: [UInt64: Subscription] = [:]
    /// Each writing subscriber's encoded events of the batch being applied, written out as
    /// one buffer when the batch ends.
    private var pendingBatches: [UInt64: ByteBuffer] = [:]
    /// Every change once the initial dump is in, unfiltered; nil when the log is off.
    var eventLog: EventLogWriter?
    /// The initial dump is in: the log records changes from here on.
    var isLogging = false
    /// See `batchTimestamp()`.
    private var batchTime: String?
    /// The most addresses the table has held: subscriber backlogs allow a change to each of
    /// them (`Subscription.Limits.perAddress`).
    var largestAddressCount = 0
    private let eventEncoder: EventEncoder?
    let subscriptionLimits: Subscription.Limits
    private let logger: Logger

    // What settled waits are interested in (see `LiveTable+SettledWaits`).
    /// Waits for one address, by address: a change to another address does not concern them.
    var settledWaitTargets: [IPAddress: Int] = [:]
    /// Waits for a set of addresses, which any change may concern.
    var settledWaitsWithoutTarget = 0
    /// Set when something a settled wait depends on changed since they were last looked at.
    var settledWaitsNeedLook = false

    init(
        eventLog: EventLogWriter?, eventEncoder: EventEncoder?, subscriptionLimits: Subscription.Limits,
        logger: Logger
    ) {
        self.eventLog = eventLog
        self.eventEncoder = eventEncoder
        self.subscriptionLimits = subscriptionLimits
        self.logger = logger
    }

    /// A subscriber, or the event log once it has started. Until then (the first dump) a
    /// change only moves the generation.
    var isObserving: Bool { !subscriptions.isEmpty || (isLogging && eventLog != nil) }

    mutating func addressTouched(_ address: IPAddress) {
        guard settledWaitsWithoutTarget > 0 || !settledWaitTargets.isEmpty, !settledWaitsNeedLook else { return }
        if settledWaitsWithoutTarget > 0 || settledWaitTargets[address] != nil { settledWaitsNeedLook = true }
    }

    mutating func tableChanged(before: Address?, after: Address?, generation: UInt64) {
        // Every line and event of this change shows `after ?? before`: encode it once.
        var encodedAddress: [UInt8]?
        func addressJSON() -> [UInt8] {
            if let encodedAddress { return encodedAddress }
            let encoded = (after ?? before)!.encoded
            encodedAddress = encoded
            return encoded
        }
        if isLogging, let eventLog {
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
        let burstAllowance = subscriptionLimits.perAddress * largestAddressCount
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
                pendingBatches[subscription.id, default: ByteBuffer()].writeImmutableBuffer(encoded)
            }
        }
        for subscription in overflowed {
            remove(subscription)
            logger.warning(
                "Dropped a subscriber that stopped reading",
                metadata: [
                    "subscription": "\(subscription.id)", "limitMessages": "\(subscriptionLimits.messages)",
                    "limitBytes": "\(subscriptionLimits.maximumBytes(burstAllowance: burstAllowance))",
                ])
        }
    }

    mutating func remove(_ subscription: Subscription) {
        subscriptions[subscription.id] = nil
        pendingBatches[subscription.id] = nil
    }

    /// The end of a batch: each writing subscriber gets its events in one write, the event-log
    /// lines go out, and the next batch takes a new timestamp. Subscribers first: they wait
    /// for the change, and the log's write to its file (about 8 % of the daemon's CPU per
    /// change in a profile here) came before theirs.
    mutating func flush() {
        if !pendingBatches.isEmpty {
            for (id, batch) in pendingBatches {
                subscriptions[id]?.write(batch: batch)
            }
            pendingBatches.removeAll(keepingCapacity: true)
        }
        eventLog?.flush()
        batchTime = nil
    }

    /// The wall-clock time of the event-log lines of one batch of kernel messages: taken once,
    /// because formatting it per line cost more than the rest of the line.
    mutating func batchTimestamp() -> String {
        if let batchTime { return batchTime }
        let now = WallClockTimestamp.now()
        batchTime = now
        return now
    }
}
