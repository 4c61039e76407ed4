import BindwatchClient
import Glibc
import Logging
import NIOPosix
import SystemPackage

/// Runs one script for a run: spawned with the run on stdin and in its environment, stopped
/// at the timeout (SIGTERM to its process group, SIGKILL `killDelay` later), its end logged.
struct ScriptRunner: Sendable {
    /// How a script's run ended.
    enum Outcome: Sendable, Equatable {
        case finished(ProcessCalls.Termination)
        /// Stopped at the timeout; `killed`: it needed SIGKILL.
        case timedOut(killed: Bool)
        case failedToStart(Errno)
    }

    var timeout: Duration
    var killDelay: Duration
    /// The dispatcher's own environment, passed on under the run's variables.
    var inheritedEnvironment: [String]
    /// Where the blocking waits run, so the event loop that reads Watch keeps reading.
    var threadPool: NIOThreadPool

    func run(_ script: DispatchScript, _ dispatchRun: DispatchRun, logger: Logger) async -> Outcome {
        let started = ContinuousClock.now
        let outcome = await execute(script, dispatchRun)
        let seconds = (ContinuousClock.now - started).seconds
        var metadata: Logger.Metadata = [
            "script": "\(script.path)", "action": "\(dispatchRun.action.rawValue)",
            "generation": "\(dispatchRun.generation)", "seconds": "\(seconds.formatted3)",
        ]
        switch outcome {
        case .finished(.exited(0)):
            logger.info("Script finished", metadata: metadata.merging(["status": "0"]) { $1 })
        case .finished(.exited(let status)):
            logger.warning("Script failed", metadata: metadata.merging(["status": "\(status)"]) { $1 })
        case .finished(.signalled(let signal)):
            logger.warning("Script killed by a signal", metadata: metadata.merging(["signal": "\(signal)"]) { $1 })
        case .timedOut(let killed):
            metadata["timeout"] = "\(timeout.seconds.formatted3)"
            metadata["signal"] = killed ? "SIGKILL" : "SIGTERM"
            logger.warning("Script stopped at its timeout", metadata: metadata)
        case .failedToStart(let error):
            logger.error("Script could not start", metadata: metadata.merging(["error": "\(error)"]) { $1 })
        }
        return outcome
    }

    private func execute(_ script: DispatchScript, _ dispatchRun: DispatchRun) async -> Outcome {
        let pid: Int32
        do {
            let input = try ProcessCalls.memoryFile(name: "bindwatch-dispatch", contents: dispatchRun.standardInput)
            defer { try? input.close() }
            let own = Set(dispatchRun.environment.map(\.name))
            let environment =
                inheritedEnvironment.filter { entry in !own.contains(String(entry.prefix { $0 != "=" })) }
                + dispatchRun.environment.map { "\($0.name)=\($0.value)" }
            pid = try ProcessCalls.spawn(
                path: script.path, arguments: [script.path, dispatchRun.action.rawValue], environment: environment,
                standardInput: input.rawValue)
        } catch {
            return .failedToStart(error)
        }
        if let ended = await wait(pid, for: timeout) { return ended }
        ProcessCalls.signalGroup(pid: pid, SIGTERM)
        if await wait(pid, for: killDelay) != nil { return .timedOut(killed: false) }
        ProcessCalls.signalGroup(pid: pid, SIGKILL)
        _ = await wait(pid, for: nil)
        return .timedOut(killed: true)
    }

    /// The script's end, or nil when `duration` passed first (nil duration: no limit).
    private func wait(_ pid: Int32, for duration: Duration?) async -> Outcome? {
        let milliseconds = duration.map { Int32(clamping: $0.milliseconds) } ?? -1
        do {
            let termination = try await threadPool.runIfActive {
                try ProcessCalls.waitForExit(pid: pid, timeoutMilliseconds: milliseconds)
            }
            return termination.map { .finished($0) }
        } catch {
            // The child is not ours to wait for (ECHILD): nothing more can be learnt.
            return .finished(.exited(-1))
        }
    }
}
