import BindwatchVarlink
import CBindwatchSystem
import EventLoopConcurrency
import Glibc
import NIOPosix
import SystemPackage

/// Runs a command-line program's async work on a NIO event loop thread.
///
/// An async `main` would run on Swift's global executor, which on Linux starts libdispatch
/// worker threads; under a sandboxed unit each one logs that it may not set its priority.
public enum EventLoopRunner {
    /// Runs `body` and blocks until it ends. First gives SIGINT, SIGTERM and SIGHUP their
    /// default action, unblocked: a parent that spawned the program with them blocked (a
    /// libdispatch thread does) would leave a long-running command stoppable only by SIGKILL.
    public static func run<Success: Sendable>(
        _ body: @escaping @Sendable () async throws -> Success
    ) -> Result<Success, any Error> {
        let stopSignals = [SIGINT, SIGTERM, SIGHUP]
        _ = stopSignals.withUnsafeBufferPointer { bw_signal_restore_default($0.baseAddress, Int32($0.count)) }
        let executor = EventLoopTaskExecutor(eventLoop: MultiThreadedEventLoopGroup.singleton.next())
        return executor.runBlocking(body)
    }
}

/// Unbuffered writes to the standard streams, whole or not at all as far as errors go.
public enum StandardStream {
    public static func writeOutput(_ text: String) {
        _ = try? FileDescriptor.standardOutput.writeAll(text.utf8)
    }

    public static func writeError(_ text: String) {
        _ = try? FileDescriptor.standardError.writeAll(text.utf8)
    }
}
