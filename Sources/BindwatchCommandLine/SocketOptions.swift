import ArgumentParser
import Glibc

/// Where bindwatchd listens: `--socket`, else `$BINDWATCH_SOCKET`, else the system's socket.
public struct SocketOptions: ParsableArguments, Sendable {
    @Option(help: "bindwatchd's socket (default: $BINDWATCH_SOCKET or /run/bindwatch/io.bindwatch).")
    public var socket: String?

    public init() {}

    public var socketPath: String {
        socket ?? getenv("BINDWATCH_SOCKET").map { String(cString: $0) } ?? "/run/bindwatch/io.bindwatch"
    }
}
