import BindwatchModel
import BindwatchVarlink
import EventLoopConcurrency
import JournalLogging
import Logging
import NIOCore

/// Where a call's replies go: the connection's outbound side. A `Watch` hands it to the table,
/// which writes the events to it directly (`SubscriberWriter`); replies and events must reach
/// the client in the order they were written, whichever of the two wrote them.
protocol ReplySink: SubscriberWriter {
    func send(_ message: ByteBuffer) async throws
}

/// Implements `org.varlink.service` and `io.bindwatch` on top of the address table.
struct VarlinkDispatcher: Sendable {
    /// Addresses per reply when a snapshot or a `List` with `more` streams in parts.
    static let addressesPerPart = 1000
    /// The shortest an encoded Address can be (IPv4, short names, no flags): about 250 bytes.
    static let minimumAddressBytes = 200
    /// What one address usually takes (about 300 bytes for IPv6 with flags): the room a reply reserves.
    static let typicalAddressBytes = 320

    let table: LiveTable
    let statistics: ServerStatistics
    let startedAt: MonotonicInstant
    /// When the daemon started, in seconds since the epoch (for `bindwatch_start_time_seconds`).
    let startTime: Double
    let reloader: ConfigurationReloader?
    /// The daemon's own user, which may call `Reload` as root may.
    let daemonUser: UInt32

    init(
        table: LiveTable, statistics: ServerStatistics, startedAt: MonotonicInstant,
        reloader: ConfigurationReloader? = nil, daemonUser: UInt32 = 0
    ) {
        self.table = table
        self.statistics = statistics
        self.startedAt = startedAt
        self.startTime =
            WallClockTimestamp.seconds() - Double(MonotonicInstant.now().nanoseconds - startedAt.nanoseconds) / 1e9
        self.reloader = reloader
        self.daemonUser = daemonUser
    }

    /// What a call on a connection may have to give way to.
    struct ConnectionSignals: Sendable {
        /// Who the client is (SO_PEERCRED).
        var peer: PeerCredentials
        /// The client closed the connection for good (not just its sending side).
        var peerGone: OneShotSignal
        /// The client queued more calls than the connection holds: a Watch, which would never
        /// end, ends so that the calls taken get their answers.
        var tooManyCalls: OneShotSignal
    }

    enum Completion {
        /// The connection may take another call.
        case ready
        /// A streaming call ended because the subscriber fell behind or went away: close.
        case close
    }

    func handle(_ request: VarlinkRequest, sink: some ReplySink, signals: ConnectionSignals, logger: Logger)
        async throws
        -> Completion
    {
        do {
            switch request.method {
            case "org.varlink.service.GetInfo":
                _ = try VarlinkParameters(request.parameters, allowed: [])
                try await reply(request, sink, getInfo())
            case "org.varlink.service.GetInterfaceDescription":
                let parameters = try VarlinkParameters(request.parameters, allowed: ["interface"])
                try await reply(request, sink, try interfaceDescription(parameters.string("interface")))
            case "io.bindwatch.List":
                try await list(request, sink)
            case "io.bindwatch.Watch":
                return try await watch(request, sink, signals: signals, logger: logger)
            case "io.bindwatch.Wait":
                try await wait(request, sink, peerGone: signals.peerGone)
            case "io.bindwatch.Classify":
                try await reply(request, sink, try classify(request))
            case "io.bindwatch.Explain":
                try await reply(request, sink, try await explain(request))
            case "io.bindwatch.Reload":
                _ = try VarlinkParameters(request.parameters, allowed: [])
                try await reply(request, sink, try await reload(by: signals.peer, logger: logger))
            case "io.bindwatch.GetStatus":
                _ = try VarlinkParameters(request.parameters, allowed: [])
                try await reply(request, sink, await getStatus())
            default:
                if request.interface == "org.varlink.service" || request.interface == "io.bindwatch" {
                    throw VarlinkError.methodNotFound(request.method)
                }
                throw VarlinkError.interfaceNotFound(request.interface)
            }
        } catch let error as VarlinkError {
            if !request.oneway { try await sink.send(VarlinkReply.error(error)) }
        }
        return .ready
    }

    private func reply(_ request: VarlinkRequest, _ sink: some ReplySink, _ message: ByteBuffer) async throws {
        if !request.oneway { try await sink.send(message) }
    }

    // MARK: org.varlink.service

    private func getInfo() -> ByteBuffer {
        VarlinkReply.message { json in
            json.field("vendor", "bindwatch")
            json.field("product", "bindwatchd")
            json.field("version", BindwatchDaemon.version)
            json.field("url", "https://github.com/bindwatch/bindwatch")
            json.field("interfaces", ["org.varlink.service", "io.bindwatch"])
        }
    }

    private func interfaceDescription(_ interface: String?) throws(VarlinkError) -> ByteBuffer {
        let description: String
        switch interface {
        case "io.bindwatch"?: description = InterfaceDescription.bindwatch
        case "org.varlink.service"?: description = InterfaceDescription.varlinkService
        case nil: throw .invalidParameter("interface")
        case let other?: throw .interfaceNotFound(other)
        }
        return VarlinkReply.message { $0.field("description", description) }
    }

    // MARK: io.bindwatch

    private func list(_ request: VarlinkRequest, _ sink: some ReplySink) async throws {
        let filter = try VarlinkParameters(request.parameters, allowed: ["family", "interface", "all"]).filter()
        let (generation, addresses) = await table.list(filter)
        guard !request.more else {
            try await sendInParts(addresses, generation: generation, sink: sink)
            return
        }
        // No address encodes in fewer bytes than this: refuse before building a reply that
        // cannot be sent, which would hold up every other client.
        guard addresses.count * Self.minimumAddressBytes <= VarlinkReply.maximumBytes else {
            throw VarlinkError.tooLarge(addresses: addresses.count)
        }
        let message = VarlinkReply.message(expectedBytes: addresses.count * Self.typicalAddressBytes) { json in
            json.field("generation", generation)
            json.key("addresses")
            json.beginArray()
            for address in addresses { address.write(to: &json) }
            json.endArray()
        }
        guard message.readableBytes <= VarlinkReply.maximumBytes else {
            throw VarlinkError.tooLarge(addresses: addresses.count)
        }
        try await reply(request, sink, message)
    }

    /// A snapshot in replies of at most `addressesPerPart` addresses; the last has
    /// `snapshotComplete: true`.
    private func sendInParts(
        _ addresses: [Address], generation: UInt64, sink: some ReplySink
    ) async throws {
        var start = 0
        repeat {
            let end = min(start + Self.addressesPerPart, addresses.count)
            try await sink.send(
                Self.snapshotPart(addresses[start..<end], generation: generation, of: addresses.count, false))
            start = end
        } while start < addresses.count
    }

    /// One reply of a snapshot sent in parts: `part`, a slice of `addresses`.
    private static func snapshotPart(
        _ part: ArraySlice<Address>, generation: UInt64, of count: Int, _ finalContinues: Bool
    ) -> ByteBuffer {
        let isLast = part.endIndex == count
        return VarlinkReply.message(
            continues: !isLast || finalContinues, expectedBytes: part.count * Self.typicalAddressBytes
        ) { json in
            json.field("generation", generation)
            json.key("addresses")
            json.beginArray()
            for address in part { address.write(to: &json) }
            json.endArray()
            if isLast { json.field("snapshotComplete", true) }
        }
    }

    private func watch(_ request: VarlinkRequest, _ sink: some ReplySink, signals: ConnectionSignals, logger: Logger)
        async throws -> Completion
    {
        let filter = try VarlinkParameters(request.parameters, allowed: ["family", "interface", "all"]).filter()
        guard request.more else { throw VarlinkError.expectedMore }
        // The table writes the snapshot and then every event batch to the connection itself,
        // on its own thread: this task only waits for the stream to end.
        let subscription = await table.watch(filter, writer: sink) { generation, snapshot in
            var start = 0
            repeat {
                let end = min(start + Self.addressesPerPart, snapshot.count)
                sink.write(Self.snapshotPart(snapshot[start..<end], generation: generation, of: snapshot.count, true))
                start = end
            } while start < snapshot.count
        }
        await withTaskGroup(of: Void.self) { group in
            group.addTask { await signals.peerGone.wait() }
            // A client that stopped reading: its backlog passed the limits.
            group.addTask { await subscription.overflowSignal.wait() }
            group.addTask { await signals.tooManyCalls.wait() }
            await group.next()
            group.cancelAll()
        }
        await table.unsubscribe(subscription)
        if subscription.overflowed {
            logger.warning("Closed a Watch connection whose client stopped reading")
            return .close
        }
        if signals.tooManyCalls.hasFired && !signals.peerGone.hasFired {
            // An error ends a stream: the calls queued behind it are answered next.
            try await sink.send(VarlinkReply.error(.tooManyCalls(limit: VarlinkConnection.maximumQueuedCalls)))
            return .ready
        }
        return .close
    }

    private func wait(_ request: VarlinkRequest, _ sink: some ReplySink, peerGone: OneShotSignal) async throws {
        let parameters = try VarlinkParameters(
            request.parameters, allowed: ["family", "interface", "address", "timeout", "settled", "scope"])
        var wait = try WaitParameters(parameters)
        if let zone = wait.zone { try wait.applyZone(naming: await table.interfaceName(zone: zone)) }
        let answer: WaitAnswer?
        if wait.settled {
            answer = try await waitUntilSettled(wait, peerGone: peerGone)
        } else {
            answer = try await waitForFirstMatch(wait, peerGone: peerGone)
        }
        // The client went away: nobody to answer.
        guard let answer else { return }
        try await reply(
            request, sink,
            VarlinkReply.message { json in
                json.key("address")
                answer.first.write(to: &json)
                if let all = answer.all {
                    json.key("addresses")
                    json.beginArray()
                    for address in all { address.write(to: &json) }
                    json.endArray()
                }
                if !answer.failed.isEmpty {
                    json.key("failed")
                    json.beginArray()
                    for address in answer.failed { address.write(to: &json) }
                    json.endArray()
                }
            })
    }

    private struct WaitAnswer {
        var first: Address
        /// A settled wait's every bindable address, best first.
        var all: [Address]?
        /// A settled wait's addresses that failed DAD.
        var failed: [Address] = []
    }

    /// Without `settled`: the first bindable address that matches, now or later.
    private func waitForFirstMatch(_ wait: WaitParameters, peerGone: OneShotSignal) async throws -> WaitAnswer? {
        let (_, snapshot, subscription) = await table.subscribe(wait.filter, encoded: false)
        let found: Address?
        if let match = snapshot.first(where: wait.matches) {
            found = match
        } else {
            found = await race(timeout: wait.timeout, peerGone: peerGone) {
                for await item in subscription.items {
                    subscription.consumed(item)
                    if item.event.kind != .removed && wait.matches(item.event.address) { return item.event.address }
                }
                return nil
            }
        }
        // Not cancellable and before any throw: the table must forget this subscriber.
        await table.unsubscribe(subscription)
        guard let found else {
            if peerGone.hasFired { return nil }
            let (pending, unbindable) = await table.whyUnanswered(wait.settledRequest)
            throw VarlinkError.timeout(pending: pending, unbindable: unbindable)
        }
        return WaitAnswer(first: found, all: nil)
    }

    /// With `settled`: once no address of the set is in DAD and one binds.
    private func waitUntilSettled(_ wait: WaitParameters, peerGone: OneShotSignal) async throws -> WaitAnswer? {
        let settledWait = await table.registerSettledWait(wait.settledRequest)
        let answer = await race(timeout: wait.timeout, peerGone: peerGone) { await settledWait.settled() }
        let unanswered = await table.endSettledWait(settledWait)
        // The table completes a wait only when one of these binds.
        guard let answer, let first = answer.bindable.first else {
            if peerGone.hasFired { return nil }
            throw VarlinkError.timeout(pending: unanswered?.pending ?? [], unbindable: unanswered?.unbindable ?? [])
        }
        return WaitAnswer(first: first, all: answer.bindable, failed: answer.failed)
    }

    /// `body`'s result, or nil once `timeout` seconds pass or the client goes away.
    private func race<Result: Sendable>(
        timeout: Double?, peerGone: OneShotSignal, _ body: @escaping @Sendable () async -> Result?
    ) async -> Result? {
        await withTaskGroup(of: Result?.self) { group in
            group.addTask { await body() }
            group.addTask {
                await peerGone.wait()
                return nil
            }
            if let timeout {
                group.addTask {
                    try? await sleepOnEventLoop(for: .milliseconds(Int64(timeout * 1000)))
                    return nil
                }
            }
            let first = await group.next() ?? nil
            group.cancelAll()
            return first
        }
    }

    /// Root and the daemon's own user may reload (`ExecReload=` runs as the latter).
    private func reload(by peer: PeerCredentials, logger: Logger) async throws(VarlinkError) -> ByteBuffer {
        guard peer.uid == 0 || peer.uid == daemonUser else {
            logger.notice("Refused a Reload call", metadata: ["reason": "not root or the daemon's user"])
            throw .permissionDenied
        }
        guard let reloader else { throw .methodNotFound("io.bindwatch.Reload") }
        let outcome: ConfigurationReloader.Outcome
        do {
            outcome = try await reloader.reload()
        } catch {
            throw .invalidConfiguration(key: error.key, source: error.source, problem: error.problem)
        }
        return VarlinkReply.message { json in
            json.field("addressEvents", outcome.addressEvents)
            json.field("restartRequired", outcome.restartRequired.map(\.path))
        }
    }

    private func getStatus() async -> ByteBuffer {
        let status = await table.status()
        let uptime = Double(MonotonicInstant.now().nanoseconds - startedAt.nanoseconds) / 1e9
        let connections = statistics.connections
        return VarlinkReply.message { json in
            json.field("version", BindwatchDaemon.version)
            json.key("uptimeSeconds")
            json.double((uptime * 1000).rounded() / 1000)
            json.field("links", status.links)
            json.field("addresses", status.addresses)
            json.field("bindable", status.bindable)
            json.field("generation", status.generation)
            json.field("netlinkMessages", status.netlinkMessages)
            json.field("malformedMessages", status.malformedMessages)
            json.field("resyncs", status.resyncs)
            json.field("synced", status.synced)
            json.field("subscribers", status.subscribers)
            json.field("connections", connections)
            json.key("eventLog")
            if let path = status.eventLogPath { json.string(path) } else { json.null() }
            json.field("eventLogLinesDropped", status.eventLogLinesDropped)
            json.key("startTime")
            json.double((startTime * 1000).rounded() / 1000)
            json.field("dadFailures", status.dadFailures)
            json.field("addressesAdded", status.events.added)
            json.field("addressesChanged", status.events.changed)
            json.field("addressesRemoved", status.events.removed)
            json.key("addressStates")
            json.beginArray()
            for (family, state, count) in status.states.all {
                json.beginObject()
                json.field("family", family.name)
                json.field("state", state)
                json.field("addresses", count)
                json.endObject()
            }
            json.endArray()
        }
    }
}
