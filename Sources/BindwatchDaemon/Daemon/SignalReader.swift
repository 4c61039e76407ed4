import CBindwatchSystem
import NIOConcurrencyHelpers
import NIOCore
import NIOPosix
import SystemPackage

/// Signals read from a signalfd on an event loop. ServiceLifecycle's signal handling runs on
/// libdispatch, whose worker threads start with it and exit a few seconds later: a wake-up of
/// an otherwise idle daemon. A signalfd registered with the loop wakes it only for a signal.
public final class SignalReader: Sendable {
    /// The size of a `struct signalfd_siginfo`; a read returns whole ones.
    static let recordSize = 128

    private struct State {
        var descriptor: Int32?
        var channel: (any Channel)?
        var stopped = false
    }

    private let signalNumbers: [Int32]
    private let state: NIOLockedValueBox<State>

    /// The signals could not be blocked or the signalfd not made.
    public struct OpenError: Error, Sendable, CustomStringConvertible {
        public let signalNumbers: [Int32]
        public let errno: Errno
        public var description: String { "signalfd(\(signalNumbers)): \(errno) (errno \(errno.rawValue))" }
    }

    /// Must run before any other thread starts: every thread must keep these signals blocked.
    public convenience init(_ signalNumbers: [Int32]) throws(OpenError) {
        var descriptor: Int32 = -1
        let opened = signalNumbers.withUnsafeBufferPointer { numbers in
            bw_signal_open(numbers.baseAddress, Int32(numbers.count), &descriptor)
        }
        guard opened == 0 else { throw OpenError(signalNumbers: signalNumbers, errno: Errno(rawValue: -opened)) }
        self.init(signalNumbers: signalNumbers, descriptor: descriptor)
    }

    /// The signalfd could not be registered with the event loop.
    public struct RegistrationError: Error, Sendable, CustomStringConvertible {
        public let signalNumbers: [Int32]
        public let underlying: any Error
        public var description: String { "signalfd(\(signalNumbers)) on the event loop: \(underlying)" }
    }

    /// A reader of `descriptor`, a signalfd for `signalNumbers` (tests pass other descriptors,
    /// to see what happens when the loop cannot watch one).
    package init(signalNumbers: [Int32], descriptor: Int32) {
        self.signalNumbers = signalNumbers
        state = NIOLockedValueBox(State(descriptor: descriptor))
    }

    /// The number of each signal received, until `stop()`. Call once: the loop takes the
    /// descriptor over. Throws when the loop cannot watch the descriptor: without it these
    /// signals would stay blocked and unread, so the caller must not go on as if it had them.
    public func signals(
        on eventLoop: any EventLoop = MultiThreadedEventLoopGroup.singleton.next()
    ) async throws(RegistrationError) -> AsyncStream<Int32> {
        let (stream, continuation) = AsyncStream.makeStream(of: Int32.self, bufferingPolicy: .bufferingNewest(1))
        guard let descriptor = state.withLockedValue({ $0.descriptor.take() }) else {
            continuation.finish()
            return stream
        }
        let wanted = signalNumbers
        let channel: any Channel
        do {
            channel = try await NIOPipeBootstrap(group: eventLoop)
                .channelInitializer { channel in
                    channel.eventLoop.makeCompletedFuture {
                        try channel.pipeline.syncOperations.addHandler(
                            SignalHandler(wanted: wanted, continuation: continuation))
                    }
                }
                .takingOwnershipOfDescriptor(input: descriptor)
                .get()
        } catch {
            // A bootstrap that failed leaves the descriptor with its caller.
            try? FileDescriptor(rawValue: descriptor).close()
            continuation.finish()
            throw RegistrationError(signalNumbers: wanted, underlying: error)
        }
        let stopped = state.withLockedValue { state -> Bool in
            state.channel = channel
            return state.stopped
        }
        if stopped { channel.close(promise: nil) }
        return stream
    }

    public func stop() {
        let channel = state.withLockedValue { state -> (any Channel)? in
            state.stopped = true
            return state.channel
        }
        channel?.close(promise: nil)
    }
}

private final class SignalHandler: ChannelInboundHandler {
    typealias InboundIn = ByteBuffer

    private let wanted: [Int32]
    private let continuation: AsyncStream<Int32>.Continuation

    init(wanted: [Int32], continuation: AsyncStream<Int32>.Continuation) {
        self.wanted = wanted
        self.continuation = continuation
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        var records = unwrapInboundIn(data)
        while records.readableBytes >= SignalReader.recordSize,
            let number = records.getInteger(at: records.readerIndex, endianness: .host, as: UInt32.self)
        {
            records.moveReaderIndex(forwardBy: SignalReader.recordSize)
            if wanted.contains(Int32(number)) { continuation.yield(Int32(number)) }
        }
    }

    func channelInactive(context: ChannelHandlerContext) {
        continuation.finish()
    }
}
