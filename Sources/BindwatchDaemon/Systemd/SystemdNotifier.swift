import BindwatchVarlink
import CBindwatchSystem
import EventLoopConcurrency
import Glibc
import Logging
import NIOCore
import NIOPosix
import ServiceLifecycle

/// systemd's notification protocol, spoken directly (no libsystemd): datagrams to
/// `$NOTIFY_SOCKET`. READY=1 once the first dump is in the table and the socket listens,
/// STATUS= with counts, WATCHDOG=1 every half `$WATCHDOG_USEC`, STOPPING=1 on shutdown.
public final class SystemdNotifier: Service {
    private let socketPath: String?
    private let watchdogInterval: Duration?
    private let table: LiveTable
    private let listening: OneShotSignal
    private let logger: Logger

    public init(environment: [String: String], table: LiveTable, listening: OneShotSignal, logger: Logger) {
        socketPath = environment["NOTIFY_SOCKET"].flatMap { $0.isEmpty ? nil : $0 }
        // WATCHDOG_PID, when set, names the process the watchdog is for.
        let forUs = environment["WATCHDOG_PID"].map { Int32($0) == getpid() } ?? true
        if forUs, let text = environment["WATCHDOG_USEC"], let microseconds = Int64(text), microseconds > 0 {
            watchdogInterval = .microseconds(microseconds / 2)
        } else {
            watchdogInterval = nil
        }
        self.table = table
        self.listening = listening
        self.logger = logger
    }

    /// Sends one notification; failures are logged, never fatal.
    public func notify(_ message: String) {
        guard let socketPath else { return }
        let result = message.withCString { bw_notify_send(socketPath, $0, strlen($0)) }
        if result != 0 {
            logger.warning("Could not notify systemd", metadata: ["errno": "\(-result)", "socket": "\(socketPath)"])
        }
    }

    public func run() async throws {
        guard socketPath != nil else { return }
        await table.waitUntilReady()
        await listening.wait()
        guard !Task.isCancelled else { return }
        notify("READY=1\nSTATUS=\(await statusLine())")
        let gracefulShutdown = OneShotSignal()
        await withGracefulShutdownHandler {
            await withTaskGroup(of: Void.self) { group in
                if let watchdogInterval {
                    group.addTask {
                        while !Task.isCancelled {
                            self.notify("WATCHDOG=1")
                            try? await sleepOnEventLoop(for: watchdogInterval)
                        }
                    }
                }
                group.addTask { await gracefulShutdown.wait() }
                await group.next()
                group.cancelAll()
            }
        } onGracefulShutdown: {
            gracefulShutdown.fire()
        }
        notify("STOPPING=1")
    }

    private func statusLine() async -> String {
        let status = await table.status()
        return "\(status.addresses) addresses, \(status.bindable) bindable, \(status.links) links"
    }
}
