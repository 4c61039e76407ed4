import BindwatchClient
import Logging

/// Keeps a textfile for node_exporter current: rewritten soon after the address table
/// changes (a Watch of every address says when), after `interval` for counters that change
/// without an address changing, and never when the content is the same. While bindwatchd does
/// not answer, the file says `bindwatch_up 0`.
public struct MetricsExporter: Sendable {
    public var socketPath: String
    public var textfilePath: String
    /// How often counters are read when no address changes.
    public var interval: Duration
    /// The shortest time between two rewrites during a burst of changes.
    public var spacing: Duration = .milliseconds(500)
    public var logger: Logger

    public init(socketPath: String, textfilePath: String, interval: Duration, logger: Logger) {
        self.socketPath = socketPath
        self.textfilePath = textfilePath
        self.interval = interval
        self.logger = logger
    }

    /// Runs until cancelled, or until the textfile cannot be written.
    public func run() async throws {
        var writer = TextfileWriter(path: textfilePath)
        var delay = Duration.milliseconds(250)
        var reportedUnreachable = false
        logger.info("Metrics exporter started", metadata: ["textfile": "\(textfilePath)"])
        while !Task.isCancelled {
            do {
                try await BindwatchConnection.withConnection(socketPath: socketPath, replyTimeout: 25) { status in
                    try await follow(status: status, writer: &writer) {
                        delay = .milliseconds(250)
                        if reportedUnreachable { logger.info("bindwatchd answers again") }
                        reportedUnreachable = false
                    }
                }
            } catch let error as TextfileError {
                throw error
            } catch {
                if !reportedUnreachable {
                    logger.warning(
                        "Cannot reach bindwatchd; the textfile says bindwatch_up 0",
                        metadata: ["socket": "\(socketPath)", "error": "\(error)"])
                    reportedUnreachable = true
                }
            }
            try write(MetricsExposition.unreachable, with: &writer)
            try? await sleepOnEventLoop(for: delay)
            delay = min(delay * 2, .seconds(5))
        }
    }

    /// Refreshes on every change the Watch reports and on every tick, until a connection ends.
    private func follow(status: BindwatchConnection, writer: inout TextfileWriter, connected: () -> Void)
        async throws
    {
        let (refreshes, refresh) = AsyncStream.makeStream(of: Void.self, bufferingPolicy: .bufferingNewest(1))
        try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask { [socketPath] in
                // Only the fact of a change matters here; the counts come from GetStatus. When
                // the Watch ends, so do the refreshes, and with them this connection.
                defer { refresh.finish() }
                try await BindwatchConnection.withConnection(socketPath: socketPath) { watch in
                    for try await _ in try await watch.watch(AddressFilter(includesUnbindable: true)) {
                        refresh.yield()
                    }
                }
            }
            group.addTask {
                while true {
                    refresh.yield()
                    try await sleepOnEventLoop(for: interval)
                }
            }
            var connectedOnce = false
            for await _ in refreshes {
                let current = try await status.status()
                if !connectedOnce {
                    connected()
                    connectedOnce = true
                }
                try write(MetricsExposition.render(current), with: &writer)
                try await sleepOnEventLoop(for: spacing)
            }
            group.cancelAll()
            throw WireError(field: "Watch", problem: "the connection ended")
        }
    }

    private func write(_ content: String, with writer: inout TextfileWriter) throws(TextfileError) {
        do {
            if try writer.update(content) {
                logger.debug("Textfile rewritten", metadata: ["textfile": "\(textfilePath)"])
            }
        } catch {
            throw TextfileError(path: textfilePath, underlying: "\(error)")
        }
    }
}

/// The textfile could not be written: a setup problem (a missing directory, no permission)
/// that retrying does not fix.
public struct TextfileError: Error, CustomStringConvertible {
    public var path: String
    public var underlying: String
    public var description: String { "cannot write \(path): \(underlying)" }
}
