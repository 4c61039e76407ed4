import Glibc
import Logging

/// Logging for the long-running clients (bindwatch-dispatch, bindwatch-metrics): lines on
/// stderr, with journald's priorities under systemd, at `$BINDWATCH_LOG_LEVEL` (default info).
/// Set up once, by the first caller.
public enum CommandLogging {
    public static func logger(label: String) -> Logger {
        bootstrap
        return Logger(label: label)
    }

    private static let bootstrap: Void = {
        let environment = getenv("JOURNAL_STREAM").map { ["JOURNAL_STREAM": String(cString: $0)] } ?? [:]
        let level = getenv("BINDWATCH_LOG_LEVEL").flatMap { Logger.Level(rawValue: String(cString: $0)) } ?? .info
        JournalLogHandler.bootstrap(level: level, environment: environment)
    }()
}
