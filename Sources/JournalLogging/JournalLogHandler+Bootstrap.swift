import Logging

extension JournalLogHandler {
    /// Makes every `Logger` of this process write through a `JournalLogHandler` at `level`.
    /// Once per process, as `LoggingSystem.bootstrap` allows.
    public static func bootstrap(level: Logger.Level, environment: [String: String]) {
        LoggingSystem.bootstrap { label in
            var handler = JournalLogHandler(label: label, environment: environment)
            handler.logLevel = level
            return handler
        }
    }
}
