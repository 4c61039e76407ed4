import ArgumentParser
import BindwatchDaemon
import BindwatchNetlink
import Configuration
import FoundationEssentials
import JournalLogging
import Logging
import NIOPosix

/// Parses argv once and hands the values to swift-configuration as its highest layer.
struct BindwatchdCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "bindwatchd",
        abstract: "Publishes which of this host's IP addresses a program can bind, over varlink.",
        discussion: """
            Settings come from the config file, then BINDWATCH_* environment variables, then these \
            flags; later ones win. See the README's settings table.
            """)

    @Option(help: "Config file (default: $CONFIGURATION_DIRECTORY/bindwatch.yaml or /etc/bindwatch/bindwatch.yaml).")
    var config: String?

    @Option(name: .customLong("socket"), help: "Varlink socket path.")
    var socketPath: String?

    @Option(help: "Socket file mode, octal (default 0666).")
    var socketMode: String?

    @Option(
        help: "Netlink receive buffer in bytes (default \(NetlinkMonitor.Configuration.defaultReceiveBufferBytes)).")
    var netlinkReceiveBuffer: Int?

    @Flag(help: "Count optimistic addresses (DAD still running) as bindable.")
    var allowOptimistic = false

    @Flag(help: "Count deprecated addresses as bindable.")
    var allowDeprecated = false

    @Option(help: "How far up a link must be: any, up (default) or running.")
    var link: String?

    @Option(name: .customLong("include-interface"), help: "Publish only interfaces matching this glob (repeatable).")
    var includeInterfaces: [String] = []

    @Option(name: .customLong("exclude-interface"), help: "Never publish interfaces matching this glob (repeatable).")
    var excludeInterfaces: [String] = []

    @Option(name: .customLong("family"), help: "Publish only this family: inet or inet6 (repeatable).")
    var families: [String] = []

    @Option(
        name: .customLong("exclude-type"),
        help: "Never publish addresses of this type, such as link-local or unique-local (repeatable).")
    var excludeTypes: [String] = []

    @Option(help: "Connections allowed per user id (default 1024).")
    var maxConnectionsPerUser: Int?

    @Option(help: "Connections allowed in all (default 4096).")
    var maxConnections: Int?

    @Option(help: "Diagnostics level: trace, debug, info, notice, warning, error, critical.")
    var logLevel: String?

    @Option(
        name: .customLong("event-log"),
        help: ArgumentHelp(
            "Event log file (JSON Lines).",
            discussion:
                "Default: $LOGS_DIRECTORY/events.jsonl under systemd, /var/log/bindwatch/events.jsonl for root, else $XDG_STATE_HOME/bindwatch/events.jsonl."
        ))
    var eventLog: String?

    @Flag(name: .customLong("no-event-log"), help: "Write no event log.")
    var noEventLog = false

    @Option(help: "Rotate the event log before it would exceed this many bytes; 0 never rotates (default 16777216).")
    var eventLogMaxBytes: Int?

    @Option(help: "Rotated event log files to keep (default 5).")
    var eventLogKeep: Int?

    func runDaemon(signals: Signals) async throws {
        var flags: [SettingKey: ConfigContent] = [:]
        if let socketPath { flags[.socketPath] = .string(socketPath) }
        if let socketMode { flags[.socketMode] = .string(socketMode) }
        if let netlinkReceiveBuffer { flags[.netlinkReceiveBuffer] = .int(netlinkReceiveBuffer) }
        if allowOptimistic { flags[.allowOptimistic] = .bool(true) }
        if allowDeprecated { flags[.allowDeprecated] = .bool(true) }
        if let link { flags[.link] = .string(link) }
        if !includeInterfaces.isEmpty { flags[.includeInterfaces] = .stringArray(includeInterfaces) }
        if !excludeInterfaces.isEmpty { flags[.excludeInterfaces] = .stringArray(excludeInterfaces) }
        if !families.isEmpty { flags[.families] = .stringArray(families) }
        if !excludeTypes.isEmpty { flags[.excludeTypes] = .stringArray(excludeTypes) }
        if let maxConnectionsPerUser { flags[.maxConnectionsPerUser] = .int(maxConnectionsPerUser) }
        if let maxConnections { flags[.maxConnections] = .int(maxConnections) }
        if let logLevel { flags[.logLevel] = .string(logLevel) }
        if noEventLog { flags[.eventLogEnabled] = .bool(false) }
        if let eventLog { flags[.eventLogPath] = .string(eventLog) }
        if let eventLogMaxBytes { flags[.eventLogMaxBytes] = .int(eventLogMaxBytes) }
        if let eventLogKeep { flags[.eventLogKeep] = .int(eventLogKeep) }

        let sources = DaemonSettings.Sources(
            flags: flags, environment: ProcessInfo.processInfo.environment, configPath: config, isRoot: geteuid() == 0)
        let settings: DaemonSettings
        do {
            settings = try await DaemonSettings.load(from: sources)
        } catch let error as SettingsError {
            throw ValidationError(error.message)
        }

        JournalLogHandler.bootstrap(level: settings.logLevel, environment: ProcessInfo.processInfo.environment)
        let logger = Logger(label: "bindwatchd")
        do {
            try await BindwatchDaemon.run(
                settings: settings, environment: ProcessInfo.processInfo.environment, signals: signals,
                reload: { try await DaemonSettings.load(from: sources) }, logger: logger)
        } catch let error as VarlinkServer.StartError {
            logger.critical("Cannot start", metadata: ["reason": "\(error)"])
            throw ExitCode(75)  // EX_TEMPFAIL
        } catch let error as SocketActivation.Failure {
            logger.critical("Cannot use the sockets systemd passed", metadata: ["reason": "\(error)"])
            throw ExitCode(78)  // EX_CONFIG
        } catch let error as NetlinkError {
            logger.critical("Netlink failed", metadata: ["error": "\(error)"])
            throw ExitCode.failure
        }
    }
}
