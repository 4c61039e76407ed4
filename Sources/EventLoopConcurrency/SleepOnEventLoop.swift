import NIOConcurrencyHelpers
import NIOCore
import NIOPosix

/// Sleeps on the event loop's timer rather than the global executor's (libdispatch) one.
public func sleepOnEventLoop(
    for duration: Duration, on eventLoop: any EventLoop = MultiThreadedEventLoopGroup.singleton.any()
)
    async throws
{
    let (seconds, attoseconds) = duration.components
    let nanoseconds = seconds * 1_000_000_000 + attoseconds / 1_000_000_000
    let scheduled = NIOLockedValueBox<Scheduled<Void>?>(nil)
    try await withTaskCancellationHandler {
        try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<Void, any Error>) in
            let task = eventLoop.scheduleTask(in: .nanoseconds(nanoseconds)) {}
            scheduled.withLockedValue { $0 = task }
            task.futureResult.whenComplete { continuation.resume(with: $0) }
            if Task.isCancelled { task.cancel() }
        }
    } onCancel: {
        scheduled.withLockedValue { $0?.cancel() }
    }
}
