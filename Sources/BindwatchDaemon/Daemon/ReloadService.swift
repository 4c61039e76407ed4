import Logging
import ServiceLifecycle

/// Reloads the settings on SIGHUP (logrotate sends it after moving the event log). The
/// reloader logs the outcome; a signal has no one to answer.
public final class ReloadService: Service {
    private let signal: SignalReader
    private let reloader: ConfigurationReloader

    public init(signal: SignalReader, reloader: ConfigurationReloader) {
        self.signal = signal
        self.reloader = reloader
    }

    public func run() async throws {
        let signals = try await signal.signals()
        await withGracefulShutdownHandler {
            for await _ in signals {
                _ = try? await reloader.reload()
            }
        } onGracefulShutdown: {
            self.signal.stop()
        }
        signal.stop()
    }
}
