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
/// applied the batch, with one write per batch. In-process consumers (`Wait`, tests) read `items`.
public final class Subscription: Sendable {
    public struct Item: Sendable {
        public let event: TableEvent
        /// The event already encoded for the wire, shared by every subscriber that sees the same
        /// change the same way; nil for subscribers that asked for none.
        public let encoded: ByteBuffer?
    }

    public struct Limits: Sendable {
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
    }

    private struct Backlog {
        var messages = 0
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

    /// Bytes allowed per message of `burstAllowance`: an encoded address event is under 1 KiB.
    static let bytesPerAllowedMessage = 1024

    /// Counts an item into the backlog; returns false, and ends the feed, once the backlog
    /// passes the limits. `burstAllowance` (see `Limits.perAddress`) raises them to that many
    /// messages. For a writer, the table then appends the item to the subscriber's batch; for
    /// the others, it is queued on `items` here.
    func enqueue(_ item: Item, burstAllowance: Int = 0) -> Bool {
        let size = item.encoded?.readableBytes ?? 0
        let maximumMessages = max(limits.messages, burstAllowance)
        let maximumBytes = max(limits.bytes, burstAllowance * Self.bytesPerAllowedMessage)
        let accepted = backlog.withLock { backlog -> Bool in
            guard !backlog.overflowed else { return false }
            backlog.messages += 1
            backlog.bytes += size
            if backlog.messages > maximumMessages || backlog.bytes > maximumBytes {
                backlog.overflowed = true
                return false
            }
            return true
        }
        if !accepted {
            continuation.finish()
            overflowSignal.fire()
        } else if writer == nil {
            continuation.yield(item)
        }
        return accepted
    }

    /// Writes one batch of encoded events (`messages` of them) to the writer; the backlog
    /// shrinks once the write completes.
    func write(batch: ByteBuffer, messages: Int) {
        guard let writer else { return }
        let bytes = batch.readableBytes
        writer.write(batch) { [self] in
            backlog.withLock {
                $0.messages -= messages
                $0.bytes -= bytes
            }
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
    var backlogBytes: Int { backlog.withLock { $0.bytes } }

    /// True once the subscriber fell too far behind and the feed was ended.
    public var overflowed: Bool { backlog.withLock { $0.overflowed } }

    func finish() { continuation.finish() }
}

/// Where a `Watch` subscription's events go: its connection. Called on the table's executor;
/// writes must reach the peer in the order they are made.
public protocol SubscriberWriter: Sendable {
    /// Queues `buffer` and flushes; `completion` runs once it is written (or failed to be).
    func write(_ buffer: ByteBuffer, completion: @escaping @Sendable () -> Void)
}
