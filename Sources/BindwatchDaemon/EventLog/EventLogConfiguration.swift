/// Where the event log goes and when it rotates.
public struct EventLogConfiguration: Sendable, Equatable {
    public var path: String
    /// Rotate before a line would take the file past this size; 0 never rotates.
    public var maxBytes: Int
    /// Rotated files kept beside the live one: `events.jsonl.1` (newest) … `events.jsonl.<keep>`.
    public var keep: Int

    public static let defaultMaxBytes = 16 * 1024 * 1024
    public static let defaultKeep = 5

    public init(path: String, maxBytes: Int = defaultMaxBytes, keep: Int = defaultKeep) {
        self.path = path
        self.maxBytes = maxBytes
        self.keep = keep
    }

    /// `--event-log`'s default: `$LOGS_DIRECTORY/events.jsonl` under systemd, else
    /// `/var/log/bindwatch/events.jsonl` for root, else
    /// `$XDG_STATE_HOME/bindwatch/events.jsonl` (`~/.local/state` when unset). nil when a user
    /// has neither XDG_STATE_HOME nor HOME.
    public static func defaultPath(environment: [String: String], isRoot: Bool) -> String? {
        if let logs = environment["LOGS_DIRECTORY"]?.split(separator: ":").first, !logs.isEmpty {
            return "\(logs)/events.jsonl"
        }
        if isRoot { return "/var/log/bindwatch/events.jsonl" }
        if let state = environment["XDG_STATE_HOME"], state.hasPrefix("/") {
            return "\(state)/bindwatch/events.jsonl"
        }
        if let home = environment["HOME"], home.hasPrefix("/") {
            return "\(home)/.local/state/bindwatch/events.jsonl"
        }
        return nil
    }

    /// The n-th rotated file; 0 is the live one.
    func rotatedPath(_ number: Int) -> String {
        number == 0 ? path : "\(path).\(number)"
    }
}
