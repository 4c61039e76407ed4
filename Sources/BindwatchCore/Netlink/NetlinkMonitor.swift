import CBindwatchNetlink
import Glibc
import Logging
import ServiceLifecycle

/// Keeps the address table equal to the kernel's: one rtnetlink socket joined to the link and
/// address groups before the first dumps, events and dump replies demultiplexed by sequence
/// number, per-link dumps for addresses the kernel does not announce, and a mark-and-sweep
/// resync whenever events were lost.
public final class NetlinkMonitor: Service {
    public struct Configuration: Sendable {
        /// Requested SO_RCVBUF(FORCE) size; nil leaves the socket's buffer as it is.
        public var receiveBufferBytes: Int?
        /// Full-resync attempts in a row before giving up for a while.
        public var resyncAttempts: Int = 5
        public var resyncBackoff: Duration = .milliseconds(50)
        /// After the attempts run out: serve with `synced: false` and try again this much later.
        public var resyncRetryLater: Duration = .seconds(30)

        public init(receiveBufferBytes: Int? = 8 * 1024 * 1024) {
            self.receiveBufferBytes = receiveBufferBytes
        }
    }

    private let socket: NetlinkSocket
    private let table: AddressTable
    private let configuration: Configuration
    private let logger: Logger

    /// Opens its own socket, or adopts `socket` (one systemd passed).
    public init(
        table: AddressTable, configuration: Configuration, socket: NetlinkSocket? = nil, logger: Logger
    ) throws(NetlinkError) {
        if let socket {
            self.socket = socket
        } else {
            self.socket = try NetlinkSocket.open()
        }
        self.table = table
        self.configuration = configuration
        self.logger = logger
    }

    public func run() async throws {
        if let bytes = configuration.receiveBufferBytes {
            // On a passed socket only when asked: unprivileged, SO_RCVBUF would cut a large
            // buffer systemd made (ReceiveBuffer=) down to net.core.rmem_max.
            let (granted, forced) = try socket.setReceiveBuffer(bytes: bytes)
            if granted < bytes {
                logger.warning(
                    "Netlink receive buffer is smaller than requested",
                    metadata: ["requested": "\(bytes)", "granted": "\(granted)", "forced": "\(forced)"])
            } else {
                logger.debug("Netlink receive buffer set", metadata: ["granted": "\(granted)", "forced": "\(forced)"])
            }
        }
        // Join before dumping: a change between the dump and the join would otherwise be lost.
        try socket.joinGroups()
        try socket.enableStrictCheck()

        let receiver = try NetlinkReceiver(socket: socket, logger: logger)
        let (inputs, continuation) = AsyncStream.makeStream(of: NetlinkInput.self)
        receiver.start(yielding: continuation)
        // On cancellation as on graceful shutdown; the thread closes the socket as it exits.
        defer { receiver.stop() }
        await table.setFreshDumpRequester { number in continuation.yield(.freshDumpRequested(number)) }

        logger.debug("Netlink receive buffer", metadata: ["bytes": "\((try? socket.receiveBufferSize()) ?? -1)"])
        // A passed socket may still hold replies to a dump of an earlier run, with the same port
        // id: start from a sequence number of our own, as iproute2 does.
        var state = DumpScheduler(
            portID: socket.portID, firstSequence: UInt32(truncatingIfNeeded: time(nil)),
            maximumAttempts: configuration.resyncAttempts,
            backoff: configuration.resyncBackoff, retryLater: configuration.resyncRetryLater)
        try await withGracefulShutdownHandler {
            try await withThrowingDiscardingTaskGroup { group in
                state.requestFullResync()
                try await startNextDump(&state)
                scheduleRetry(&state, in: &group, continuation: continuation)
                var reportedProgress = DumpProgress()
                for await input in inputs {
                    switch input {
                    case .datagram(let datagram):
                        try await handle(datagram, state: &state)
                    case .eventsLost:
                        logger.warning("Netlink events were lost (ENOBUFS); resyncing")
                        await table.setSynced(false)
                        state.requestFullResync()
                    case .retryResync:
                        state.requestFullResync()
                    case .freshDumpRequested(let number):
                        state.requestFreshDump(number: number)
                    case .failed(let error):
                        throw error
                    }
                    try await startNextDump(&state)
                    scheduleRetry(&state, in: &group, continuation: continuation)
                    // Settled waits must not end while a dump may still show them an address.
                    let progress = state.progress
                    if progress != reportedProgress {
                        await table.updateDumpProgress(progress)
                        reportedProgress = progress
                    }
                }
                group.cancelAll()
            }
        } onGracefulShutdown: {
            receiver.stop()
        }
    }

    /// A failed resync retries after a delay: a timer task feeds `.retryResync` back in.
    private func scheduleRetry(
        _ state: inout DumpScheduler, in group: inout ThrowingDiscardingTaskGroup<any Error>,
        continuation: AsyncStream<NetlinkInput>.Continuation
    ) {
        guard let delay = state.takeScheduledRetry() else { return }
        group.addTask {
            try? await sleepOnEventLoop(for: delay)
            continuation.yield(.retryResync)
        }
    }

    private func handle(_ datagram: NetlinkMessage.Datagram, state: inout DumpScheduler) async throws {
        if datagram.isFramingBroken {
            // The rest of the datagram cannot be read: whatever it held is lost.
            await table.setSynced(false)
            logger.warning("Dropped the rest of a netlink datagram with broken framing")
            state.requestFullResync()
        }
        var pending: [NetlinkMessage.Payload] = []
        for message in datagram.messages {
            guard state.isReplyToCurrentDump(message.header) else {
                if case .prefix(let prefix) = message.payload, prefix.ifindex > 0 {
                    // The SLAAC address for this prefix exists now, tentative or optimistic, unannounced.
                    state.requestLinkDump(ifindex: prefix.ifindex)
                }
                pending.append(message.payload)
                continue
            }
            if message.header.isDumpInterrupted { state.markCurrentDumpInterrupted() }
            switch message.payload {
            case .done:
                try await flush(&pending, state: &state)
                try await finishCurrentDump(&state, error: nil)
            case .error(let code):
                try await flush(&pending, state: &state)
                try await finishCurrentDump(&state, error: code == 0 ? nil : code)
            default:
                pending.append(message.payload)
            }
        }
        try await flush(&pending, state: &state)
    }

    private func flush(_ pending: inout [NetlinkMessage.Payload], state: inout DumpScheduler) async throws {
        guard !pending.isEmpty else { return }
        let outcome = await table.apply(pending)
        pending.removeAll(keepingCapacity: true)
        for ifindex in outcome.linksCameUp { state.requestLinkDump(ifindex: ifindex) }
    }

    private func finishCurrentDump(_ state: inout DumpScheduler, error: Int32?) async throws {
        guard let finished = state.finishCurrentDump(failed: error != nil) else { return }
        if let error {
            logger.warning("Netlink dump failed", metadata: ["dump": "\(finished.kind)", "errno": "\(-error)"])
        }
        switch finished.outcome {
        case .continueResync:
            break
        case .resyncComplete(let sweep, let synced):
            let removed = await table.finishResync(sweep: sweep, synced: synced)
            // The resync's datagrams and batches are freed now, but malloc keeps the memory
            // (much of it in the receiving thread's arena): give it back. Measured after a
            // 10,000-address start: 0.1–0.3 MiB of a 3.6 MiB heap.
            bw_release_free_memory()
            let status = await table.status()
            logger.info(
                "Resync finished",
                metadata: [
                    "addresses": "\(status.addresses)", "links": "\(status.links)", "removed": "\(removed)",
                    "attempt": "\(finished.attempt)",
                ])
        case .resyncFailed(let willRetrySoon):
            await table.setSynced(false)
            if !willRetrySoon {
                // Serve what we have; the scheduler retries later.
                await table.markReady()
                logger.error("Resync attempts ran out; serving with synced=false until a later retry")
            }
        case .linkDumpComplete, .freshDumpComplete:
            break
        }
    }

    private func startNextDump(_ state: inout DumpScheduler) async throws {
        while let request = state.nextRequest() {
            if case .links = request.kind, request.startsResync {
                let sweep = await table.beginSweep()
                state.resyncStarted(sweep: sweep)
                await table.countResync()
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
                try await finishCurrentDump(&state, error: -Int32(error.errno.rawValue))
            }
        }
    }
}
