import ArgumentParser
import BindwatchClient
import BindwatchCommandLine

struct Reload: EventLoopCommand {
    static let configuration = CommandConfiguration(
        abstract: "Make bindwatchd reread its settings; made for ExecReload=.",
        discussion: """
            Exits 0 once the new settings are in force. A refused file changes nothing: the \
            command names the key, where it came from and what is wrong, and exits 1. For root \
            and bindwatchd's own user.
            """)

    @ParentCommand var root: Bindwatchctl

    func runOnEventLoop() async throws {
        let reply = try await root.connection.withConnection { handle in
            try await handle.send(method: "io.bindwatch.Reload")
            do {
                for try await reply in handle.replies() { return reply.parameters }
            } catch let error as VarlinkClient.CallError where error.name == "io.bindwatch.InvalidConfiguration" {
                let key = error.parameters["key"]?.text
                let source = error.parameters["source"]?.text ?? "the settings"
                let problem = error.parameters["problem"]?.text ?? "refused"
                throw CommandFailure(
                    "configuration refused, the old settings stay in force: "
                        + (key.map { "\($0) in \(source)" } ?? source) + ": \(problem)")
            } catch let error as VarlinkClient.CallError where error.name == "io.bindwatch.PermissionDenied" {
                throw CommandFailure("only root and bindwatchd's own user may reload it")
            }
            throw CommandFailure("bindwatchd closed the connection without an answer")
        }
        let restart = reply["restartRequired"]?.stringArray ?? []
        if !restart.isEmpty {
            print("reloaded; these take effect only after a restart: \(restart.joined(separator: ", "))")
        }
    }
}
