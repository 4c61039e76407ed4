import NIOConcurrencyHelpers
import NIOCore
import NIOPosix
import Synchronization

/// Runs Swift concurrency jobs on a NIO event loop thread instead of the global executor.
///
/// On Linux the global executor is libdispatch, whose worker pool, once it exists, is watched
/// by a timer that fires every second for the life of the process. The daemon promises that
/// an idle process never wakes, so its tasks prefer this executor and no dispatch worker is
/// ever started (`withTaskExecutorPreference`, SE-0417).
public final class EventLoopTaskExecutor: TaskExecutor {
    private let eventLoop: any EventLoop

    public init(eventLoop: any EventLoop) {
        self.eventLoop = eventLoop
    }

    public func enqueue(_ job: consuming ExecutorJob) {
        let job = UnownedJob(job)
        eventLoop.execute {
            job.runSynchronously(on: self.asUnownedTaskExecutor())
        }
    }
}

extension EventLoopTaskExecutor {
    /// Runs `body` as a task preferring this executor, blocking the calling thread until it ends.
    public func runBlocking<Success: Sendable>(
        _ body: @escaping @Sendable () async throws -> Success
    ) -> Result<Success, any Error> {
        let outcome = Mutex<Result<Success, any Error>?>(nil)
        let condition = ConditionLock(value: false)
        Task(executorPreference: self) {
            let result: Result<Success, any Error>
            do {
                result = .success(try await body())
            } catch {
                result = .failure(error)
            }
            outcome.withLock { $0 = result }
            condition.lock()
            condition.unlock(withValue: true)
        }
        condition.lock(whenValue: true)
        condition.unlock()
        return outcome.withLock { $0! }
    }
}
