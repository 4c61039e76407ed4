import Logging
import ServiceLifecycle

/// Rereads the settings on SIGHUP. A new policy re-evaluates every address, and subscribers
/// and the event log see the resulting events; an invalid file is refused and the old
/// settings stay in force. Either way the event log is reopened, as logrotate expects.
public final class ReloadService: Service {
    private let signal: SignalReader
    private let table: AddressTable
    private let load: @Sendable () async throws -> DaemonSettings
    private let current: DaemonSettings
    private let logger: Logger

    public init(
        signal: SignalReader, table: AddressTable, current: DaemonSettings,
        load: @escaping @Sendable () async throws -> DaemonSettings, logger: Logger
    ) {
        self.signal = signal
        self.table = table
        self.current = current
        self.load = load
        self.logger = logger
    }

    public func run() async throws {
        let signals = signal.signals()
        await withGracefulShutdownHandler {
            var applied = current
            for await _ in signals {
                do {
                    let settings = try await load()
                    let changes = await table.reload(policy: settings.policy, eventLog: settings.eventLog)
                    if settings.socketPath != applied.socketPath || settings.socketMode != applied.socketMode
                        || settings.netlinkReceiveBuffer != applied.netlinkReceiveBuffer
                        || settings.maxConnections != applied.maxConnections
                        || settings.maxConnectionsPerUser != applied.maxConnectionsPerUser
                    {
                        logger.warning("Some changed settings take effect only after a restart")
                    }
                    applied.policy = settings.policy
                    applied.eventLog = settings.eventLog
                    logger.info("Configuration reloaded", metadata: ["changes": "\(changes)"])
                } catch {
                    // logrotate's SIGHUP must still reopen the log.
                    await table.reopenEventLog()
                    logger.error(
                        "Configuration reload refused; the old settings stay in force", metadata: ["error": "\(error)"])
                }
            }
        } onGracefulShutdown: {
            self.signal.stop()
        }
        signal.stop()
    }
}
