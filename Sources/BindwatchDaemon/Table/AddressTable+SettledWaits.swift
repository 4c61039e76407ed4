import BindwatchModel
import BindwatchNetlink

extension AddressTable {
    // MARK: Settled waits

    /// Registers a settled wait. It needs a dump of every address that starts after this call:
    /// events already queued on the netlink socket, and the first announcement of an address
    /// added just before (the kernel sends it from its DAD worker, not from `ip addr add`),
    /// would otherwise reach the table only after an answer made without them. Ends when the
    /// filtered set is settled (`SettledWait.settled()`), or with `endSettledWait`.
    public func registerSettledWait(_ request: SettledWaitRequest) -> SettledWait {
        nextSettledWaitID += 1
        let freshDump: UInt64
        if let freshDumpRequester {
            freshDumpsRequested += 1
            freshDump = freshDumpsRequested
            freshDumpRequester(freshDump)
        } else {
            // No monitor (a table fed by hand): the table is all there is.
            freshDump = dumpProgress.freshDumpsCompleted
        }
        let wait = SettledWait(id: nextSettledWaitID, request: request, freshDump: freshDump)
        settledWaits[wait.id] = wait
        if let address = request.address {
            settledWaitTargets[address, default: 0] += 1
        } else {
            settledWaitsWithoutTarget += 1
        }
        lookAt(wait)
        return wait
    }

    /// Forgets a wait, answered or not. Returns the addresses of its set still in DAD, for a
    /// timeout's message.
    public func endSettledWait(_ wait: SettledWait) -> [Address] {
        guard settledWaits.removeValue(forKey: wait.id) != nil else { return [] }
        if let address = wait.request.address {
            settledWaitTargets[address, default: 1] -= 1
            if settledWaitTargets[address] == 0 { settledWaitTargets[address] = nil }
        } else {
            settledWaitsWithoutTarget -= 1
        }
        return pendingAddresses(of: wait.request)
    }

    /// The addresses of the set still in DAD.
    func pendingAddresses(of request: SettledWaitRequest) -> [Address] {
        addresses(of: request) { $0.isPending }
    }

    /// The netlink monitor says which dumps are still to come, and which fresh dumps are in.
    package func updateDumpProgress(_ progress: DumpProgress) {
        guard progress != dumpProgress else { return }
        dumpProgress = progress
        lookAtSettledWaits()
    }

    /// The netlink monitor's way to hear of a fresh dump a settled wait needs.
    package func setFreshDumpRequester(_ requester: (@Sendable (UInt64) -> Void)?) {
        freshDumpRequester = requester
    }

    /// An address changed: settled waits look again at the end of the batch. A wait for one
    /// address looks only when that address changed; the others keep counts per link.
    func noteChangeForSettledWaits(_ address: IPAddress) {
        guard !settledWaits.isEmpty, !settledWaitsNeedLook else { return }
        if settledWaitsWithoutTarget > 0 || settledWaitTargets[address] != nil { settledWaitsNeedLook = true }
    }

    /// A link came up or got a prefix: it has addresses the table learns of only by its dump.
    func awaitDump(of ifindex: Int32) {
        dumpProgress.linksAwaitingDump.insert(ifindex)
    }

    func lookAtSettledWaits() {
        settledWaitsNeedLook = false
        for wait in settledWaits.values where !wait.isComplete { lookAt(wait) }
    }

    private func lookAt(_ wait: SettledWait) {
        guard isSettled(wait) else { return }
        wait.complete(with: addresses(of: wait.request) { $0.reasons.isEmpty })
    }

    private func isSettled(_ wait: SettledWait) -> Bool {
        guard synced, !dumpProgress.resyncRunning, dumpProgress.freshDumpsCompleted >= wait.freshDump else {
            return false
        }
        let request = wait.request
        let widestRank = request.widestAcceptedRank
        var hasBindable = false
        for entry in links.values {
            if let interface = request.interface, entry.link.name != interface { continue }
            if dumpProgress.linksAwaitingDump.contains(entry.link.index) { return false }
            if let address = request.address {
                for (key, record) in entry.addresses
                where key.local == address && request.matches(family: key.local.family, local: key.local) {
                    if record.isPending { return false }
                    if record.reasons.isEmpty && SettlementCounts.rank(of: record) <= widestRank { hasBindable = true }
                }
            } else {
                if entry.counts.pending(family: request.family) > 0 { return false }
                if entry.counts.bindable(family: request.family, widestRank: widestRank) > 0 { hasBindable = true }
            }
        }
        return hasBindable
    }

    /// The addresses of the wait's set that pass `include`, best first. Loopback and host-scope
    /// ones only when the request names them.
    private func addresses(of request: SettledWaitRequest, where include: (AddressRecord) -> Bool) -> [Address] {
        let now = MonotonicInstant.now()
        let hostRank = KernelScope.host.breadthRank
        var result: [Address] = []
        for entry in links.values {
            if let interface = request.interface, entry.link.name != interface { continue }
            for (key, record) in entry.addresses
            where request.matches(family: key.local.family, local: key.local) && include(record) {
                if !request.namesItsAddresses && SettlementCounts.rank(of: record) >= hostRank { continue }
                result.append(entry.published(key, record, now: now))
            }
        }
        PreferenceOrder.sort(&result)
        return result
    }
}
