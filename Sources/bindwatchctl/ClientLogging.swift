import Glibc
import JournalLogging
import Logging

/// Logging for the long-running commands (dispatch, metrics --textfile): lines on stderr,
/// with journald's priorities under systemd. Set up once, by the first command that asks.
enum ClientLogging {
    static func logger(label: String) -> Logger {
        bootstrap
        return Logger(label: label)
    }

    private static let bootstrap: Void = {
        let environment = getenv("JOURNAL_STREAM").map { ["JOURNAL_STREAM": String(cString: $0)] } ?? [:]
        let level = getenv("BINDWATCH_LOG_LEVEL").flatMap { Logger.Level(rawValue: String(cString: $0)) } ?? .info
        LoggingSystem.bootstrap { label in
            var handler = JournalLogHandler(label: label, environment: environment)
            handler.logLevel = level
            return handler
        }
    }()
}
