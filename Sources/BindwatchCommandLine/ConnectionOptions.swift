import ArgumentParser
import BindwatchClient
import Glibc

/// Where bindwatchd listens, and how long to wait for its answers.
public struct ConnectionOptions: ParsableArguments, Sendable {
    @OptionGroup public var socket: SocketOptions

    @Option(
        help: "Seconds to wait for bindwatchd's answer, or for it to accept the connection, before giving up on it.")
    public var replyTimeout: Double = 25

    public init() {}

    public func validate() throws {
        if !(replyTimeout > 0) { throw ValidationError("--reply-timeout must be positive") }
    }

    public var socketPath: String { socket.socketPath }

    /// Runs `body` on a connection, turning a missing or silent daemon into a clear message
    /// and exit status 69 (EX_UNAVAILABLE).
    public func withConnection<Result: Sendable>(_ body: (VarlinkConnectionHandle) async throws -> Result) async throws
        -> Result
    {
        do {
            return try await VarlinkClient.withConnection(
                socketPath: socketPath, connectTimeout: .seconds(replyTimeout)
            ) { handle in
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
