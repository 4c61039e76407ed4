import BindwatchModel

/// Decides which dump runs next on the monitor's socket and what a finished one means.
///
/// The kernel runs one dump per socket at a time (a second request gets EBUSY), so dumps are
/// queued: a full resync (links, then every address), fresh dumps of every address for
/// settled waits, and per-link address dumps. Replies are told apart from events by sequence
/// number and port id.
package struct DumpScheduler {
    package enum Kind: Equatable, CustomStringConvertible {
        case links
        /// Every address when `ifindex` is 0, else one link's.
        case addresses(ifindex: Int32)

        package var description: String {
            switch self {
            case .links: "links"
            case .addresses(let ifindex): ifindex == 0 ? "addresses" : "addresses(ifindex \(ifindex))"
            }
        }
    }

    package struct Request: Equatable {
        package var kind: Kind
        package var sequence: UInt32
        /// The first dump of a full resync: the table starts a sweep before it.
        package var startsResync: Bool
    }

    package enum Outcome: Equatable {
        /// The link dump of a resync ended; the address dump follows.
        case continueResync
        /// Both dumps of a resync ended cleanly: sweep with this mark. `synced` is false when
        /// events were lost again while it ran (another resync is queued).
        case resyncComplete(sweep: UInt32, synced: Bool)
        /// A dump of the resync was interrupted or failed. `willRetrySoon` is false once the
        /// attempts ran out and the next try waits for `retryLater`.
        case resyncFailed(willRetrySoon: Bool)
        case linkDumpComplete
        /// A dump of every address for settled waits ended (see `progress`).
        case freshDumpComplete
    }

    package struct Finished: Equatable {
        package var kind: Kind
        package var outcome: Outcome
        /// Which attempt in a row this resync was (1 for the first).
        package var attempt: Int
    }

    private struct Resync {
        var sweep: UInt32 = 0
        var addressesRequested = false
        var failed = false
    }

    private struct Current {
        var request: Request
        var interrupted = false
        /// A dump of every address: the fresh-dump requests it answers once it ends cleanly,
        /// and the per-link dumps it replaced.
        var freshDumpsCovered: UInt64 = 0
        var linkDumpsCovered: [Int32] = []
    }

    package let portID: UInt32
    let maximumAttempts: Int
    let backoff: Duration
    let retryLater: Duration

    private var sequence: UInt32 = 0
    private var current: Current?
    private var resync: Resync?
    private var resyncRequested = false
    private var failedAttempts = 0
    private var linkDumps: [Int32] = []
    private var scheduledRetry: Duration?
    /// Fresh dumps asked for, and answered, by number (see `requestFreshDump`).
    private var freshDumpsRequested: UInt64 = 0
    private var freshDumpsCompleted: UInt64 = 0

    /// `firstSequence`: the first dump's number (0 is skipped: events carry it).
    package init(
        portID: UInt32, firstSequence: UInt32 = 1, maximumAttempts: Int = 5, backoff: Duration = .milliseconds(50),
        retryLater: Duration = .seconds(30)
    ) {
        self.portID = portID
        self.sequence = firstSequence &- 1
        self.maximumAttempts = max(1, maximumAttempts)
        self.backoff = backoff
        self.retryLater = retryLater
    }

    package mutating func requestFullResync() {
        resyncRequested = true
    }

    package mutating func requestLinkDump(ifindex: Int32) {
        if !linkDumps.contains(ifindex) { linkDumps.append(ifindex) }
    }

    /// A dump of every address that starts from now on, for a settled wait; requests are
    /// numbered, and one dump answers every request made before it started.
    package mutating func requestFreshDump(number: UInt64) {
        freshDumpsRequested = max(freshDumpsRequested, number)
    }

    /// What the table cannot know yet: it must not call a wait settled before these dumps end.
    package var progress: DumpProgress {
        var links = Set(linkDumps)
        if let current {
            links.formUnion(current.linkDumpsCovered)
            if case .addresses(let ifindex) = current.request.kind, ifindex != 0 { links.insert(ifindex) }
        }
        return DumpProgress(
            linksAwaitingDump: links, resyncRunning: resync != nil || resyncRequested,
            freshDumpsCompleted: freshDumpsCompleted)
    }

    /// The delay before a failed resync is retried, once; the monitor sleeps then feeds
    /// `.retryResync` back in.
    package mutating func takeScheduledRetry() -> Duration? {
        defer { scheduledRetry = nil }
        return scheduledRetry
    }

    package func isReplyToCurrentDump(_ header: NetlinkMessage.Header) -> Bool {
        guard let current else { return false }
        return header.sequence == current.request.sequence && header.portID == portID
    }

    package mutating func markCurrentDumpInterrupted() {
        current?.interrupted = true
    }

    /// The next dump to send, or nil while one runs or nothing is queued.
    package mutating func nextRequest() -> Request? {
        guard current == nil else { return nil }
        if let resync, !resync.addressesRequested {
            self.resync?.addressesRequested = true
            return startDumpOfEveryAddress()
        } else if resyncRequested {
            resyncRequested = false
            resync = Resync()
            let request = Request(kind: .links, sequence: nextSequence(), startsResync: true)
            current = Current(request: request)
            return request
        } else if freshDumpsRequested > freshDumpsCompleted {
            return startDumpOfEveryAddress()
        } else if !linkDumps.isEmpty {
            let request = Request(
                kind: .addresses(ifindex: linkDumps.removeFirst()), sequence: nextSequence(), startsResync: false)
            current = Current(request: request)
            return request
        }
        return nil
    }

    /// This dump starts after the per-link ones asked so far, so it covers them: at start-up
    /// every link that is up asked for one, and each would dump its addresses a second time.
    /// It answers the fresh-dump requests made so far too.
    private mutating func startDumpOfEveryAddress() -> Request {
        let request = Request(kind: .addresses(ifindex: 0), sequence: nextSequence(), startsResync: false)
        current = Current(request: request, freshDumpsCovered: freshDumpsRequested, linkDumpsCovered: linkDumps)
        linkDumps.removeAll()
        return request
    }

    /// Records the sweep mark the table gave the resync that just started.
    package mutating func resyncStarted(sweep: UInt32) {
        resync?.sweep = sweep
    }

    /// Ends the running dump (NLMSG_DONE, an NLMSG_ERROR, or a failed send).
    package mutating func finishCurrentDump(failed: Bool) -> Finished? {
        guard let finished = current else { return nil }
        current = nil
        let broken = failed || finished.interrupted
        if broken {
            // What it replaced must still be dumped (a resync that failed is retried anyway).
            for ifindex in finished.linkDumpsCovered { requestLinkDump(ifindex: ifindex) }
        } else {
            freshDumpsCompleted = max(freshDumpsCompleted, finished.freshDumpsCovered)
        }
        // Other dumps run only between resyncs, so a running resync owns this dump.
        guard var resync else {
            guard case .addresses(let ifindex) = finished.request.kind, ifindex != 0 else {
                // A fresh dump: an interrupted one runs again (its requests are still open).
                // One that failed becomes a resync, which retries with a backoff and whose
                // dump of every address answers the requests too.
                if failed { resyncRequested = true }
                return Finished(kind: finished.request.kind, outcome: .freshDumpComplete, attempt: 0)
            }
            // An interrupted per-link dump may have missed an address the kernel will not
            // announce (still tentative): dump that link again. A failed one (ENODEV: the
            // link is gone) is not retried.
            if finished.interrupted && !failed { requestLinkDump(ifindex: ifindex) }
            return Finished(kind: finished.request.kind, outcome: .linkDumpComplete, attempt: 0)
        }
        let attempt = failedAttempts + 1
        if broken { resync.failed = true }
        if finished.request.kind == .links && !resync.failed {
            self.resync = resync
            return Finished(kind: .links, outcome: .continueResync, attempt: attempt)
        }
        self.resync = nil
        if resync.failed {
            failedAttempts += 1
            if failedAttempts < maximumAttempts {
                scheduledRetry = backoff * (1 << min(failedAttempts - 1, 16))
                return Finished(
                    kind: finished.request.kind, outcome: .resyncFailed(willRetrySoon: true), attempt: attempt)
            }
            failedAttempts = 0
            scheduledRetry = retryLater
            return Finished(kind: finished.request.kind, outcome: .resyncFailed(willRetrySoon: false), attempt: attempt)
        }
        failedAttempts = 0
        return Finished(
            kind: finished.request.kind, outcome: .resyncComplete(sweep: resync.sweep, synced: !resyncRequested),
            attempt: attempt)
    }

    private mutating func nextSequence() -> UInt32 {
        // 0 is what events carry; never use it for a dump.
        sequence = sequence == .max ? 1 : sequence + 1
        return sequence
    }
}
