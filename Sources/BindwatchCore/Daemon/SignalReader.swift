import CBindwatchNetlink
import Foundation

/// Signals read from a signalfd on a thread of their own. ServiceLifecycle's signal handling
/// runs on libdispatch, whose worker threads start with it and exit a few seconds later: a
/// wakeup of an otherwise idle daemon.
public final class SignalReader: Sendable {
    private let signalNumbers: [Int32]
    private let threadName: String
    private let signalDescriptor: Int32
    private let wakeup: Int32

    /// Must run before any other thread starts: every thread must keep these signals blocked.
    /// `threadName` is what `ps -L` shows for the reading thread.
    public init(_ signalNumbers: [Int32], threadName: String) throws(NetlinkError) {
        var descriptor: Int32 = -1
        let opened = signalNumbers.withUnsafeBufferPointer { numbers in
            bw_signal_open(numbers.baseAddress, Int32(numbers.count), &descriptor)
        }
        guard opened == 0 else { throw NetlinkError("signalfd(\(signalNumbers))", result: Int(opened)) }
        var wakeup: Int32 = -1
        let created = bw_wakeup_create(&wakeup)
        guard created == 0 else {
            _ = bw_close(descriptor)
            throw NetlinkError("eventfd", result: Int(created))
        }
        self.signalNumbers = signalNumbers
        self.threadName = threadName
        signalDescriptor = descriptor
        self.wakeup = wakeup
    }

    /// The number of each signal received, until `stop()`.
    public func signals() -> AsyncStream<Int32> {
        let (stream, continuation) = AsyncStream.makeStream(of: Int32.self, bufferingPolicy: .bufferingNewest(1))
        let thread = Thread { [self] in
            _ = bw_set_thread_name(threadName)
            while bw_wait_readable(signalDescriptor, wakeup) == 1 {
                let number = bw_signal_read(signalDescriptor)
                if signalNumbers.contains(number) { continuation.yield(number) }
            }
            continuation.finish()
        }
        thread.start()
        return stream
    }

    public func stop() {
        _ = bw_wakeup_signal(wakeup)
    }
}
