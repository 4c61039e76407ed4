import ArgumentParser
import BindwatchClient
import BindwatchCommandLine

struct List: EventLoopCommand {
    static let configuration = CommandConfiguration(abstract: "List the bindable addresses (or all, with --all).")

    @ParentCommand var root: Bindwatchctl
    @OptionGroup var filter: FilterOptions

    @Flag(help: "Every address, with the reasons the unbindable ones are not bindable.")
    var all = false

    @Flag(help: "Print the reply as JSON.")
    var json = false

    func runOnEventLoop() async throws {
        let (generation, addresses) = try await root.connection.withConnection { handle in
            // With more, a large table streams in parts instead of failing with TooLarge.
            try await handle.send(method: "io.bindwatch.List", more: true) { parameters in
                filter.write(to: &parameters)
                if all { parameters.field("all", true) }
            }
            var addresses: [JSONValue] = []
            var generation = JSONValue.null
            for try await reply in handle.replies() {
                generation = reply.parameters["generation"] ?? .null
                if case .array(let part)? = reply.parameters["addresses"] { addresses += part }
                if !reply.continues { break }
            }
            return (generation, addresses)
        }
        if json {
            print(JSONText.of(.object(["generation": generation, "addresses": .array(addresses)])))
        } else {
            print(AddressTableFormatter.format(addresses, showVerdict: all))
        }
    }
}
