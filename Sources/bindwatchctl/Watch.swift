import ArgumentParser
import BindwatchClient
import BindwatchCommandLine
import Glibc

struct Watch: EventLoopCommand {
    static let configuration = CommandConfiguration(abstract: "Print the addresses, then every change, one line each.")

    @ParentCommand var root: Bindwatchctl
    @OptionGroup var filter: FilterOptions

    @Flag(help: "Every address, not only the bindable set.")
    var all = false

    @Flag(help: "Print each reply as one line of JSON.")
    var json = false

    func runOnEventLoop() async throws {
        try await root.connection.withConnection { handle in
            try await handle.send(method: "io.bindwatch.Watch", more: true) { parameters in
                filter.write(to: &parameters)
                if all { parameters.field("all", true) }
            }
            for try await reply in handle.replies() {
                // Events come when the kernel changes something: no time limit after the snapshot.
                if reply.parameters["snapshotComplete"] == .bool(true) { handle.replyTimeout = nil }
                if json {
                    print(JSONText.of(.object(reply.parameters)))
                } else if case .array(let addresses)? = reply.parameters["addresses"] {
                    for address in addresses { print(AddressTableFormatter.line(kind: "=", address)) }
                } else if let event = reply.parameters["event"], let address = event["address"] {
                    let kind: String
                    switch event["type"]?.text {
                    case "added": kind = "+"
                    case "removed": kind = "-"
                    default: kind = "~"
                    }
                    print(AddressTableFormatter.line(kind: kind, address))
                }
                // One line per event, even into a pipe.
                fflush(nil)  // all streams: stdout is a C global Swift 6 cannot name safely
                if !reply.continues { break }
            }
        }
    }
}
