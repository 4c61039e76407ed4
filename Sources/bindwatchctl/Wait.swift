import ArgumentParser
import BindwatchCore

struct Wait: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Wait until a matching address is bindable; made for ExecStartPre=.",
        discussion: "Exits 0 and prints the address once one is bindable; exits 1 on timeout.")

    @ParentCommand var root: Bindwatchctl
    @OptionGroup var filter: FilterOptions

    @Option(help: "Wait for this address in particular.")
    var address: String?

    @Option(help: "Give up after this many seconds (0: never).")
    var timeout: Double = 120

    func validate() throws {
        if timeout < 0 { throw ValidationError("--timeout must not be negative") }
    }

    func run() async throws {
        try await reporting {
            let found = try await root.connection.withConnection { handle in
                try await handle.send(method: "io.bindwatch.Wait") { parameters in
                    filter.write(to: &parameters)
                    if let address { parameters.field("address", address) }
                    if timeout > 0 {
                        parameters.key("timeout")
                        parameters.double(timeout)
                    }
                }
                do {
                    for try await reply in handle.replies() { return reply.parameters["address"] }
                } catch let error as VarlinkClient.CallError where error.name == "io.bindwatch.Timeout" {
                    throw CommandFailure("no matching address became bindable within \(timeout) seconds")
                }
                throw CommandFailure("bindwatchd closed the connection without an answer")
            }
            print(found?["address"]?.text ?? "")
        }
    }
}
