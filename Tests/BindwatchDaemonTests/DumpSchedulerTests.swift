import Testing

@testable import BindwatchDaemon
@testable import BindwatchModel
@testable import BindwatchNetlink
@testable import BindwatchVarlink

@Suite("Dump scheduling and resync", .timeLimit(.minutes(1)))
struct DumpSchedulerTests {
    private func header(_ sequence: UInt32, port: UInt32 = 77, flags: UInt16 = 0) -> NetlinkMessage.Header {
        NetlinkMessage.Header(type: 20, flags: flags, sequence: sequence, portID: port)
    }

    @Test("a full resync dumps links, then addresses, then sweeps")
    func fullResync() throws {
        var scheduler = DumpScheduler(portID: 77)
        scheduler.requestFullResync()
        let links = try scheduler.requireNext()
        #expect(links.kind == .links && links.startsResync)
        #expect(scheduler.nextRequest() == nil)  // one dump at a time
        scheduler.resyncStarted(sweep: 9)
        #expect(scheduler.finishCurrentDump(failed: false)?.outcome == .continueResync)
        let addresses = try scheduler.requireNext()
        #expect(addresses.kind == .addresses(ifindex: 0))
        #expect(addresses.sequence != links.sequence)
        #expect(scheduler.finishCurrentDump(failed: false)?.outcome == .resyncComplete(sweep: 9, synced: true))
        #expect(scheduler.nextRequest() == nil)
    }

    @Test("replies are told from events by sequence and port id")
    func demultiplexing() throws {
        var scheduler = DumpScheduler(portID: 77)
        #expect(!scheduler.isReplyToCurrentDump(header(0)))
        scheduler.requestFullResync()
        let request = try scheduler.requireNext()
        #expect(scheduler.isReplyToCurrentDump(header(request.sequence)))
        // An event caused by `ip addr add` carries ip's own port id and sequence number.
        #expect(!scheduler.isReplyToCurrentDump(header(request.sequence, port: 12345)))
        #expect(!scheduler.isReplyToCurrentDump(header(0)))
    }

    @Test("an interrupted dump is retried with growing backoff, then later with synced=false")
    func interruptedDumps() throws {
        var scheduler = DumpScheduler(
            portID: 77, maximumAttempts: 3, backoff: .milliseconds(10), retryLater: .seconds(30))
        var delays: [Duration] = []
        var outcomes: [DumpScheduler.Outcome] = []
        scheduler.requestFullResync()
        for _ in 0..<3 {
            _ = try scheduler.requireNext()
            scheduler.resyncStarted(sweep: 1)
            #expect(scheduler.finishCurrentDump(failed: false)?.outcome == .continueResync)
            _ = try scheduler.requireNext()
            scheduler.markCurrentDumpInterrupted()
            outcomes.append(try scheduler.requireFinish().outcome)
            delays.append(try scheduler.requireRetry())
            #expect(scheduler.nextRequest() == nil)  // nothing until the retry is due
            scheduler.requestFullResync()
        }
        #expect(
            outcomes == [
                .resyncFailed(willRetrySoon: true), .resyncFailed(willRetrySoon: true),
                .resyncFailed(willRetrySoon: false),
            ])
        #expect(delays == [.milliseconds(10), .milliseconds(20), .seconds(30)])
    }

    @Test("a failed link dump ends the resync without an address dump")
    func failedLinkDump() throws {
        var scheduler = DumpScheduler(portID: 77)
        scheduler.requestFullResync()
        _ = try scheduler.requireNext()
        #expect(scheduler.finishCurrentDump(failed: true)?.outcome == .resyncFailed(willRetrySoon: true))
    }

    @Test("events lost during a resync queue another; the first reports not synced")
    func overrunDuringResync() throws {
        var scheduler = DumpScheduler(portID: 77)
        scheduler.requestFullResync()
        _ = try scheduler.requireNext()
        scheduler.resyncStarted(sweep: 4)
        _ = scheduler.finishCurrentDump(failed: false)
        _ = try scheduler.requireNext()
        scheduler.requestFullResync()  // ENOBUFS
        #expect(scheduler.finishCurrentDump(failed: false)?.outcome == .resyncComplete(sweep: 4, synced: false))
        #expect(scheduler.nextRequest()?.kind == .links)
    }

    @Test("an interrupted per-link dump runs again; a failed one does not")
    func interruptedLinkDump() throws {
        var scheduler = DumpScheduler(portID: 77)
        scheduler.requestLinkDump(ifindex: 4)
        #expect(try scheduler.requireNext().kind == .addresses(ifindex: 4))
        scheduler.markCurrentDumpInterrupted()
        #expect(try scheduler.requireFinish().outcome == .linkDumpComplete)
        #expect(try scheduler.requireNext().kind == .addresses(ifindex: 4))
        #expect(scheduler.finishCurrentDump(failed: true)?.outcome == .linkDumpComplete)
        #expect(scheduler.nextRequest() == nil)
    }

    @Test(
        "per-link dumps are deduplicated, wait for a running resync, and are dropped when its address dump covers them")
    func linkDumps() throws {
        var scheduler = DumpScheduler(portID: 77)
        scheduler.requestFullResync()
        _ = try scheduler.requireNext()
        // Asked while the resync's link dump runs (at start-up, every link that is up): the
        // dump of every address, which starts after, covers them.
        scheduler.requestLinkDump(ifindex: 3)
        scheduler.requestLinkDump(ifindex: 4)
        _ = scheduler.finishCurrentDump(failed: false)
        #expect(scheduler.nextRequest()?.kind == .addresses(ifindex: 0))
        // Asked while the address dump runs: the link may have come up after the dump read it.
        scheduler.requestLinkDump(ifindex: 5)
        scheduler.requestLinkDump(ifindex: 5)
        scheduler.requestLinkDump(ifindex: 6)
        _ = scheduler.finishCurrentDump(failed: false)
        #expect(scheduler.nextRequest()?.kind == .addresses(ifindex: 5))
        #expect(scheduler.finishCurrentDump(failed: false)?.outcome == .linkDumpComplete)
        #expect(scheduler.nextRequest()?.kind == .addresses(ifindex: 6))
        _ = scheduler.finishCurrentDump(failed: false)
        #expect(scheduler.nextRequest() == nil)
    }

    @Test("a fresh dump answers every request made before it started, and replaces queued per-link dumps")
    func freshDumps() throws {
        var scheduler = DumpScheduler(portID: 77)
        scheduler.requestLinkDump(ifindex: 3)
        scheduler.requestFreshDump(number: 1)
        scheduler.requestFreshDump(number: 2)
        let fresh = try scheduler.requireNext()
        #expect(fresh.kind == .addresses(ifindex: 0))
        // Link 3 is covered, but not known yet: waits must still hold.
        #expect(scheduler.progress == DumpProgress(linksAwaitingDump: [3], freshDumpsCompleted: 0))
        // Asked while it runs: it may have passed the address already, so another dump follows.
        scheduler.requestFreshDump(number: 3)
        #expect(try scheduler.requireFinish().outcome == .freshDumpComplete)
        #expect(scheduler.progress == DumpProgress(linksAwaitingDump: [], freshDumpsCompleted: 2))
        #expect(try scheduler.requireNext().kind == .addresses(ifindex: 0))
        _ = try scheduler.requireFinish()
        #expect(scheduler.progress.freshDumpsCompleted == 3)
        #expect(scheduler.nextRequest() == nil)
    }

    @Test("an interrupted fresh dump runs again and answers nothing; a failed one becomes a resync")
    func freshDumpFailures() throws {
        var scheduler = DumpScheduler(portID: 77)
        scheduler.requestLinkDump(ifindex: 5)
        scheduler.requestFreshDump(number: 1)
        _ = try scheduler.requireNext()
        scheduler.markCurrentDumpInterrupted()
        _ = try scheduler.requireFinish()
        #expect(scheduler.progress == DumpProgress(linksAwaitingDump: [5], freshDumpsCompleted: 0))
        let again = try scheduler.requireNext()
        #expect(again.kind == .addresses(ifindex: 0))
        #expect(scheduler.finishCurrentDump(failed: true)?.outcome == .freshDumpComplete)
        #expect(scheduler.progress.resyncRunning)
        let links = try scheduler.requireNext()
        #expect(links.kind == .links && links.startsResync)
        scheduler.resyncStarted(sweep: 4)
        _ = try scheduler.requireFinish()
        #expect(try scheduler.requireNext().kind == .addresses(ifindex: 0))
        #expect(try scheduler.requireFinish().outcome == .resyncComplete(sweep: 4, synced: true))
        // The resync's dump of every address answered the request and replaced link 5's dump.
        #expect(scheduler.progress == DumpProgress(linksAwaitingDump: [], freshDumpsCompleted: 1))
        #expect(scheduler.nextRequest() == nil)
    }

    @Test("a per-link dump, queued or running, keeps its link awaited")
    func linkDumpProgress() throws {
        var scheduler = DumpScheduler(portID: 77)
        scheduler.requestLinkDump(ifindex: 7)
        #expect(scheduler.progress.linksAwaitingDump == [7])
        _ = try scheduler.requireNext()
        #expect(scheduler.progress.linksAwaitingDump == [7])
        _ = try scheduler.requireFinish()
        #expect(scheduler.progress.linksAwaitingDump == [])
    }
}

extension DumpScheduler {
    fileprivate mutating func requireNext() throws -> Request {
        let request = nextRequest()
        return try #require(request)
    }

    fileprivate mutating func requireFinish() throws -> Finished {
        let finished = finishCurrentDump(failed: false)
        return try #require(finished)
    }

    fileprivate mutating func requireRetry() throws -> Duration {
        let delay = takeScheduledRetry()
        return try #require(delay)
    }
}
