import ArgumentParser
import BindwatchClient
import Glibc

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
            Dispatch.self, Metrics.self,
        ],
        defaultSubcommand: List.self)

    @OptionGroup var connection: ConnectionOptions
}

/// A subcommand whose work is async, run on a NIO event loop thread.
protocol EventLoopCommand: ParsableCommand, Sendable {
    func runOnEventLoop() async throws
}

extension EventLoopCommand {
    func run() throws {
        // `watch` and `log -f` run until they are stopped: the runner restores the stop signals.
        let outcome = EventLoopRunner.run { [self] in try await runOnEventLoop() }
        switch outcome {
        case .success:
            return
        case .failure(let failure as CommandFailure):
            // The way command-line tools report: the program's name, the message, a status.
            let lines = failure.description.split(separator: "\n", omittingEmptySubsequences: false)
            StandardStream.writeError(lines.map { "bindwatchctl: \($0)\n" }.joined())
            throw ExitCode(failure.exitCode)
        case .failure(let error):
            throw error
        }
    }
}

struct ConnectionOptions: ParsableArguments {
    @Option(help: "bindwatchd's socket (default: $BINDWATCH_SOCKET or /run/bindwatch/io.bindwatch).")
    var socket: String?

    @Option(help: "Seconds to wait for bindwatchd's answer before giving up on it.")
    var replyTimeout: Double = 25

    func validate() throws {
        if !(replyTimeout > 0) { throw ValidationError("--reply-timeout must be positive") }
    }

    var socketPath: String {
        socket ?? getenv("BINDWATCH_SOCKET").map { String(cString: $0) } ?? "/run/bindwatch/io.bindwatch"
    }

    /// Runs `body` on a connection, turning a missing or silent daemon into a clear message
    /// and exit status 69 (EX_UNAVAILABLE).
    func withConnection<Result: Sendable>(_ body: (VarlinkConnectionHandle) async throws -> Result) async throws
        -> Result
    {
        do {
            return try await VarlinkClient.withConnection(socketPath: socketPath) { handle in
                // As long as systemctl waits for a D-Bus answer by default.
                handle.replyTimeout = replyTimeout
                return try await body(handle)
            }
        } catch let error as VarlinkClient.CallError {
            throw CommandFailure("bindwatchd answered \(error)")
        } catch let error as CommandFailure {
            throw error
        } catch let error as ExitCode {
            throw error
        } catch let failure as VarlinkClient.ConnectionFailure {
            throw CommandFailure(failure.description, exitCode: 69)
        } catch {
            throw CommandFailure("cannot talk to bindwatchd at \(socketPath): \(error)", exitCode: 69)
        }
    }
}

struct FamilyOptions: ParsableArguments {
    @Flag(name: .customShort("4"), help: "IPv4 only.")
    var inet = false

    @Flag(name: .customShort("6"), help: "IPv6 only.")
    var inet6 = false

    @Option(name: .customLong("family"), help: "Only this family: inet or inet6, as bindwatchd's --family.")
    var familyName: String?

    func validate() throws {
        if [inet, inet6, familyName != nil].count(where: { $0 }) > 1 {
            throw ValidationError("-4, -6 and --family exclude each other")
        }
        if let familyName, AddressFamily(name: familyName) == nil {
            throw ValidationError("--family must be inet or inet6, not \(familyName)")
        }
    }

    /// The family asked for; nil for both.
    var family: AddressFamily? {
        inet ? .inet : inet6 ? .inet6 : familyName.flatMap(AddressFamily.init(name:))
    }

    func write(to json: inout JSONWriter) {
        if let family { json.field("family", family.name) }
    }
}

struct FilterOptions: ParsableArguments {
    @OptionGroup var family: FamilyOptions

    @Option(help: "Only addresses on this interface.")
    var interface: String?

    func write(to json: inout JSONWriter) {
        family.write(to: &json)
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
