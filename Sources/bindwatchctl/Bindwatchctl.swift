import ArgumentParser
import BindwatchClient
import BindwatchCommandLine

// Synchronous: an async `main` would run on Swift's global executor, which on Linux starts
// libdispatch worker threads. Under a sandboxed unit each one logs that it may not set its
// priority. The subcommands run their async work on a NIO event loop instead.
@main
struct Bindwatchctl: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "bindwatchctl",
        abstract: "Asks bindwatchd which addresses of this host a program can bind.",
        subcommands: [
            List.self, Watch.self, Wait.self, Status.self, Log.self, Classify.self, Explain.self, Reload.self,
        ],
        defaultSubcommand: List.self)

    @OptionGroup var connection: ConnectionOptions
}
