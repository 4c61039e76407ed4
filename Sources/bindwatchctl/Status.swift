import ArgumentParser
import BindwatchClient

struct Status: EventLoopCommand {
    static let configuration = CommandConfiguration(abstract: "Show the daemon's state and counters.")

    @ParentCommand var root: Bindwatchctl

    @Flag(help: "Print the reply as JSON.")
    var json = false

    func runOnEventLoop() async throws {
        let status = try await root.connection.withConnection { handle in
            try await handle.send(method: "io.bindwatch.GetStatus")
            for try await reply in handle.replies() { return reply.parameters }
            throw CommandFailure("bindwatchd closed the connection without an answer")
        }
        if json {
            print(JSONText.of(.object(status)))
            return
        }
        let width = status.keys.map(\.count).max() ?? 0
        for key in status.keys.sorted() {
            print(String(repeating: " ", count: width - key.count) + key + ": " + (status[key]?.text ?? ""))
        }
    }
}
