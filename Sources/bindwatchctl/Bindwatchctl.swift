import ArgumentParser
import BindwatchCore
import Foundation

@main
struct Bindwatchctl: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "bindwatchctl",
        abstract: "Asks bindwatchd which addresses of this host a program can bind.",
        subcommands: [List.self, Watch.self, Wait.self, Status.self, Log.self, Classify.self, Explain.self],
        defaultSubcommand: List.self)

    @OptionGroup var connection: ConnectionOptions
}

struct ConnectionOptions: ParsableArguments {
    @Option(help: "bindwatchd's socket (default: $BINDWATCH_SOCKET or /run/bindwatch/io.bindwatch).")
    var socket: String?

    var socketPath: String {
        socket ?? ProcessInfo.processInfo.environment["BINDWATCH_SOCKET"] ?? "/run/bindwatch/io.bindwatch"
    }

    /// Runs `body` on a connection, turning a missing daemon into a clear message.
    func withConnection<Result: Sendable>(_ body: (VarlinkConnectionHandle) async throws -> Result) async throws
        -> Result
    {
        do {
            return try await VarlinkClient.withConnection(socketPath: socketPath, body)
        } catch let error as VarlinkClient.CallError {
            throw CommandFailure("bindwatchd answered \(error)")
        } catch let error as CommandFailure {
            throw error
        } catch let error as ExitCode {
            throw error
        } catch {
            throw CommandFailure("cannot talk to bindwatchd at \(socketPath): \(error)", exitCode: 69)
        }
    }
}

struct FilterOptions: ParsableArguments {
    @Flag(name: .customShort("4"), help: "IPv4 only.")
    var inet = false

    @Flag(name: .customShort("6"), help: "IPv6 only.")
    var inet6 = false

    @Option(help: "Only addresses on this interface.")
    var interface: String?

    func validate() throws {
        if inet && inet6 { throw ValidationError("-4 and -6 exclude each other") }
    }

    func write(to json: inout JSONWriter) {
        if inet { json.field("family", "inet") }
        if inet6 { json.field("family", "inet6") }
        if let interface { json.field("interface", interface) }
    }
}

/// A failure with a message for stderr and an exit status.
struct CommandFailure: Error, CustomStringConvertible {
    var description: String
    var exitCode: Int32

    init(_ message: String, exitCode: Int32 = 1) {
        self.description = message
        self.exitCode = exitCode
    }
}

extension AsyncParsableCommand {
    /// Prints a failure the way command-line tools do and exits with its status.
    func reporting(_ body: () async throws -> Void) async throws {
        do {
            try await body()
        } catch let failure as CommandFailure {
            FileHandle.standardError.write(Data("bindwatchctl: \(failure.description)\n".utf8))
            throw ExitCode(failure.exitCode)
        }
    }
}
