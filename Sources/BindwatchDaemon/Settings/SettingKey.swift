/// One setting: its YAML key; the environment variable and flag follow from it.
public struct SettingKey: Sendable, Hashable {
    /// Dotted YAML path, such as `policy.allowOptimistic`.
    public let path: String
    public let flag: String
    /// False for what is set up once at start (the socket, the netlink buffer, the connection
    /// limits, the log level): a reload that changes it reports `restartRequired`.
    public let appliesOnReload: Bool

    init(path: String, flag: String, appliesOnReload: Bool = true) {
        self.path = path
        self.flag = flag
        self.appliesOnReload = appliesOnReload
    }

    public static func == (lhs: SettingKey, rhs: SettingKey) -> Bool { lhs.path == rhs.path }
    public func hash(into hasher: inout Hasher) { hasher.combine(path) }

    /// `BINDWATCH_POLICY_ALLOW_OPTIMISTIC` for `policy.allowOptimistic`.
    public var environmentVariable: String {
        var name = "BINDWATCH"
        for component in path.split(separator: ".") {
            name += "_"
            var previousWasLowercase = false
            for character in component {
                if character.isUppercase && previousWasLowercase { name += "_" }
                name += character.uppercased()
                previousWasLowercase = character.isLowercase
            }
        }
        return name
    }

    public static let socketPath = SettingKey(path: "socket.path", flag: "--socket", appliesOnReload: false)
    public static let socketMode = SettingKey(path: "socket.mode", flag: "--socket-mode", appliesOnReload: false)
    public static let netlinkReceiveBuffer = SettingKey(
        path: "netlink.receiveBuffer", flag: "--netlink-receive-buffer", appliesOnReload: false)
    public static let allowOptimistic = SettingKey(path: "policy.allowOptimistic", flag: "--allow-optimistic")
    public static let allowDeprecated = SettingKey(path: "policy.allowDeprecated", flag: "--allow-deprecated")
    public static let link = SettingKey(path: "policy.link", flag: "--link")
    public static let includeInterfaces = SettingKey(path: "policy.includeInterfaces", flag: "--include-interface")
    public static let excludeInterfaces = SettingKey(path: "policy.excludeInterfaces", flag: "--exclude-interface")
    public static let families = SettingKey(path: "policy.families", flag: "--family")
    public static let excludeTypes = SettingKey(path: "policy.excludeTypes", flag: "--exclude-type")
    public static let maxConnectionsPerUser = SettingKey(
        path: "limits.connectionsPerUser", flag: "--max-connections-per-user", appliesOnReload: false)
    public static let maxConnections = SettingKey(
        path: "limits.connections", flag: "--max-connections", appliesOnReload: false)
    public static let logLevel = SettingKey(path: "log.level", flag: "--log-level", appliesOnReload: false)
    public static let eventLogEnabled = SettingKey(path: "eventLog.enabled", flag: "--no-event-log")
    public static let eventLogPath = SettingKey(path: "eventLog.path", flag: "--event-log")
    public static let eventLogMaxBytes = SettingKey(path: "eventLog.maxBytes", flag: "--event-log-max-bytes")
    public static let eventLogKeep = SettingKey(path: "eventLog.keep", flag: "--event-log-keep")

    public static let all: [SettingKey] = [
        socketPath, socketMode, netlinkReceiveBuffer, allowOptimistic, allowDeprecated, link, includeInterfaces,
        excludeInterfaces, families, excludeTypes, maxConnectionsPerUser, maxConnections, logLevel, eventLogEnabled,
        eventLogPath, eventLogMaxBytes, eventLogKeep,
    ]
}
