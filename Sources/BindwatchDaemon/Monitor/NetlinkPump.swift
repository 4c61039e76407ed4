import BindwatchModel
import BindwatchNetlink
import CBindwatchSystem
import Glibc
import Logging
import NIOCore
import NIOPosix

/// Reads the netlink socket on the table's event loop and drives the table and the dump
/// scheduler from there, synchronously: one wake-up per batch of datagrams, no thread of its
/// own.
///
/// NIO has no netlink channel, so a duplicate of the socket's descriptor is registered as the
/// input of a pipe channel, which reads one datagram per read() into a 64 KiB buffer and then
/// waits for the next wake-up. The pump reads whatever else is already queued itself, up to
/// `datagramsPerWakeUp` in all, through the original descriptor, and ends the batch once: one
/// write to each subscriber and to the event log for all of them. When the kernel drops events
/// (ENOBUFS), either read fails (NIO then closes the channel); the pump drains what the kernel
/// still holds (the socket stays congested, dropping every new event, until its queue is
/// empty), registers a new duplicate if needed and resyncs.
///
/// `@unchecked Sendable`: its state is touched only on `loop` (every entry point either runs
/// there, from a channel handler or a scheduled task, or hops there with `execute`).
final class NetlinkPump: @unchecked Sendable {
    /// At least 32 KiB or dumps would be cut: the kernel sends dump datagrams of up to 32 KiB.
    /// A read that fills the buffer may have lost the rest of a longer datagram.
    static let bufferSize = 64 * 1024
    /// This many changes (a link with many addresses going down, or a burst of them one by
    /// one) leave freed memory in malloc's arena: hand it back to the kernel once they are over.
    static let largeBatchChanges: UInt64 = 10_000
    /// A burst is over when nothing changed for this long and the subscribers have read it.
    static let burstQuiet = TimeAmount.seconds(1)
    /// A subscriber that never reads does not hold the memory back longer than this many
    /// quiet periods.
    static let burstWaitLimit = 60
    /// Datagrams read and applied per wake-up before the batch is written out: a link going
    /// down with many addresses queues thousands at once.
    static let datagramsPerWakeUp = 64
    /// Payloads kept room for between batches: a batch of events (one each) fits.
    static let keptPendingCapacity = datagramsPerWakeUp * 4
    /// A link that went down is re-evaluated once the kernel has stopped deleting its
    /// addresses for this long (nanoseconds)...
    static let linkReevaluationQuiet: UInt64 = 20_000_000
    /// ...or after this long at most, whatever the kernel still does.
    static let linkReevaluationLimit: UInt64 = 1_000_000_000

    private let socket: NetlinkSocket
    private let table: LiveTable
    private let loop: any EventLoop
    private let logger: Logger

    private var state: DumpScheduler
    /// The payloads of the batch's datagrams, not yet applied: the table takes them in one call
    /// per batch (a call per datagram went through the actor check and the layers around the
    /// table once per removal when a link goes down), and before anything that depends on
    /// them (the end of a dump, a resync, a lost event). Kept for its capacity.
    private var pending: [NetlinkMessage.Payload] = []
    private var reportedProgress = DumpProgress()
    private var channel: (any Channel)?
    private var retry: Scheduled<Void>?
    /// The table's generation when memory was last given back, and the pending trim.
    private var trimmedAtGeneration: UInt64 = 0
    private var trim: Scheduled<Void>?
    /// The next look at links whose re-evaluation is deferred.
    private var deferredLinkCheck: Scheduled<Void>?
    /// For the datagrams the pump reads itself; allocated once.
    private let receiveBuffer = UnsafeMutableRawBufferPointer.allocate(byteCount: bufferSize, alignment: 8)
    /// What the last read failure said, until the channel it closed reports closing.
    private var readFailure: ReadFailure?
    private var stopping = false
    private var finished: CheckedContinuation<Void, any Error>?
    private var failure: (any Error)?

    private enum ReadFailure {
        /// ENOBUFS: events were lost.
        case overrun
        /// recvmsg continues a running dump. When a dump request completes at once, a receive
        /// may still see it running, then find it ended: the kernel reports EINVAL through
        /// sk_err (netlink_dump), once, and the replies are queued. Nothing was lost.
        case dumpRace
        case failed(any Error)
    }

    init(socket: NetlinkSocket, table: LiveTable, configuration: NetlinkMonitor.Configuration, logger: Logger) {
        self.socket = socket
        self.table = table
        self.loop = table.eventLoop
        self.logger = logger
        // A passed socket may still hold replies to a dump of an earlier run, with the same port
        // id: start from a sequence number of our own, as iproute2 does.
        state = DumpScheduler(
            portID: socket.portID, firstSequence: UInt32(truncatingIfNeeded: time(nil)),
            maximumAttempts: configuration.resyncAttempts,
            backoff: configuration.resyncBackoff, retryLater: configuration.resyncRetryLater)
    }

    deinit {
        receiveBuffer.deallocate()
    }

    /// Returns once `stop()` was called and the channel closed; throws what stopped it otherwise.
    func run() async throws {
        try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<Void, any Error>) in
            loop.execute { self.start(continuation) }
        }
    }

    func stop() {
        loop.execute { self.finish(nil) }
    }

    // MARK: On the loop

    private func start(_ continuation: CheckedContinuation<Void, any Error>) {
        finished = continuation
        guard !stopping else {
            finish(nil)
            return
        }
        table.assumeIsolated { table in
            table.setFreshDumpRequester { [self] number in
                // Later, not inside the table's call that asked for it.
                loop.execute { self.requestFreshDump(number) }
            }
        }
        state.requestFullResync()
        afterInput()
        register()
    }

    /// Stops with `error` (nil: asked to stop); the continuation resumes once the channel closed.
    private func finish(_ error: (any Error)?) {
        if !stopping {
            stopping = true
            failure = error
            retry?.cancel()
            retry = nil
            trim?.cancel()
            trim = nil
            deferredLinkCheck?.cancel()
            deferredLinkCheck = nil
            table.assumeIsolated { $0.setFreshDumpRequester(nil) }
        }
        if let channel {
            channel.close(promise: nil)
        } else if let finished {
            self.finished = nil
            if let failure { finished.resume(throwing: failure) } else { finished.resume() }
        }
    }

    private func register() {
        let descriptor: Int32
        do {
            descriptor = try socket.duplicateDescriptor()
        } catch {
            finish(error)
            return
        }
        NIOPipeBootstrap(group: loop)
            .channelOption(.recvAllocator, value: FixedSizeRecvByteBufferAllocator(capacity: Self.bufferSize))
            .channelInitializer { [self] channel in
                channel.eventLoop.makeCompletedFuture {
                    try channel.pipeline.syncOperations.addHandler(NetlinkInputHandler(pump: self))
                }
            }
            .takingOwnershipOfDescriptor(input: descriptor)
            .whenComplete { [self] result in
                switch result {
                case .success(let channel):
                    self.channel = channel
                    if stopping { channel.close(promise: nil) }
                case .failure(let error):
                    logger.error("Could not read the netlink socket on the event loop", metadata: ["error": "\(error)"])
                    finish(error)
                }
            }
    }

    fileprivate func received(_ buffer: ByteBuffer) {
        guard !stopping else { return }
        if buffer.readableBytes >= Self.bufferSize {
            // read() cut a longer datagram: what it held past the buffer is lost.
            eventsLost("A netlink datagram did not fit the buffer; resyncing")
        }
        buffer.withUnsafeReadableBytes { handle(datagram: $0) }
        readQueued(limit: Self.datagramsPerWakeUp - 1)
        endBatch()
        afterInput()
    }

    /// Reads one datagram the kernel has already queued, without waiting, and applies it; nil
    /// when none is queued.
    private func applyQueuedDatagram() throws(NetlinkError) -> NetlinkSocket.Reception? {
        let reception = try socket.receive(into: receiveBuffer, wait: false)
        // Connected to the kernel, so the sender is always 0; checked all the same.
        if case .datagram(let count, sender: 0) = reception {
            handle(datagram: UnsafeRawBufferPointer(rebasing: receiveBuffer[..<count]))
        }
        return reception
    }

    /// Reads and applies up to `limit` datagrams the kernel has already queued; true when it
    /// found the queue empty.
    @discardableResult
    private func readQueued(limit: Int) -> Bool {
        for _ in 0..<limit {
            let reception: NetlinkSocket.Reception?
            do {
                reception = try applyQueuedDatagram()
            } catch {
                // NIO's next read meets the same error and reports it.
                logger.warning("Reading the netlink socket failed", metadata: ["error": "\(error)"])
                return false
            }
            switch reception {
            case nil:
                return true
            case .datagram:
                continue
            case .overrun:
                // This read took the error, so NIO's channel will not see it.
                drainQueued()
                eventsLost("Netlink events were lost (ENOBUFS); resyncing")
                return false
            case .truncated:
                eventsLost("A netlink datagram did not fit the buffer; resyncing")
            case .dumpRace:
                logger.debug("A dump request raced with a receive (EINVAL from the kernel); nothing was lost")
            }
        }
        return false
    }

    /// Writes out what the batch changed, asks for the link dumps the table needs, and looks
    /// at deferred links later.
    private func endBatch() {
        flushPending()
        let (deferredLinks, linksToDump) = table.assumeIsolated { table in
            table.endBatch()
            return (table.deferredLinkCount, table.takeLinksToDump())
        }
        for ifindex in linksToDump { state.requestLinkDump(ifindex: ifindex) }
        if deferredLinks > 0 && deferredLinkCheck == nil { scheduleDeferredLinkCheck() }
    }

    private func scheduleDeferredLinkCheck() {
        deferredLinkCheck = loop.scheduleTask(in: .nanoseconds(Int64(Self.linkReevaluationQuiet))) { [self] in
            deferredLinkCheck = nil
            guard !stopping else { return }
            // The quiet must be the kernel's, not this process's. Descheduled on a busy machine
            // for longer than the quiet between reading a batch and running this task, the
            // daemon would find its last removal old while thousands more wait in the socket,
            // and announce every one of them `changed` (link-down) before its `removed`. So the
            // queue is read first, and the links are looked at only once it is empty: then no
            // removal arrived since the last one applied.
            if readQueued(limit: Self.datagramsPerWakeUp) {
                flushPending()
                table.assumeIsolated {
                    _ = $0.reevaluateDeferredLinks(quiet: Self.linkReevaluationQuiet, limit: Self.linkReevaluationLimit)
                }
            }
            // Dumps the links that kept IPv6 addresses, and looks again if links are left.
            endBatch()
            afterInput()
        }
    }

    fileprivate func readFailed(_ error: any Error) {
        switch (error as? IOError)?.errnoCode {
        case ENOBUFS: readFailure = .overrun
        case EINVAL: readFailure = .dumpRace
        default: readFailure = .failed(error)
        }
    }

    fileprivate func channelClosed() {
        channel = nil
        let failure = readFailure
        readFailure = nil
        if stopping {
            finish(nil)
            return
        }
        switch failure {
        case .overrun:
            drainQueued()
            eventsLost("Netlink events were lost (ENOBUFS); resyncing")
            afterInput()
            register()
        case .dumpRace:
            logger.debug("A dump request raced with a receive (EINVAL from the kernel); nothing was lost")
            register()
        case .failed(let error):
            logger.error("Reading the netlink socket failed", metadata: ["error": "\(error)"])
            finish(error)
        case nil:
            finish(NetlinkError("read(netlink): end of input", result: -Int(EPIPE)))
        }
    }

    /// The kernel still holds messages from before the loss: apply them before the resync
    /// starts, so that they cannot count as confirmed by it.
    private func drainQueued() {
        var datagrams = 0
        defer { endBatch() }
        do {
            while let reception = try applyQueuedDatagram() {
                guard case .datagram = reception else { continue }
                datagrams += 1
                // Batches of the usual size: the queue may hold tens of megabytes.
                if datagrams % Self.datagramsPerWakeUp == 0 { endBatch() }
            }
        } catch {
            logger.warning("Draining the netlink socket failed", metadata: ["error": "\(error)"])
        }
    }

    private func eventsLost(_ message: Logger.Message) {
        // What came before the loss is applied before the resync that it starts.
        flushPending()
        logger.warning(message)
        table.assumeIsolated { $0.eventsLost() }
        state.requestFullResync()
    }

    private func requestFreshDump(_ number: UInt64) {
        guard !stopping else { return }
        state.requestFreshDump(number: number)
        afterInput()
    }

    /// Starts the next dump, schedules a retry, and tells settled waits how far dumps got.
    private func afterInput() {
        // A resync's sweep must not count earlier messages as confirmed by it.
        flushPending()
        startNextDump()
        if let delay = state.takeScheduledRetry() {
            retry?.cancel()
            retry = loop.scheduleTask(in: TimeAmount(delay)) { [self] in
                retry = nil
                guard !stopping else { return }
                state.requestFullResync()
                afterInput()
            }
        }
        // Settled waits must not end while a dump may still show them an address.
        let progress = state.progress
        if progress != reportedProgress {
            table.assumeIsolated { $0.updateDumpProgress(progress) }
            reportedProgress = progress
        }
    }

    private func handle(datagram: UnsafeRawBufferPointer) {
        let isFramingBroken = NetlinkMessage.forEachMessage(in: datagram) { message in
            handle(message)
        }
        if isFramingBroken {
            // The rest of the datagram cannot be read: whatever it held is lost. What came
            // before the break is applied before the resync starts.
            eventsLost("Dropped the rest of a netlink datagram with broken framing")
        }
    }

    private func handle(_ message: NetlinkMessage) {
        guard state.isReplyToCurrentDump(message.header) else {
            if case .prefix(let prefix) = message.payload, prefix.ifindex > 0 {
                // The SLAAC address for this prefix exists now, tentative or optimistic, unannounced.
                state.requestLinkDump(ifindex: prefix.ifindex)
            }
            pending.append(message.payload)
            return
        }
        if message.header.isDumpInterrupted { state.markCurrentDumpInterrupted() }
        switch message.payload {
        case .done:
            flushPending()
            finishCurrentDump(error: nil)
        case .error(let code):
            flushPending()
            finishCurrentDump(error: code == 0 ? nil : code)
        default:
            pending.append(message.payload)
        }
    }

    private func flushPending() {
        guard !pending.isEmpty else { return }
        let (outcome, generation) = table.assumeIsolated { table in
            (table.apply(pending, deferringLinkReevaluation: true, endingBatch: false), table.generation)
        }
        // A dump's batch holds thousands: memory held from then on, for nothing.
        pending.removeAll(keepingCapacity: pending.count <= Self.keptPendingCapacity)
        for ifindex in outcome.linksCameUp { state.requestLinkDump(ifindex: ifindex) }
        if trim == nil && generation &- trimmedAtGeneration >= Self.largeBatchChanges {
            scheduleTrim(seenGeneration: generation, wait: 0)
        }
    }

    /// After many changes: give the memory back once they are over (nothing changed for a
    /// while, and the subscribers read what they made), checked once per quiet period. No
    /// wake-up otherwise, and no clock read per change.
    private func scheduleTrim(seenGeneration: UInt64, wait: Int) {
        trim = loop.scheduleTask(in: Self.burstQuiet) { [self] in
            trim = nil
            let (generation, backlog) = table.assumeIsolated { ($0.generation, $0.subscriberBacklogBytes) }
            if (generation != seenGeneration || backlog > 0) && wait < Self.burstWaitLimit {
                scheduleTrim(seenGeneration: generation, wait: wait + 1)
            } else {
                // Given up waiting while a subscriber still holds a backlog, or changes still
                // come: what it frees later must go back too, so the burst is not over for the
                // next change, which starts another round.
                releaseFreeMemory(burstOver: generation == seenGeneration && backlog == 0)
            }
        }
    }

    private func releaseFreeMemory(burstOver: Bool = true) {
        _ = bw_release_free_memory()
        if burstOver { trimmedAtGeneration = table.assumeIsolated { $0.generation } }
    }

    private func finishCurrentDump(error: Int32?) {
        guard let finished = state.finishCurrentDump(failed: error != nil) else { return }
        if let error {
            logger.warning("Netlink dump failed", metadata: ["dump": "\(finished.kind)", "errno": "\(-error)"])
        }
        switch finished.outcome {
        case .continueResync:
            break
        case .resyncComplete(let sweep, let synced):
            let (removed, status) = table.assumeIsolated { table in
                (table.resyncFinished(sweep: sweep, synced: synced), table.status())
            }
            // The resync's datagrams and batches are freed now, but malloc keeps the memory:
            // give it back. Measured after a 10,000-address start: 0.1–0.3 MiB of a 3.6 MiB heap.
            releaseFreeMemory()
            logger.info(
                "Resync finished",
                metadata: [
                    "addresses": "\(status.addresses)", "links": "\(status.links)", "removed": "\(removed)",
                    "attempt": "\(finished.attempt)",
                ])
        case .resyncFailed(let willRetrySoon):
            // Once the attempts ran out, serve what there is; the scheduler retries later.
            table.assumeIsolated { $0.resyncFailed(willRetrySoon: willRetrySoon) }
            if !willRetrySoon {
                logger.error("Resync attempts ran out; serving with synced=false until a later retry")
            }
        case .linkDumpComplete, .freshDumpComplete:
            break
        }
    }

    private func startNextDump() {
        while let request = state.nextRequest() {
            if case .links = request.kind, request.startsResync {
                let sweep = table.assumeIsolated { $0.resyncStarted() }
                state.resyncStarted(sweep: sweep)
            }
            do {
                switch request.kind {
                case .links:
                    try socket.requestLinkDump(sequence: request.sequence)
                case .addresses(let ifindex):
                    try socket.requestAddressDump(sequence: request.sequence, ifindex: ifindex)
                }
                return
            } catch {
                logger.error("Netlink dump request failed", metadata: ["error": "\(error)"])
                finishCurrentDump(error: -Int32(error.errno.rawValue))
            }
        }
    }
}

/// Hands the pump what the pipe channel reads from the netlink socket.
private final class NetlinkInputHandler: ChannelInboundHandler {
    typealias InboundIn = ByteBuffer

    private let pump: NetlinkPump

    init(pump: NetlinkPump) {
        self.pump = pump
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        pump.received(unwrapInboundIn(data))
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        pump.readFailed(error)
    }

    func channelInactive(context: ChannelHandlerContext) {
        pump.channelClosed()
    }
}
