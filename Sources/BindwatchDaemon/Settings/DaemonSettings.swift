import BindwatchModel
import Glibc
import Logging

/// Everything bindwatchd can be told, after the config file, the environment and the flags.
public struct DaemonSettings: Sendable, Equatable {
    public var socketPath: String
    public var socketMode: mode_t = 0o666
    /// Requested netlink receive buffer in bytes.
    public var netlinkReceiveBuffer: Int = NetlinkMonitor.Configuration.defaultReceiveBufferBytes
    public var policy = BindPolicy()
    public var maxConnectionsPerUser = ServerStatistics.Limits.standard.perUser
    public var maxConnections = ServerStatistics.Limits.standard.total
    public var logLevel: Logger.Level = .info
    /// nil: no event log (`--no-event-log`, or no default path for this user).
    public var eventLog: EventLogConfiguration?

    public init(socketPath: String) {
        self.socketPath = socketPath
    }

    /// `--socket`'s default: `$RUNTIME_DIRECTORY/io.bindwatch` under systemd, else
    /// `/run/bindwatch/io.bindwatch` for root, else `$XDG_RUNTIME_DIR/bindwatch/io.bindwatch`.
    public static func defaultSocketPath(environment: [String: String], isRoot: Bool) -> String {
        if let runtime = environment["RUNTIME_DIRECTORY"]?.split(separator: ":").first, !runtime.isEmpty {
            return "\(runtime)/io.bindwatch"
        }
        if isRoot { return "/run/bindwatch/io.bindwatch" }
        // A user without XDG_RUNTIME_DIR gets the root default, which fails with a clear error;
        // a predictable path under /tmp could be taken over by another user first.
        if let runtime = environment["XDG_RUNTIME_DIR"], !runtime.isEmpty {
            return "\(runtime)/bindwatch/io.bindwatch"
        }
        return "/run/bindwatch/io.bindwatch"
    }

    /// `--config`'s default: `$CONFIGURATION_DIRECTORY/bindwatch.yaml` under systemd, else
    /// `/etc/bindwatch/bindwatch.yaml`.
    public static func defaultConfigPath(environment: [String: String]) -> String {
        if let directory = environment["CONFIGURATION_DIRECTORY"]?.split(separator: ":").first, !directory.isEmpty {
            return "\(directory)/bindwatch.yaml"
        }
        return "/etc/bindwatch/bindwatch.yaml"
    }

    /// The settings that differ from `applied` and that a reload cannot change
    /// (`SettingKey.appliesOnReload`).
    public func changedRestartOnlySettings(since applied: DaemonSettings) -> [SettingKey] {
        SettingKey.all.filter { key in !key.appliesOnReload && value(of: key) != applied.value(of: key) }
    }

    /// A key's effective value, as text, for comparing two sets of settings.
    func value(of key: SettingKey) -> String {
        switch key {
        case .socketPath: socketPath
        case .socketMode: String(socketMode, radix: 8)
        case .netlinkReceiveBuffer: String(netlinkReceiveBuffer)
        case .allowOptimistic: String(policy.allowOptimistic)
        case .allowDeprecated: String(policy.allowDeprecated)
        case .link: "\(policy.link)"
        case .includeInterfaces: policy.includeInterfaces.joined(separator: " ")
        case .excludeInterfaces: policy.excludeInterfaces.joined(separator: " ")
        case .families: policy.families.map(\.name).sorted().joined(separator: " ")
        case .excludeTypes: policy.excludeTypes.map(\.rawValue).sorted().joined(separator: " ")
        case .maxConnectionsPerUser: String(maxConnectionsPerUser)
        case .maxConnections: String(maxConnections)
        case .logLevel: logLevel.rawValue
        case .eventLogEnabled: String(eventLog != nil)
        case .eventLogPath: eventLog?.path ?? ""
        case .eventLogMaxBytes: eventLog.map { String($0.maxBytes) } ?? ""
        case .eventLogKeep: eventLog.map { String($0.keep) } ?? ""
        default: preconditionFailure("no value for setting \(key.path)")
        }
    }
}
