/// The address table as a plain value: every link, its addresses with the kernel's flags and
/// the policy's verdicts, the counts and the generation. It applies what the kernel says and
/// reports each change to a `TableChangeSink` as it makes it. It does no I/O and knows no
/// clients; the daemon's `LiveTable` actor owns the one that serves.
public struct AddressTable: Sendable {
    package struct LinkEntry: Sendable {
        package var link: Link
        /// False for a link known only from an address message (events raced a resync).
        package var isKnown: Bool
        package var confirmedSweep: UInt32
        package var addresses: [LinkAddressKey: AddressRecord] = [:]
        /// Peers and labels of the few addresses that have them (`AddressRecord.Details.hasExtras`).
        package var extras: [LinkAddressKey: AddressExtras] = [:]
        /// What settled waits ask about this link, kept current by `remember` and `forget`.
        package var counts = SettlementCounts()

        package func extras(for key: LinkAddressKey, _ record: AddressRecord) -> AddressExtras? {
            record.details.contains(.hasExtras) ? extras[key] : nil
        }

        /// A hash table keeps its capacity when emptied: after a link that held 100,000
        /// addresses loses them, give the memory back (262,144 buckets of 56 bytes at that size).
        package mutating func shrinkIfSparse() {
            guard addresses.capacity > 1024 && addresses.count * 8 < addresses.capacity else { return }
            var shrunk = [LinkAddressKey: AddressRecord](minimumCapacity: addresses.count)
            for (key, record) in addresses { shrunk[key] = record }
            addresses = shrunk
        }

        /// `interface`: the link's name, unless the value is from before a rename.
        package func published(
            _ key: LinkAddressKey, _ record: AddressRecord, interface: String? = nil, now: MonotonicInstant
        ) -> Address {
            record.published(
                key: key.addressKey(ifindex: link.index), interface: interface ?? link.name,
                extras: extras(for: key, record), now: now)
        }
    }

    /// What applying a batch of kernel messages found that the monitor must act on.
    package struct ApplyOutcome: Sendable {
        /// Links that gained IFF_UP, IFF_RUNNING or IFF_LOWER_UP: the kernel has just made
        /// addresses on them (link-local) that it will not announce until DAD ends.
        package var linksCameUp: [Int32] = []
        /// Links that got a router advertisement's prefix: a SLAAC address, unannounced too.
        package var linksWithNewPrefix: [Int32] = []

        /// Links whose dump must come before a settled wait may end.
        package var linksAwaitingDump: [Int32] { linksCameUp + linksWithNewPrefix }
    }

    package private(set) var links: [Int32: LinkEntry] = [:]
    public private(set) var policy: BindPolicy
    /// Counts the changes to the table; each change gets the generation it produced.
    public private(set) var generation: UInt64 = 0
    public private(set) var addressCount = 0
    /// The most addresses the table has held.
    public private(set) var largestAddressCount = 0
    public private(set) var bindableCount = 0
    public private(set) var netlinkMessages = 0
    public private(set) var malformedMessages = 0
    /// Addresses by family and state.
    public private(set) var stateCounts = AddressStateCounts()
    /// Changes by kind since the table was made.
    public private(set) var eventCounts = AddressEventCounts()
    /// Addresses the kernel reported in `dadfailed` that were not in it before (new ones
    /// included, so those the first dump finds count once).
    public private(set) var dadFailures = 0
    private var sweep: UInt32 = 0
    /// Links that were set down whose IPv6 addresses still carry the verdicts from before
    /// (`apply(_:deferringLinkReevaluation:changes:)`), by ifindex.
    package private(set) var linksAwaitingReevaluation: [Int32: DeferredReevaluation] = [:]

    /// A link that went down, its IPv6 addresses not yet re-evaluated.
    package struct DeferredReevaluation: Sendable, Equatable {
        /// When the link went down.
        package var since: MonotonicInstant
        /// When the kernel last removed one of its addresses; nil until it does (it first
        /// clears the link's routes, which takes a while with many addresses).
        package var lastRemoval: MonotonicInstant?
        /// The policy's interface exclusion for the link (a rename or a new policy ends the
        /// deferral).
        package var interfaceExcluded: Bool
        /// What re-evaluating the link's addresses will change in `bindableCount` and
        /// `stateCounts`, kept as its addresses change: `GetStatus`, which monitoring polls
        /// while the kernel deletes, answers without walking them.
        package var pendingBindable = 0
        package var pendingStates = AddressStateCounts()

        package init(since: MonotonicInstant, interfaceExcluded: Bool) {
            self.since = since
            self.interfaceExcluded = interfaceExcluded
        }

        /// Counts one address (`sign` 1) or takes it back out (-1): its verdict now is
        /// `current`, after the re-evaluation `reevaluated`.
        mutating func count(from current: Reasons, to reevaluated: Reasons, family: AddressFamily, _ sign: Int) {
            if current.isEmpty { pendingBindable -= sign }
            if reevaluated.isEmpty { pendingBindable += sign }
            pendingStates.add(current, family: family, -sign)
            pendingStates.add(reevaluated, family: family, sign)
        }
    }

    public init(policy: BindPolicy = BindPolicy()) {
        self.policy = policy
    }

    /// Links the kernel has described (not those known only from an address message).
    public var linkCount: Int { links.values.count(where: \.isKnown) }

    /// How many addresses the link's table has room for, for tests of its memory.
    package func addressCapacity(ifindex: Int32) -> Int { links[ifindex]?.addresses.capacity ?? 0 }

    // MARK: Updates from the kernel

    /// Starts a mark-and-sweep resync: from now on every address and link the kernel mentions
    /// is marked; `endSweep` removes the rest.
    package mutating func beginSweep() -> UInt32 {
        sweep &+= 1
        return sweep
    }

    /// Removes whatever neither the dump nor an event confirmed since `beginSweep`.
    package mutating func endSweep(_ sweep: UInt32, changes: inout some TableChangeSink) -> Int {
        var removed = 0
        let now = MonotonicInstant.now()
        for ifindex in Array(links.keys) {
            guard links[ifindex]?.confirmedSweep == sweep else {
                removed += removeLink(ifindex, now: now, changes: &changes)
                continue
            }
            // Out of `links` while it changes, so that removing from it does not copy it.
            var entry = links.removeValue(forKey: ifindex)!
            defer { links[ifindex] = entry }
            let stale = entry.addresses.filter { $0.value.confirmedSweep != sweep }
            for (key, record) in stale {
                removed += 1
                forget(record, key, in: &entry, changes: &changes)
                publish(.removed, before: entry.published(key, record, now: now), after: nil, changes: &changes)
                entry.addresses[key] = nil
                entry.extras[key] = nil
            }
            entry.shrinkIfSparse()
        }
        return removed
    }

    /// Applies kernel messages in order: dump replies and events alike are upserts.
    ///
    /// `deferringLinkReevaluation`: when a link loses IFF_UP, its IPv6 addresses keep their
    /// verdicts until `reevaluateDeferredLinks`. The kernel
    /// announces a link going down before it deletes those addresses (one RTM_DELADDR each,
    /// unless `keep_addr_on_down`): a `changed` event for each of them first would double the
    /// work and the events of a link with many addresses, while the kernel fills the socket.
    /// Its other addresses, which the kernel keeps, are re-evaluated at once.
    package mutating func apply(
        _ payloads: [NetlinkMessage.Payload], deferringLinkReevaluation: Bool = false,
        changes: inout some TableChangeSink
    ) -> ApplyOutcome {
        var outcome = ApplyOutcome()
        let now = MonotonicInstant.now()
        for payload in payloads {
            netlinkMessages += 1
            switch payload {
            case .address(let message):
                apply(message, now: now, changes: &changes)
            case .link(let message):
                if apply(message, deferringReevaluation: deferringLinkReevaluation, now: now, changes: &changes) {
                    // The kernel made a link-local address it will not announce until DAD
                    // ends: no settled wait may end before the link's dump shows it.
                    outcome.linksCameUp.append(message.ifindex)
                }
            case .prefix(let prefix) where prefix.ifindex > 0:
                // Likewise the SLAAC address the prefix made.
                outcome.linksWithNewPrefix.append(prefix.ifindex)
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
    private mutating func apply(_ message: AddressMessage, now: MonotonicInstant, changes: inout some TableChangeSink) {
        let key = LinkAddressKey(message)
        var entry = links.removeValue(forKey: message.ifindex) ?? placeholderLink(message)
        defer { links[message.ifindex] = entry }
        let link = entry.link
        if message.isDeletion {
            guard let old = entry.addresses.removeValue(forKey: key) else { return }
            entry.shrinkIfSparse()
            if let deferred = linksAwaitingReevaluation.index(forKey: message.ifindex) {
                linksAwaitingReevaluation.values[deferred].lastRemoval = now
            }
            forget(old, key, in: &entry, changes: &changes)
            publish(.removed, before: entry.published(key, old, now: now), after: nil, changes: &changes)
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
        if let previous { forget(previous, key, in: &entry, changes: &changes) }
        remember(record, key, in: &entry, changes: &changes)
        if record.reasons.contains(.dadFailed) && !(previous?.reasons.contains(.dadFailed) ?? false) {
            dadFailures += 1
        }
        if let previous {
            guard
                !record.isSameExceptLifetimes(
                    as: previous, extras: extras, otherExtras: previousExtras, interface: link.name)
            else { return }
            publish(
                .changed, before: entry.published(key, previous, now: now),
                after: entry.published(key, record, now: now), changes: &changes)
        } else {
            publish(.added, before: nil, after: entry.published(key, record, now: now), changes: &changes)
        }
    }

    /// Returns true when the link gained one of the up/running bits.
    private mutating func apply(
        _ message: LinkMessage, deferringReevaluation: Bool, now: MonotonicInstant,
        changes: inout some TableChangeSink
    ) -> Bool {
        // Only the link's own messages; bridge-port (AF_BRIDGE) ones say nothing about it.
        guard message.family == 0 else { return false }
        if message.isDeletion {
            _ = removeLink(message.ifindex, now: now, changes: &changes)
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

        let oldState = old.flags.intersection(LinkFlags.state)
        let newState = link.flags.intersection(LinkFlags.state)
        let renamed = old.name != link.name
        // Other bits (promiscuous, allmulti) change no verdict: do not touch every address.
        if renamed || oldState != newState {
            // Only a link that was just set down is deferred: the kernel is about to delete its
            // IPv6 addresses (NETDEV_DOWN; losing the carrier deletes none). A link coming up,
            // losing only its carrier, or renamed, is re-evaluated now.
            let setDown = oldState.contains(.up) && !newState.contains(.up) && newState.isSubset(of: oldState)
            if deferringReevaluation && !renamed && setDown {
                reevaluateAddresses(
                    ofLink: message.ifindex, previousName: old.name, family: .inet, now: now, changes: &changes)
                let hasIPv6 = links[message.ifindex]!.addresses.keys.contains { $0.local.family == .inet6 }
                if hasIPv6 && linksAwaitingReevaluation[message.ifindex] == nil {
                    linksAwaitingReevaluation[message.ifindex] = DeferredReevaluation(
                        since: now, interfaceExcluded: policy.isInterfaceExcluded(link.name))
                    // Once here; `remember` and `forget` keep it as the addresses change.
                    for (key, record) in links[message.ifindex]!.addresses {
                        countPendingReevaluation(of: record, key, link: link, 1)
                    }
                }
            } else {
                linksAwaitingReevaluation[message.ifindex] = nil
                reevaluateAddresses(ofLink: message.ifindex, previousName: old.name, now: now, changes: &changes)
            }
        }
        return cameUp
    }

    /// Re-evaluates the addresses of deferred links from which the kernel removed addresses
    /// and then none for `quiet`, or that have waited `limit`, or all of them with `force`.
    /// Returns how many links are still deferred, and the links re-evaluated that still hold
    /// IPv6 addresses: with `keep_addr_on_down` the kernel keeps them, and marks those that
    /// had DAD `tentative` without a message; only a dump of the link shows that.
    @discardableResult
    package mutating func reevaluateDeferredLinks(
        now: MonotonicInstant = .now(), quiet: UInt64 = 0, limit: UInt64 = 0, force: Bool = false,
        changes: inout some TableChangeSink
    ) -> (remaining: Int, keptIPv6: [Int32]) {
        var keptIPv6: [Int32] = []
        for (ifindex, deferred) in linksAwaitingReevaluation {
            let isQuiet = deferred.lastRemoval.map { now.nanoseconds >= $0.nanoseconds &+ quiet } ?? false
            let isOverdue = now.nanoseconds >= deferred.since.nanoseconds &+ limit
            guard force || isQuiet || isOverdue else { continue }
            linksAwaitingReevaluation[ifindex] = nil
            // No copy of the entry held across the change: it would copy the link's table.
            guard let name = links[ifindex]?.link.name else { continue }
            reevaluateAddresses(ofLink: ifindex, previousName: name, now: now, changes: &changes)
            if links[ifindex]!.addresses.keys.contains(where: { $0.local.family == .inet6 }) {
                keptIPv6.append(ifindex)
            }
        }
        return (linksAwaitingReevaluation.count, keptIPv6)
    }

    /// The bindable count and the states as they will be once the deferred links are
    /// re-evaluated, without re-evaluating them (which publishes an event per address): for
    /// `GetStatus`, which monitoring polls, during a link going down.
    /// Constant time per deferred link: the differences are kept as the addresses change.
    package func countsWithDeferredLinksReevaluated() -> (bindable: Int, states: AddressStateCounts) {
        var bindable = bindableCount
        var states = stateCounts
        for deferred in linksAwaitingReevaluation.values {
            bindable += deferred.pendingBindable
            states.add(deferred.pendingStates)
        }
        return (bindable, states)
    }

    /// Counts an address of a deferred link into what its re-evaluation will change (`sign`
    /// 1), or takes it back out (-1); nothing for a link that is not deferred.
    private mutating func countPendingReevaluation(
        of record: AddressRecord, _ key: LinkAddressKey, link: Link, _ sign: Int
    ) {
        // Through the values by index: the dictionary's own subscript changes the value through
        // a coroutine whose frame, for a value this size, is allocated, twice per address.
        guard let index = linksAwaitingReevaluation.index(forKey: link.index) else { return }
        let interfaceExcluded = linksAwaitingReevaluation.values[index].interfaceExcluded
        let reevaluated = reasons(of: record, key, link: link, interfaceExcluded: interfaceExcluded)
        guard reevaluated != record.reasons else { return }
        linksAwaitingReevaluation.values[index].count(
            from: record.reasons, to: reevaluated, family: key.local.family, sign)
    }

    /// A rename, a state change or a new policy can change every address's interface or
    /// verdict; publishes the addresses that changed. `family`: only the addresses of that
    /// family.
    private mutating func reevaluateAddresses(
        ofLink ifindex: Int32, previousName: String, family: AddressFamily? = nil, now: MonotonicInstant,
        changes: inout some TableChangeSink
    ) {
        guard var entry = links.removeValue(forKey: ifindex) else { return }
        defer { links[ifindex] = entry }
        let link = entry.link
        let renamed = previousName != link.name
        let interfaceExcluded = policy.isInterfaceExcluded(link.name)
        var index = entry.addresses.startIndex
        while index != entry.addresses.endIndex {
            let (key, record) = entry.addresses[index]
            if let family, key.local.family != family {
                index = entry.addresses.index(after: index)
                continue
            }
            var updated = record
            updated.reasons = reasons(of: record, key, link: link, interfaceExcluded: interfaceExcluded)
            guard renamed || updated.reasons != record.reasons else {
                index = entry.addresses.index(after: index)
                continue
            }
            let before = changes.isObserving ? entry.published(key, record, interface: previousName, now: now) : nil
            if renamed && record.details.contains(.labelIsInterfaceName) {
                // The label stays the old name until the kernel re-announces the address.
                updated.details.remove(.labelIsInterfaceName)
                updated.details.insert(.hasExtras)
                entry.extras[key, default: AddressExtras(peer: nil, label: nil)].label = previousName
            }
            entry.addresses.values[index] = updated
            forget(record, key, in: &entry, changes: &changes)
            remember(updated, key, in: &entry, changes: &changes)
            publish(.changed, before: before, after: entry.published(key, updated, now: now), changes: &changes)
            index = entry.addresses.index(after: index)
        }
    }

    /// The policy's verdict on a stored address, for the link as it is now.
    private func reasons(
        of record: AddressRecord, _ key: LinkAddressKey, link: Link, interfaceExcluded: Bool
    ) -> Reasons {
        policy.reasons(
            flags: record.flags, family: key.local.family, link: link.flags, interfaceExcluded: interfaceExcluded,
            type: record.type)
    }

    private func placeholderLink(_ message: AddressMessage) -> LinkEntry {
        LinkEntry(
            link: Link(
                index: message.ifindex, name: "if\(message.ifindex)", flags: [],
                operationalState: OperationalState(rawValue: 0), hardwareType: 0),
            isKnown: false, confirmedSweep: sweep)
    }

    private mutating func removeLink(
        _ ifindex: Int32, now: MonotonicInstant, changes: inout some TableChangeSink
    ) -> Int {
        linksAwaitingReevaluation[ifindex] = nil
        guard var entry = links.removeValue(forKey: ifindex) else { return 0 }
        for (key, record) in entry.addresses {
            forget(record, key, in: &entry, changes: &changes)
            publish(.removed, before: entry.published(key, record, now: now), after: nil, changes: &changes)
        }
        return entry.addresses.count
    }

    // MARK: Policy

    /// Re-evaluates every address under a new policy and publishes what changed.
    package mutating func setPolicy(_ newPolicy: BindPolicy, changes: inout some TableChangeSink) {
        guard newPolicy != policy else { return }
        policy = newPolicy
        // Every address is re-evaluated below, those of deferred links too.
        linksAwaitingReevaluation.removeAll()
        let now = MonotonicInstant.now()
        // By key: iterating `links` itself would hold a copy of each link's table while it changes.
        for ifindex in Array(links.keys) {
            reevaluateAddresses(ofLink: ifindex, previousName: links[ifindex]!.link.name, now: now, changes: &changes)
        }
    }

    // MARK: Counting and publishing

    private mutating func remember(
        _ record: AddressRecord, _ key: LinkAddressKey, in entry: inout LinkEntry, changes: inout some TableChangeSink
    ) {
        addressCount += 1
        largestAddressCount = max(largestAddressCount, addressCount)
        if record.reasons.isEmpty { bindableCount += 1 }
        stateCounts.add(record.reasons, family: key.local.family, 1)
        entry.counts.count(record, family: key.local.family, adding: true)
        if !linksAwaitingReevaluation.isEmpty { countPendingReevaluation(of: record, key, link: entry.link, 1) }
        changes.addressTouched(key.local)
    }

    private mutating func forget(
        _ record: AddressRecord, _ key: LinkAddressKey, in entry: inout LinkEntry, changes: inout some TableChangeSink
    ) {
        addressCount -= 1
        if record.reasons.isEmpty { bindableCount -= 1 }
        stateCounts.add(record.reasons, family: key.local.family, -1)
        entry.counts.count(record, family: key.local.family, adding: false)
        if !linksAwaitingReevaluation.isEmpty { countPendingReevaluation(of: record, key, link: entry.link, -1) }
        changes.addressTouched(key.local)
    }

    /// One change to the table: a new generation, counted, and told to the sink if it looks
    /// (the `Address` values are made only then).
    private mutating func publish(
        _ kind: TableEvent.Kind, before: @autoclosure () -> Address?, after: @autoclosure () -> Address?,
        changes: inout some TableChangeSink
    ) {
        generation += 1
        eventCounts.count(kind)
        guard changes.isObserving else { return }
        changes.tableChanged(before: before(), after: after(), generation: generation)
    }
}
