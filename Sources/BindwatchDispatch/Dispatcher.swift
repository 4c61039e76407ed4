import BindwatchClient
import Logging
import NIOConcurrencyHelpers
import NIOPosix

/// Runs the dispatch scripts whenever the bindable set changes: a client of `Watch`, so the
/// daemon itself never starts a program. One run at a time, scripts one by one; changes that
/// arrive meanwhile merge into the next run. When the daemon goes away it reconnects with
/// backoff, and its next run reports the difference from the last set the scripts saw.
public struct Dispatcher: Sendable {
    public struct Configuration: Sendable {
        public var socketPath: String
        /// In override order: the first directory wins.
        public var directories: [String]
        /// `family` and `interface`; only bindable addresses count, whatever `includesUnbindable` says.
        public var filter: AddressFilter
        public var timeout: Duration
        /// Between SIGTERM and SIGKILL for a script past its timeout.
        public var killDelay: Duration = .seconds(5)
        /// The first and the longest pause before reconnecting.
        public var reconnectDelays: (first: Duration, longest: Duration) = (.milliseconds(250), .seconds(5))

        public init(socketPath: String, directories: [String], filter: AddressFilter, timeout: Duration) {
            self.socketPath = socketPath
            self.directories = directories
            self.filter = filter
            self.filter.includesUnbindable = false
            self.timeout = timeout
        }
    }

    public var configuration: Configuration
    public var logger: Logger
    /// The dispatcher's environment, passed on to each script under the run's variables.
    public var environment: [String]

    public init(configuration: Configuration, environment: [String], logger: Logger) {
        self.configuration = configuration
        self.environment = environment
        self.logger = logger
    }

    /// Runs until cancelled.
    public func run() async throws {
        let tracker = NIOLockedValueBox(BindableSetTracker())
        let (changes, changed) = AsyncStream.makeStream(of: Void.self, bufferingPolicy: .bufferingNewest(1))
        logger.info(
            "Dispatcher started",
            metadata: [
                "directories": "\(configuration.directories.joined(separator: " "))",
                "timeout": "\(configuration.timeout.seconds.formatted3)",
            ])
        try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask {
                await follow(tracker, changed: changed)
                changed.finish()
            }
            group.addTask {
                try await dispatch(tracker, changes: changes)
            }
            try await group.next()
            group.cancelAll()
        }
    }

    /// Keeps a Watch open, reconnecting with backoff, and feeds the tracker.
    private func follow(_ tracker: NIOLockedValueBox<BindableSetTracker>, changed: AsyncStream<Void>.Continuation) async
    {
        var delay = configuration.reconnectDelays.first
        var reportedUnreachable = false
        while !Task.isCancelled {
            do {
                try await BindwatchConnection.withConnection(socketPath: configuration.socketPath) { bindwatch in
                    for try await update in try await bindwatch.watch(configuration.filter) {
                        if case .snapshot(let generation, let addresses) = update {
                            logger.info(
                                "Following bindwatchd",
                                metadata: ["generation": "\(generation)", "bindable": "\(addresses.count)"])
                            delay = configuration.reconnectDelays.first
                            reportedUnreachable = false
                        }
                        tracker.withLockedValue { $0.apply(update) }
                        changed.yield()
                    }
                }
                logger.warning("bindwatchd ended the Watch; reconnecting")
            } catch {
                if !reportedUnreachable {
                    logger.warning(
                        "Cannot follow bindwatchd; retrying",
                        metadata: ["socket": "\(configuration.socketPath)", "error": "\(error)"])
                    reportedUnreachable = true
                }
            }
            tracker.withLockedValue { $0.connectionLost() }
            try? await sleepOnEventLoop(for: delay)
            delay = min(delay * 2, configuration.reconnectDelays.longest)
        }
    }

    /// Takes each pending run when the last one has ended, and runs the scripts.
    private func dispatch(_ tracker: NIOLockedValueBox<BindableSetTracker>, changes: AsyncStream<Void>) async throws {
        let directories = ScriptDirectories(directories: configuration.directories, userID: ProcessCalls.userID)
        let runner = ScriptRunner(
            timeout: configuration.timeout, killDelay: configuration.killDelay, inheritedEnvironment: environment,
            threadPool: NIOThreadPool.singleton)
        var warned = Set<ScriptDirectories.Skipped>()
        for await _ in changes {
            while let run = tracker.withLockedValue({ $0.pendingRun() }) {
                // Read the directories for every run: scripts added or fixed take effect at once.
                let selection = directories.select()
                for skipped in selection.skipped where warned.insert(skipped).inserted {
                    logger.warning(
                        "Script skipped", metadata: ["script": "\(skipped.path)", "reason": "\(skipped.reason)"])
                }
                logger.info(
                    "Dispatching",
                    metadata: [
                        "action": "\(run.action.rawValue)", "generation": "\(run.generation)",
                        "added": "\(run.added.count)", "removed": "\(run.removed.count)",
                        "bindable": "\(run.bindable.count)", "scripts": "\(selection.scripts.count)",
                    ])
                for script in selection.scripts {
                    try Task.checkCancellation()
                    _ = await runner.run(script, run, logger: logger)
                }
                tracker.withLockedValue { $0.dispatched(run) }
            }
        }
    }
}
