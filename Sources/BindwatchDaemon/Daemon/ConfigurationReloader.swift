import BindwatchVarlink
import EventLoopConcurrency
import Logging

/// Rereads the settings, for SIGHUP and for the varlink `Reload` call alike, one reload at a
/// time. A new policy re-evaluates every address (subscribers and the event log see the
/// events); a refused file changes nothing. Either way the event log is reopened, as
/// logrotate expects after SIGHUP.
public actor ConfigurationReloader {
    public struct Outcome: Sendable, Equatable {
        /// Address events the new policy caused.
        public var addressEvents: UInt64
        /// Settings that changed but take effect only at the next start.
        public var restartRequired: [SettingKey]
    }

    private let table: LiveTable
    private let load: @Sendable () async throws -> DaemonSettings
    private let logger: Logger
    private var applied: DaemonSettings
    private var isReloading = false
    private var reloadEnded = OneShotSignal()

    public init(
        table: LiveTable, current: DaemonSettings, load: @escaping @Sendable () async throws -> DaemonSettings,
        logger: Logger
    ) {
        self.table = table
        self.applied = current
        self.load = load
        self.logger = logger
    }

    /// Throws the reason a refused configuration was refused; the old settings stay.
    public func reload() async throws(SettingsError) -> Outcome {
        // Reloads overlap when SIGHUP and a call come together: the second waits for the first.
        while isReloading { await reloadEnded.wait() }
        isReloading = true
        defer {
            isReloading = false
            reloadEnded.fire()
            reloadEnded = OneShotSignal()
        }
        let settings: DaemonSettings
        do {
            settings = try await load()
        } catch {
            let refusal =
                error as? SettingsError
                ?? SettingsError(key: nil, source: "settings", problem: "\(error)", message: "\(error)")
            // logrotate's SIGHUP must still reopen the log.
            await table.reopenEventLog()
            logger.error(
                "Configuration reload refused; the old settings stay in force",
                metadata: [
                    "key": "\(refusal.key ?? "-")", "source": "\(refusal.source)", "problem": "\(refusal.problem)",
                ])
            throw refusal
        }
        let events = await table.reload(policy: settings.policy, eventLog: settings.eventLog)
        let restartRequired = settings.changedRestartOnlySettings(since: applied)
        applied.policy = settings.policy
        applied.eventLog = settings.eventLog
        if !restartRequired.isEmpty {
            logger.warning(
                "Some changed settings take effect only after a restart",
                metadata: ["keys": "\(restartRequired.map(\.path).joined(separator: ","))"])
        }
        logger.info("Configuration reloaded", metadata: ["changes": "\(events)"])
        return Outcome(addressEvents: events, restartRequired: restartRequired)
    }
}
