import BindwatchVarlink
import EventLoopConcurrency
import Glibc
import NIOCore
import NIOPosix

/// A varlink client over a Unix socket, for bindwatchctl and tests.
public final class VarlinkClient: Sendable {
    public struct Reply: Sendable {
        public var parameters: [String: JSONValue]
        public var continues: Bool
    }

    public struct CallError: Error, CustomStringConvertible, Sendable {
        public var name: String
        public var parameters: [String: JSONValue]
        public var description: String {
            parameters.isEmpty
                ? name : "\(name) \(parameters.map { "\($0.key)=\($0.value.text)" }.sorted().joined(separator: " "))"
        }
    }

    /// Why there is no daemon to talk to, in words for a terminal or a unit's log.
    public enum ConnectionFailure: Error, CustomStringConvertible, Sendable {
        case noSocket(path: String)
        case nothingListening(path: String)
        case permissionDenied(path: String)
        case noAnswer(path: String, seconds: Double)
        case closedWithoutAnswer(path: String)
        /// Every try found the daemon's listen queue full (connect(2) gave EAGAIN).
        case notAccepting(path: String, seconds: Double)
        case other(path: String, reason: String)

        public var description: String {
            switch self {
            case .noSocket(let path): "bindwatchd is not running: no socket at \(path)"
            case .nothingListening(let path): "bindwatchd is not running: nothing listens on \(path)"
            case .permissionDenied(let path): "may not open bindwatchd's socket \(path): permission denied"
            case .noAnswer(let path, let seconds):
                "bindwatchd at \(path) did not answer within \(seconds.formatted) seconds"
            case .closedWithoutAnswer(let path): "bindwatchd at \(path) closed the connection without an answer"
            case .notAccepting(let path, let seconds):
                "bindwatchd at \(path) accepted no connection within \(seconds.formatted) seconds: its listen queue stayed full"
            case .other(let path, let reason): "cannot talk to bindwatchd at \(path): \(reason)"
            }
        }

        init(path: String, connectError error: any Error) {
            switch (error as? IOError)?.errnoCode {
            case ENOENT?, ENOTDIR?: self = .noSocket(path: path)
            case ECONNREFUSED?: self = .nothingListening(path: path)
            case EACCES?, EPERM?: self = .permissionDenied(path: path)
            case let code?: self = .other(path: path, reason: String(cString: strerror(code)))
            case nil: self = .other(path: path, reason: "\(error)")
            }
        }
    }

    /// Connects, runs `body`, and closes. A daemon that is not there throws `ConnectionFailure`.
    ///
    /// A full listen queue is not an error on a Unix socket: a blocking connect(2) would wait
    /// for a place, and NIO's non-blocking one gets EAGAIN instead. So that is tried again,
    /// briefly and then up to every 50 ms, for `connectTimeout`.
    public static func withConnection<Result: Sendable>(
        socketPath: String, connectTimeout: Duration = .seconds(10),
        _ body: (VarlinkConnectionHandle) async throws -> Result
    ) async throws -> Result {
        let channel = try await connect(socketPath: socketPath, timeout: connectTimeout)
        return try await channel.executeThenClose { inbound, outbound in
            try await body(
                VarlinkConnectionHandle(
                    inbound: inbound, outbound: outbound, channel: channel.channel, socketPath: socketPath))
        }
    }
}

extension VarlinkClient {
    private static func connect(socketPath: String, timeout: Duration) async throws -> NIOAsyncChannel<
        ByteBuffer, ByteBuffer
    > {
        let deadline = ContinuousClock.now + timeout
        var pause = Duration.milliseconds(1)
        while true {
            do {
                return try await ClientBootstrap(group: MultiThreadedEventLoopGroup.singleton)
                    .connect(unixDomainSocketPath: socketPath) { channel in
                        channel.eventLoop.makeCompletedFuture {
                            try channel.pipeline.syncOperations.addHandler(
                                ByteToMessageHandler(
                                    VarlinkFrameDecoder(maximumMessageBytes: VarlinkReply.maximumBytes)))
                            return try NIOAsyncChannel<ByteBuffer, ByteBuffer>(wrappingChannelSynchronously: channel)
                        }
                    }
            } catch let error as IOError where error.errnoCode == EAGAIN {
                guard ContinuousClock.now + pause < deadline else {
                    let (seconds, attoseconds) = timeout.components
                    throw ConnectionFailure.notAccepting(
                        path: socketPath, seconds: Double(seconds) + Double(attoseconds) / 1e18)
                }
                try await sleepOnEventLoop(for: pause)
                pause = min(pause * 2, .milliseconds(50))
            } catch {
                throw ConnectionFailure(path: socketPath, connectError: error)
            }
        }
    }
}

extension Double {
    /// 120 rather than 120.0.
    fileprivate var formatted: String {
        self == rounded() && abs(self) < 1e15 ? String(Int64(self)) : String(self)
    }
}

/// An open connection: send calls and read their replies in order. Belongs to the task that
/// opened it (the channel's inbound stream allows one reader).
public final class VarlinkConnectionHandle {
    private var inbound: NIOAsyncChannelInboundStream<ByteBuffer>.AsyncIterator
    private let outbound: NIOAsyncChannelOutboundWriter<ByteBuffer>
    private let channel: any Channel
    private let socketPath: String
    /// The next reply must come within this many seconds; nil waits for ever.
    public var replyTimeout: Double?

    init(
        inbound: NIOAsyncChannelInboundStream<ByteBuffer>, outbound: NIOAsyncChannelOutboundWriter<ByteBuffer>,
        channel: any Channel, socketPath: String
    ) {
        self.inbound = inbound.makeAsyncIterator()
        self.outbound = outbound
        self.channel = channel
        self.socketPath = socketPath
    }

    /// Sends a call. `parameters` is written by the closure inside the parameters object.
    public func send(method: String, more: Bool = false, parameters: (inout JSONWriter) -> Void = { _ in }) async throws
    {
        var json = JSONWriter()
        json.beginObject()
        json.field("method", method)
        json.key("parameters")
        json.beginObject()
        parameters(&json)
        json.endObject()
        if more { json.field("more", true) }
        json.endObject()
        var buffer = ByteBuffer(bytes: json.bytes)
        buffer.writeInteger(UInt8(0))
        try await outbound.write(buffer)
    }

    /// The next reply, nil once the daemon closed the connection; an error reply throws
    /// `VarlinkClient.CallError`.
    public func nextReply() async throws -> VarlinkClient.Reply? {
        guard let message = try await nextMessage() else { return nil }
        let value = try JSONParser.parse(message.readableBytesView)
        guard case .object(let object) = value else { throw VarlinkProtocolError.notAnObject }
        var parameters: [String: JSONValue] = [:]
        if case .object(let values)? = object["parameters"] { parameters = values }
        if case .string(let name)? = object["error"] {
            throw VarlinkClient.CallError(name: name, parameters: parameters)
        }
        let continues: Bool
        if case .bool(true)? = object["continues"] { continues = true } else { continues = false }
        return VarlinkClient.Reply(parameters: parameters, continues: continues)
    }

    /// A daemon that does not answer in time gets its connection closed, which ends the read.
    private func nextMessage() async throws -> ByteBuffer? {
        guard let replyTimeout else { return try await inbound.next() }
        let channel = self.channel
        let timedOut = OneShotSignal()
        return try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask {
                try? await sleepOnEventLoop(for: .milliseconds(Int64(replyTimeout * 1000)), on: channel.eventLoop)
                guard !Task.isCancelled else { return }
                timedOut.fire()
                try? await channel.close()
            }
            defer { group.cancelAll() }
            let message: ByteBuffer?
            do {
                message = try await inbound.next()
            } catch  where timedOut.hasFired {
                throw VarlinkClient.ConnectionFailure.noAnswer(path: socketPath, seconds: replyTimeout)
            }
            if message == nil && timedOut.hasFired {
                throw VarlinkClient.ConnectionFailure.noAnswer(path: socketPath, seconds: replyTimeout)
            }
            return message
        }
    }

    /// The replies as a sequence: `for try await reply in handle.replies()`.
    public func replies() -> Replies { Replies(handle: self) }

    public struct Replies: AsyncSequence {
        public typealias Element = VarlinkClient.Reply
        let handle: VarlinkConnectionHandle

        public struct AsyncIterator: AsyncIteratorProtocol {
            let handle: VarlinkConnectionHandle
            public mutating func next() async throws -> VarlinkClient.Reply? { try await handle.nextReply() }
        }

        public func makeAsyncIterator() -> AsyncIterator { AsyncIterator(handle: handle) }
    }
}
