import BindwatchNetlink
import BindwatchVarlink
import CBindwatchSystem
import Logging
import NIOPosix
import ServiceLifecycle

/// The signals the daemon reads from signalfds (see `SignalReader`).
public struct Signals: Sendable {
    public var reload: SignalReader
    public var termination: SignalReader

    public init(reload: SignalReader, termination: SignalReader) {
        self.reload = reload
        self.termination = termination
    }
}

/// Wires the daemon together: the table, the netlink monitor and the varlink server, in one
/// ServiceGroup that shuts down gracefully on SIGTERM and SIGINT.
public enum BindwatchDaemon {
    /// What `GetInfo`, `GetStatus` and the event log's `started` line report.
    public static let version = "0.1.0"

    /// `reload` rereads the settings on SIGHUP, which `signals.reload` delivers;
    /// `signals.termination` stops the daemon on SIGTERM and SIGINT.
    public static func run(
        settings: DaemonSettings, environment: [String: String], signals: Signals,
        reload: @escaping @Sendable () async throws -> DaemonSettings, logger: Logger
    ) async throws {
        raiseOpenFileLimit(logger: logger)
        // Replies and snapshots of many addresses are large, short-lived buffers: with glibc's
        // default (a threshold that rises to 32 MiB) they stayed in the heap after use, and
        // 1,000 Watch clients left the daemon (then on several loops) at 366 MiB. See
        // BENCHMARKS.md.
        bw_malloc_set_mmap_threshold(Int32(Self.largeAllocationBytes))
        let passed = try SocketActivation.fromEnvironment(environment)
        if passed.varlinkListener == nil {
            // Fail before touching netlink when another daemon owns the socket.
            try VarlinkServer.prepareSocketPath(settings.socketPath)
        }

        let table = LiveTable(
            policy: settings.policy, eventLog: settings.eventLog, logger: logger,
            eventEncoder: VarlinkReply.writeWatchEvent(kind:generation:address:into:))
        let monitor = try NetlinkMonitor(
            table: table,
            // systemd sized a passed socket's buffer (ReceiveBuffer=); see NetlinkMonitor.run.
            configuration: .init(receiveBufferBytes: passed.netlink == nil ? settings.netlinkReceiveBuffer : nil),
            socket: try passed.netlink.map { descriptor throws(NetlinkError) in
                try NetlinkSocket(adopting: descriptor)
            },
            logger: logger)
        var serverConfiguration = VarlinkServer.Configuration(
            socketPath: passed.varlinkPath ?? settings.socketPath)
        serverConfiguration.passedListener = passed.varlinkListener
        serverConfiguration.socketMode = settings.socketMode
        serverConfiguration.limits = .init(perUser: settings.maxConnectionsPerUser, total: settings.maxConnections)
        let statistics = ServerStatistics(limits: serverConfiguration.limits)
        let reloader = ConfigurationReloader(table: table, current: settings, load: reload, logger: logger)
        // The table's loop: a Watch's events are written from there, with no hop to another thread.
        let server = VarlinkServer(
            configuration: serverConfiguration, table: table, statistics: statistics, reloader: reloader,
            group: table.eventLoop, logger: logger)
        let notifier = SystemdNotifier(
            environment: environment, table: table, listening: server.listening, logger: logger)

        let group = ServiceGroup(
            configuration: .init(
                services: [
                    .init(service: monitor, successTerminationBehavior: .gracefullyShutdownGroup),
                    .init(service: server, successTerminationBehavior: .gracefullyShutdownGroup),
                    // Returns at once when systemd did not start us: that must not stop the rest.
                    .init(service: notifier, successTerminationBehavior: .ignore),
                    .init(service: ReloadService(signal: signals.reload, reloader: reloader)),
                    .init(
                        service: TerminationService(signal: signals.termination, logger: logger),
                        successTerminationBehavior: .gracefullyShutdownGroup),
                ],
                gracefulShutdownSignals: [],
                logger: logger))
        logger.info(
            "Starting",
            metadata: [
                "version": "\(version)", "socket": "\(serverConfiguration.socketPath)",
                "passedSockets": "\(passed.summary)",
                "eventLog": "\(settings.eventLog?.path ?? "off")",
            ])
        do {
            try await group.run()
        } catch {
            // The log's last line either way.
            await table.stop()
            throw error
        }
        await table.stop()
        logger.info("Stopped")
    }

    /// Allocations from this size on get their own mapping, returned to the kernel when freed.
    static let largeAllocationBytes = 128 * 1024

    /// Each client holds a descriptor: the connection limits need the hard limit, not the soft.
    static func raiseOpenFileLimit(logger: Logger) {
        var soft: UInt64 = 0
        var hard: UInt64 = 0
        let result = bw_raise_open_file_limit(&soft, &hard)
        if result == 0 {
            logger.debug("Open file limit", metadata: ["soft": "\(soft)", "hard": "\(hard)"])
        } else {
            logger.warning("Could not raise the open file limit", metadata: ["errno": "\(-result)"])
        }
    }
}
