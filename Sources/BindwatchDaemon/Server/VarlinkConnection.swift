import BindwatchVarlink
import EventLoopConcurrency
import Logging
import NIOCore

/// One client connection: reads calls, answers them in order, and closes on protocol errors.
struct VarlinkConnection {
    let channel: NIOAsyncChannel<ByteBuffer, ByteBuffer>
    let dispatcher: VarlinkDispatcher
    let peer: PeerCredentials
    let logger: Logger
    /// Calls a client may pipeline behind the one being answered.
    static let maximumQueuedCalls = 64

    /// Writes straight to the channel rather than through the async writer: the table writes
    /// Watch events from the channel's own loop, and both kinds of writes must stay in order.
    private struct Outbound: ReplySink {
        let channel: any Channel
        func send(_ message: ByteBuffer) async throws { try await channel.writeAndFlush(message) }
        func write(_ buffer: ByteBuffer) {
            channel.writeAndFlush(buffer, promise: nil)
        }
        /// Read on the channel's loop, where the table writes; 0 once the channel is closed.
        /// The daemon serves on the table's one loop. A connection on another loop could not
        /// be read here, and its backlog would go uncounted: tests (debug builds) stop there.
        var unwrittenBytes: Int {
            assert(channel.eventLoop.inEventLoop, "a Watch connection must be on the table's loop")
            guard channel.eventLoop.inEventLoop, let options = channel.syncOptions else { return 0 }
            return (try? options.getOption(.bufferedWritableBytes)) ?? 0
        }
    }

    /// Never throws: a connection's failure is logged and closes that connection only.
    func run() async {
        // Gone means closed for good: a client that only shut its sending side down
        // (end of input) still reads the answers to the calls it sent.
        let peerGone = OneShotSignal()
        channel.channel.closeFuture.whenComplete { _ in peerGone.fire() }
        let tooManyCalls = OneShotSignal()
        do {
            try await channel.executeThenClose { inbound, _ in
                let sink = Outbound(channel: channel.channel)
                // Calls wait until the first dump is in the table.
                await dispatcher.table.waitUntilReady()
                try Task.checkCancellation()
                let signals = VarlinkDispatcher.ConnectionSignals(
                    peer: peer, peerGone: peerGone, tooManyCalls: tooManyCalls)
                let (frames, framesContinuation) = AsyncStream.makeStream(
                    of: Result<ByteBuffer, any Error>.self, bufferingPolicy: .bufferingOldest(Self.maximumQueuedCalls))
                try await withThrowingTaskGroup(of: Void.self) { group in
                    // Reading goes on while a call is answered, so that a Watch notices more calls
                    // queued behind it than it may hold up.
                    group.addTask {
                        do {
                            for try await frame in inbound {
                                if case .dropped = framesContinuation.yield(.success(frame)) {
                                    // Too many calls queued behind a slow one: stop taking more,
                                    // answer those taken, then close.
                                    logger.warning(
                                        "Closing a connection that queued too many calls",
                                        metadata: ["limit": "\(Self.maximumQueuedCalls)"])
                                    tooManyCalls.fire()
                                    break
                                }
                            }
                        } catch {
                            framesContinuation.yield(.failure(error))
                        }
                        framesContinuation.finish()
                    }
                    defer { group.cancelAll() }
                    for await frame in frames {
                        guard case .ready = try await process(frame, sink: sink, signals: signals) else { break }
                    }
                }
            }
        } catch {
            logger.debug("Connection ended with an error", metadata: ["error": "\(error)"])
        }
    }

    private func process(
        _ frame: Result<ByteBuffer, any Error>, sink: some ReplySink, signals: VarlinkDispatcher.ConnectionSignals
    ) async throws -> VarlinkDispatcher.Completion {
        let request: VarlinkRequest
        do {
            let message = try frame.get()
            request = try VarlinkRequest(message: message)
        } catch let error as VarlinkProtocolError {
            logger.warning("Closing a connection that sent an unreadable message", metadata: ["reason": "\(error)"])
            try? await sink.send(VarlinkReply.error(.protocolError(error.description)))
            return .close
        } catch let error as ByteToMessageDecoderError {
            logger.warning("Closing a connection that sent an unreadable message", metadata: ["reason": "\(error)"])
            return .close
        }
        logger.trace("Call", metadata: ["method": "\(request.method)"])
        return try await dispatcher.handle(request, sink: sink, signals: signals, logger: logger)
    }
}
