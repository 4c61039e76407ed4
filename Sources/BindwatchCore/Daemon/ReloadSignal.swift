import CBindwatchNetlink
import Foundation

/// SIGHUP, read from a signalfd on a thread of its own. ServiceLifecycle's signal handling
/// runs on libdispatch, whose worker pool would then wake the process every second for good.
public final class ReloadSignal: Sendable {
    private let signalDescriptor: Int32
    private let wakeup: Int32

    /// Must run before any other thread starts: every thread must keep SIGHUP blocked.
    public init() throws(NetlinkError) {
        var descriptor: Int32 = -1
        let opened = bw_signal_open(SIGHUP, &descriptor)
        guard opened == 0 else { throw NetlinkError("signalfd(SIGHUP)", result: Int(opened)) }
        var wakeup: Int32 = -1
        let created = bw_wakeup_create(&wakeup)
        guard created == 0 else {
            _ = bw_close(descriptor)
            throw NetlinkError("eventfd", result: Int(created))
        }
        signalDescriptor = descriptor
        self.wakeup = wakeup
    }

    /// One element per SIGHUP received, until `stop()`.
    public func signals() -> AsyncStream<Void> {
        let (stream, continuation) = AsyncStream.makeStream(of: Void.self, bufferingPolicy: .bufferingNewest(1))
        let thread = Thread { [self] in
            while bw_wait_readable(signalDescriptor, wakeup) == 1 {
                if bw_signal_read(signalDescriptor) == SIGHUP { continuation.yield() }
            }
            continuation.finish()
        }
        thread.name = "sighup"
        thread.start()
        return stream
    }

    public func stop() {
        _ = bw_wakeup_signal(wakeup)
    }
}
