import CBindwatchNetlink
import Foundation
import Logging

/// What the receiving thread hands the monitor.
public enum NetlinkInput: Sendable {
    case datagram(NetlinkMessage.Datagram)
    /// The kernel dropped events (ENOBUFS or a truncated datagram): only a resync can recover.
    case eventsLost
    /// A scheduled resync retry is due (yielded by the monitor itself).
    case retryResync
    /// A settled wait needs a dump of every address that starts from now (yielded by the table).
    case freshDumpRequested(UInt64)
    case failed(NetlinkError)
}

/// Receives datagrams on a dedicated thread, blocked in poll() with no timeout, so an idle
/// daemon never wakes. NIO has no netlink channel, and recvmsg is needed for the sender's
/// address and for ENOBUFS.
final class NetlinkReceiver: Sendable {
    /// At least 32 KiB or dumps fail with MSG_TRUNC; the kernel sends dump datagrams of at most 32 KiB.
    static let bufferSize = 64 * 1024
    /// As `ps -L` shows it.
    static let threadName = "netlink-receive"

    private let socket: NetlinkSocket
    private let wakeup: Int32
    private let logger: Logger

    init(socket: NetlinkSocket, logger: Logger) throws(NetlinkError) {
        var wakeup: Int32 = -1
        let result = bw_wakeup_create(&wakeup)
        guard result == 0 else { throw NetlinkError("eventfd", result: Int(result)) }
        self.socket = socket
        self.wakeup = wakeup
        self.logger = logger
    }

    deinit {
        _ = bw_close(wakeup)
    }

    /// Starts the thread; it yields into `continuation` until `stop()`, then finishes it.
    func start(yielding continuation: AsyncStream<NetlinkInput>.Continuation) {
        let thread = Thread { [self] in
            _ = bw_set_thread_name(Self.threadName)
            self.receiveLoop(continuation)
        }
        thread.start()
    }

    /// Wakes the thread and makes it exit.
    func stop() {
        _ = bw_wakeup_signal(wakeup)
    }

    private func deliver(
        _ buffer: UnsafeMutableRawBufferPointer, count: Int, sender: UInt32,
        to continuation: AsyncStream<NetlinkInput>.Continuation
    ) {
        // Only the kernel (port 0) speaks for the kernel; anyone can unicast to us.
        guard sender == 0 else {
            logger.warning("Dropped a netlink datagram not sent by the kernel", metadata: ["sender": "\(sender)"])
            return
        }
        let datagram = NetlinkMessage.decode(datagram: UnsafeRawBufferPointer(rebasing: buffer[..<count]))
        continuation.yield(.datagram(datagram))
    }

    /// After ENOBUFS the kernel still holds messages older than the loss, and stays congested,
    /// dropping new events silently, until the queue is empty. Hand the old messages over
    /// before the resync starts, so that they cannot count as confirmed by it.
    private func drainQueued(
        _ buffer: UnsafeMutableRawBufferPointer, to continuation: AsyncStream<NetlinkInput>.Continuation
    ) throws(NetlinkError) {
        while let reception = try socket.receive(into: buffer, wait: false) {
            if case .datagram(let count, let sender) = reception {
                deliver(buffer, count: count, sender: sender, to: continuation)
            }
        }
    }

    private func receiveLoop(_ continuation: AsyncStream<NetlinkInput>.Continuation) {
        let buffer = UnsafeMutableRawBufferPointer.allocate(byteCount: Self.bufferSize, alignment: 8)
        defer {
            buffer.deallocate()
            // The thread owns the descriptor's last use: close it only once it is done with it.
            socket.close()
            continuation.finish()
        }
        while true {
            let ready = bw_wait_readable(socket.descriptor, wakeup)
            if ready == 2 { return }
            if ready < 0 {
                continuation.yield(.failed(NetlinkError("poll", result: Int(ready))))
                return
            }
            do {
                switch try socket.receive(into: buffer) {
                case .datagram(let count, let sender)?:
                    deliver(buffer, count: count, sender: sender, to: continuation)
                case .overrun?, .truncated?:
                    try drainQueued(buffer, to: continuation)
                    continuation.yield(.eventsLost)
                case .dumpRace?:
                    logger.debug("A dump request raced with a receive (EINVAL from the kernel); nothing was lost")
                case nil:
                    break
                }
            } catch {
                continuation.yield(.failed(error))
                return
            }
        }
    }
}
