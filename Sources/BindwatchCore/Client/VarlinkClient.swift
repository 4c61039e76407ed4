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

    private let channel: NIOAsyncChannel<ByteBuffer, ByteBuffer>

    private init(channel: NIOAsyncChannel<ByteBuffer, ByteBuffer>) {
        self.channel = channel
    }

    /// Connects, runs `body`, and closes.
    public static func withConnection<Result: Sendable>(
        socketPath: String, _ body: (VarlinkConnectionHandle) async throws -> Result
    ) async throws -> Result {
        let channel = try await ClientBootstrap(group: MultiThreadedEventLoopGroup.singleton)
            .connect(unixDomainSocketPath: socketPath) { channel in
                channel.eventLoop.makeCompletedFuture {
                    try channel.pipeline.syncOperations.addHandler(
                        ByteToMessageHandler(VarlinkFrameDecoder(maximumMessageBytes: VarlinkReply.maximumBytes)))
                    return try NIOAsyncChannel<ByteBuffer, ByteBuffer>(wrappingChannelSynchronously: channel)
                }
            }
        return try await channel.executeThenClose { inbound, outbound in
            try await body(VarlinkConnectionHandle(inbound: inbound, outbound: outbound))
        }
    }
}

/// An open connection: send calls and read their replies in order. Belongs to the task that
/// opened it (the channel's inbound stream allows one reader).
public final class VarlinkConnectionHandle {
    private var inbound: NIOAsyncChannelInboundStream<ByteBuffer>.AsyncIterator
    private let outbound: NIOAsyncChannelOutboundWriter<ByteBuffer>

    init(inbound: NIOAsyncChannelInboundStream<ByteBuffer>, outbound: NIOAsyncChannelOutboundWriter<ByteBuffer>) {
        self.inbound = inbound.makeAsyncIterator()
        self.outbound = outbound
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
        guard let message = try await inbound.next() else { return nil }
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

extension JSONValue {
    /// Short text for messages.
    public var text: String {
        switch self {
        case .null: "null"
        case .bool(let value): String(value)
        case .number(let value): value == value.rounded() && abs(value) < 1e15 ? String(Int64(value)) : String(value)
        case .string(let value): value
        case .array(let values): "[" + values.map(\.text).joined(separator: ",") + "]"
        case .object(let values):
            "{" + values.map { "\($0.key):\($0.value.text)" }.sorted().joined(separator: ",") + "}"
        }
    }

    public subscript(key: String) -> JSONValue? {
        if case .object(let object) = self { return object[key] }
        return nil
    }
}
