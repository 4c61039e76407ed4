import Logging
import ServiceLifecycle

/// Ends on SIGTERM or SIGINT, which shuts the service group down gracefully (it is added with
/// `successTerminationBehavior: .gracefullyShutdownGroup`), and on the group's own shutdown.
public final class TerminationService: Service {
    private let signal: SignalReader
    private let logger: Logger

    public init(signal: SignalReader, logger: Logger) {
        self.signal = signal
        self.logger = logger
    }

    public func run() async throws {
        let signals = try await signal.signals()
        await withGracefulShutdownHandler {
            for await number in signals {
                logger.info("Received a signal to stop", metadata: ["signal": "\(number)"])
                return
            }
        } onGracefulShutdown: {
            self.signal.stop()
        }
        signal.stop()
    }
}
