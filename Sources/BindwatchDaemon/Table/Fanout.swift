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
    /// Kept for their capacity: the address of the change being published as JSON, and its
    /// event for subscribers by kind (added, changed, removed). The buffers a change's lines and
    /// events are written to, with no allocation per change.
    private var addressScratch: [UInt8] = []
    private var eventScratch: [[UInt8]] = [[], [], []]
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
        // Every line and event of this change shows `after ?? before`: encode it once, into
        // space kept for it, and each kind of event around it at most once.
        let address = (after ?? before)!
        var isAddressEncoded = false
        var encodedKinds: UInt8 = 0
        if isLogging, let eventLog {
            encodeAddress(address, &isAddressEncoded)
            let encodedAddress = addressScratch
            let sequence = eventLog.nextSequence()
            let time = batchTimestamp()
            eventLog.appendLine { line in
                EventLogEntry.writeAddressEvent(
                    into: &line, sequence: sequence, time: time, before: before, after: after,
                    encodedAddress: encodedAddress)
            }
        }
        guard !subscriptions.isEmpty else { return }

        var overflowed: [Subscription] = []
        let burstAllowance = subscriptionLimits.perAddress * largestAddressCount
        for subscription in subscriptions.values {
            let filter = subscription.filter
            let wasVisible = before.map(filter.matches) ?? false
            let isVisible = after.map(filter.matches) ?? false
            let kind: TableEvent.Kind
            switch (wasVisible, isVisible) {
            case (false, false): continue
            case (false, true): kind = .added
            case (true, false): kind = .removed
            case (true, true): kind = .changed
            }
            let encoded =
                subscription.wantsEncoding
                ? encodedEvent(kind, generation: generation, address, &isAddressEncoded, &encodedKinds) : nil
            let accepted: Bool
            if subscription.writer != nil {
                // Straight into its batch: no event value and no buffer of its own.
                guard let encoded else { continue }
                accepted = subscription.accept(bytes: encoded.count, burstAllowance: burstAllowance)
                if accepted { pendingBatches[subscription.id, default: ByteBuffer()].writeBytes(encoded) }
            } else {
                let event = TableEvent(kind: kind, generation: generation, address: address)
                accepted = subscription.enqueue(
                    Subscription.Item(event: event, encoded: encoded.map { ByteBuffer(bytes: $0) }),
                    burstAllowance: burstAllowance)
            }
            if !accepted { overflowed.append(subscription) }
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

    /// Writes the change's address into `addressScratch`, once per change.
    private mutating func encodeAddress(_ address: Address, _ isEncoded: inout Bool) {
        guard !isEncoded else { return }
        isEncoded = true
        addressScratch.removeAll(keepingCapacity: true)
        JSONWriter.appending(to: &addressScratch) { address.write(to: &$0) }
    }

    /// The change's event of `kind` as a subscriber reads it, encoded once per change and kind
    /// into space kept for that kind; nil without an encoder.
    private mutating func encodedEvent(
        _ kind: TableEvent.Kind, generation: UInt64, _ address: Address, _ isAddressEncoded: inout Bool,
        _ encodedKinds: inout UInt8
    ) -> [UInt8]? {
        guard let eventEncoder else { return nil }
        let index: Int
        switch kind {
        case .added: index = 0
        case .changed: index = 1
        case .removed: index = 2
        }
        let bit: UInt8 = 1 << index
        if encodedKinds & bit == 0 {
            encodedKinds |= bit
            encodeAddress(address, &isAddressEncoded)
            eventScratch[index].removeAll(keepingCapacity: true)
            eventEncoder(kind, generation, addressScratch, &eventScratch[index])
        }
        return eventScratch[index]
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
