import ArgumentParser
import BindwatchClient
import BindwatchCommandLine

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
        var lines = status.filter { $0.key != "addressStates" }.mapValues(\.text)
        // One line per family, the states it has addresses in: "bindable 3, tentative 1".
        if case .array(let states)? = status["addressStates"] {
            for family in ["inet", "inet6"] {
                let counts = states.compactMap { state -> String? in
                    guard state["family"]?.text == family, let count = state["addresses"]?.text, count != "0" else {
                        return nil
                    }
                    return "\(state["state"]?.text ?? "?") \(count)"
                }
                lines["addresses (\(family))"] = counts.isEmpty ? "none" : counts.joined(separator: ", ")
            }
        }
        let width = lines.keys.map(\.count).max() ?? 0
        for key in lines.keys.sorted() {
            print(String(repeating: " ", count: width - key.count) + key + ": " + lines[key]!)
        }
    }
}
