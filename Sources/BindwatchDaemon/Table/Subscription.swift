import BindwatchModel
import BindwatchVarlink
import EventLoopConcurrency
import NIOCore
import Synchronization

/// A live feed of table events for one `Watch` or `Wait`, with a bounded backlog: a subscriber
/// that stops reading is cut off rather than allowed to grow the daemon without limit.
///
/// Events reach the subscriber one of two ways. A `Watch` gives a `SubscriberWriter` (its
/// connection): the table writes each batch's encoded events to it directly, on the thread that
/// applied the batch, with one write per batch; its backlog is what the connection holds that
/// the kernel has not taken yet, in bytes. In-process consumers (`Wait`, tests) read `items`;
/// their backlog is what they have not consumed, in messages and bytes.
public final class Subscription: Sendable {
    public struct Item: Sendable {
        public let event: TableEvent
        /// The event already encoded for the wire, shared by every subscriber that sees the same
        /// change the same way; nil for subscribers that asked for none.
        public let encoded: ByteBuffer?
    }

    public struct Limits: Sendable {
        /// For in-process consumers; a `Watch` connection's backlog is counted in bytes only.
        public var messages: Int
        public var bytes: Int
        /// Messages allowed per address the table has held, when that is more than `messages`:
        /// one kernel change (a link going down) changes every address on the link at once,
        /// before any subscriber can read, and must not cut off subscribers that keep up.
        public var perAddress: Int

        public init(messages: Int, bytes: Int, perAddress: Int = 2) {
            self.messages = messages
            self.bytes = bytes
            self.perAddress = perAddress
        }

        public static let standard = Limits(messages: 65_536, bytes: 32 * 1024 * 1024)

        /// The backlog allowed in bytes, raised to `burstAllowance` messages of up to 1 KiB
        /// (an encoded address event is under that).
        func maximumBytes(burstAllowance: Int) -> Int { max(bytes, burstAllowance * 1024) }
    }

    private struct Backlog {
        var messages = 0
        /// For a writer: the bytes of the batch being built plus what the connection held
        /// unwritten after the last write.
        var bytes = 0
        var overflowed = false
    }

    let id: UInt64
    public let filter: AddressFilter
    let wantsEncoding: Bool
    /// Set for a `Watch`: where the table writes the encoded events.
    let writer: (any SubscriberWriter)?
    public let items: AsyncStream<Item>
    private let continuation: AsyncStream<Item>.Continuation
    private let limits: Limits
    private let backlog = Mutex(Backlog())
    /// Fires when the backlog passes the limits: the consumer may be stuck in a write.
    let overflowSignal = OneShotSignal()

    init(id: UInt64, filter: AddressFilter, wantsEncoding: Bool, writer: (any SubscriberWriter)? = nil, limits: Limits)
    {
        self.id = id
        self.filter = filter
        self.wantsEncoding = wantsEncoding || writer != nil
        self.writer = writer
        self.limits = limits
        (items, continuation) = AsyncStream.makeStream(of: Item.self, bufferingPolicy: .unbounded)
        if writer != nil { continuation.finish() }
    }

    /// Queues an item for the in-process consumer of `items`, counting it into the backlog;
    /// returns false, and ends the feed, once the backlog passes the limits. `burstAllowance`
    /// (see `Limits.perAddress`) raises them to that many messages.
    func enqueue(_ item: Item, burstAllowance: Int = 0) -> Bool {
        precondition(writer == nil, "a writer's events go to its batch")
        guard count(bytes: item.encoded?.readableBytes ?? 0, burstAllowance: burstAllowance) else { return false }
        continuation.yield(item)
        return true
    }

    /// For a writer: counts an event of `bytes` that the table appends to the subscriber's
    /// batch; false, as for `enqueue`, once the backlog (in bytes) passes the limit.
    func accept(bytes: Int, burstAllowance: Int) -> Bool {
        count(bytes: bytes, burstAllowance: burstAllowance)
    }

    private func count(bytes size: Int, burstAllowance: Int) -> Bool {
        let maximumMessages = max(limits.messages, burstAllowance)
        let maximumBytes = limits.maximumBytes(burstAllowance: burstAllowance)
        let countsMessages = writer == nil
        let accepted = backlog.withLock { backlog -> Bool in
            guard !backlog.overflowed else { return false }
            backlog.messages += 1
            backlog.bytes += size
            if (countsMessages && backlog.messages > maximumMessages) || backlog.bytes > maximumBytes {
                backlog.overflowed = true
                return false
            }
            return true
        }
        if !accepted {
            continuation.finish()
            overflowSignal.fire()
        }
        return accepted
    }

    /// Writes one batch of encoded events to the writer; the backlog is then what the
    /// connection could not hand the kernel. No completion per write: it cost a promise and a
    /// callback per change.
    func write(batch: ByteBuffer) {
        guard let writer else { return }
        writer.write(batch)
        let unwritten = writer.unwrittenBytes
        backlog.withLock {
            $0.messages = 0
            $0.bytes = unwritten
        }
    }

    /// The consumer of `items` calls this for each item once it has written it out.
    public func consumed(_ item: Item) {
        let size = item.encoded?.readableBytes ?? 0
        backlog.withLock {
            $0.messages -= 1
            $0.bytes -= size
        }
    }

    /// Bytes written for the subscriber that it has not read yet.
    var backlogBytes: Int {
        if let writer { return writer.unwrittenBytes }
        return backlog.withLock { $0.bytes }
    }

    /// True once the subscriber fell too far behind and the feed was ended.
    public var overflowed: Bool { backlog.withLock { $0.overflowed } }

    func finish() { continuation.finish() }
}

/// Where a `Watch` subscription's events go: its connection. Called on the table's executor;
/// writes must reach the peer in the order they are made.
public protocol SubscriberWriter: Sendable {
    /// Queues `buffer` and flushes.
    func write(_ buffer: ByteBuffer)
    /// Bytes written that the peer's socket has not taken yet: a peer that stops reading makes
    /// them grow.
    var unwrittenBytes: Int { get }
}
