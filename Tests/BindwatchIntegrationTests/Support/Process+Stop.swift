import Foundation

extension Process {
    /// SIGTERM, then SIGKILL if it has not exited within `grace`; waits for it either way.
    func stop(grace: TimeInterval = 10) {
        guard isRunning else { return }
        terminate()
        let deadline = Date().addingTimeInterval(grace)
        while isRunning && Date() < deadline { usleep(10_000) }
        if isRunning { kill(processIdentifier, SIGKILL) }
        waitUntilExit()
    }
}
