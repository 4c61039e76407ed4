import BindwatchModel
import BindwatchNetlink

extension LiveTable {
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
            fanout.settledWaitTargets[address, default: 0] += 1
        } else {
            fanout.settledWaitsWithoutTarget += 1
        }
        lookAt(wait)
        return wait
    }

    /// Forgets a wait, answered or not. For one the table had not answered, returns what a
    /// timeout's message names (see `whyUnanswered`).
    public func endSettledWait(_ wait: SettledWait) -> (pending: [Address], unbindable: [Address])? {
        guard settledWaits.removeValue(forKey: wait.id) != nil else { return nil }
        if let address = wait.request.address {
            fanout.settledWaitTargets[address, default: 1] -= 1
            if fanout.settledWaitTargets[address] == 0 { fanout.settledWaitTargets[address] = nil }
        } else {
            fanout.settledWaitsWithoutTarget -= 1
        }
        guard !wait.isComplete else { return nil }
        return whyUnanswered(wait.request)
    }

    /// Why no answer came for the request's set, for a timeout to name: the addresses still in
    /// DAD, and up to 64 that neither bind nor wait for DAD, whose reasons say why. Best first.
    public func whyUnanswered(_ request: SettledWaitRequest) -> (pending: [Address], unbindable: [Address]) {
        reevaluateDeferredLinksNow()
        return (table.pendingAddresses(of: request), table.unbindableAddresses(of: request, limit: 64))
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

    /// A link came up or got a prefix: it has addresses the table learns of only by its dump.
    func awaitDump(of ifindex: Int32) {
        dumpProgress.linksAwaitingDump.insert(ifindex)
    }

    func lookAtSettledWaits() {
        fanout.settledWaitsNeedLook = false
        for wait in settledWaits.values where !wait.isComplete { lookAt(wait) }
    }

    private func lookAt(_ wait: SettledWait) {
        // A link that went down may still hold verdicts from before (`reevaluateDeferredLinks`).
        guard synced, !dumpProgress.resyncRunning, dumpProgress.freshDumpsCompleted >= wait.freshDump,
            table.linksAwaitingReevaluation.isEmpty,
            table.isSettled(wait.request, linksAwaitingDump: dumpProgress.linksAwaitingDump)
        else { return }
        wait.complete(
            with: SettledWait.Answer(
                bindable: table.bindableAddresses(of: wait.request), failed: table.failedAddresses(of: wait.request)))
    }
}
