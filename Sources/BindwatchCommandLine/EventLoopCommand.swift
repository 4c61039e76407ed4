import ArgumentParser
import BindwatchClient

/// A command whose work is async, run on a NIO event loop thread.
public protocol EventLoopCommand: ParsableCommand, Sendable {
    func runOnEventLoop() async throws
}

extension EventLoopCommand {
    public func run() throws {
        // `watch` and `log -f` run until they are stopped: the runner restores the stop signals.
        let outcome = EventLoopRunner.run { [self] in try await runOnEventLoop() }
        switch outcome {
        case .success:
            return
        case .failure(let failure as CommandFailure):
            // The way command-line tools report: the program's name, the message, a status.
            let lines = failure.description.split(separator: "\n", omittingEmptySubsequences: false)
            let program = CommandLine.arguments.first?.split(separator: "/").last.map(String.init) ?? "bindwatchctl"
            StandardStream.writeError(lines.map { "\(program): \($0)\n" }.joined())
            throw ExitCode(failure.exitCode)
        case .failure(let error):
            throw error
        }
    }
}
