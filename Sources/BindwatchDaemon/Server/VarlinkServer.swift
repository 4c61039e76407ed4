import BindwatchVarlink
import CBindwatchSystem
import EventLoopConcurrency
import Glibc
import Logging
import NIOCore
import NIOPosix
import ServiceLifecycle
import SystemPackage

/// Serves the varlink interfaces on a Unix stream socket.
public final class VarlinkServer: Service {
    public struct Configuration: Sendable {
        public var socketPath: String
        /// File mode of the socket; 0666 by default: it shows what `ip addr` shows any user.
        public var socketMode: mode_t = 0o666
        public var limits: ServerStatistics.Limits = .standard
        /// A listening socket systemd passed; then `socketPath` and `socketMode` are the socket
        /// unit's business, and the file is neither created, chmod-ed nor removed here.
        public var passedListener: Int32?

        public init(socketPath: String) {
            self.socketPath = socketPath
        }
    }

    public enum StartError: Error, CustomStringConvertible {
        case alreadyRunning(path: String)
        case socketPathUnusable(path: String, reason: String)

        public var description: String {
            switch self {
            case .alreadyRunning(let path): "another bindwatchd is already listening on \(path)"
            case .socketPathUnusable(let path, let reason): "cannot use socket path \(path): \(reason)"
            }
        }
    }

    private let configuration: Configuration
    private let dispatcher: VarlinkDispatcher
    private let group: any EventLoopGroup
    private let logger: Logger
    /// Fires once the socket accepts connections.
    public let listening = OneShotSignal()

    /// `reloader`: what the `Reload` call runs; without one, the call fails.
    public init(
        configuration: Configuration, table: LiveTable, statistics: ServerStatistics,
        reloader: ConfigurationReloader? = nil, group: any EventLoopGroup = MultiThreadedEventLoopGroup.singleton,
        logger: Logger
    ) {
        self.configuration = configuration
        self.dispatcher = VarlinkDispatcher(
            table: table, statistics: statistics, startedAt: .now(), reloader: reloader, daemonUser: getuid())
        self.group = group
        self.logger = logger
    }

    /// Fails if a live daemon owns the path; removes a stale socket file.
    static func prepareSocketPath(_ path: String) throws {
        let directory = String(path[..<(path.lastIndex(of: "/") ?? path.startIndex)])
        if !directory.isEmpty {
            do {
                try FileSystemCalls.makeDirectories(directory)
            } catch {
                throw StartError.socketPathUnusable(path: path, reason: "cannot create \(directory): \(error)")
            }
        }
        let result = bw_unix_socket_probe(path)
        if result == 1 { throw StartError.alreadyRunning(path: path) }
        if result < 0 {
            throw StartError.socketPathUnusable(path: path, reason: "\(Errno(rawValue: -result))")
        }
    }

    public func run() async throws {
        let path = configuration.socketPath
        let initializer: @Sendable (any Channel) -> EventLoopFuture<NIOAsyncChannel<ByteBuffer, ByteBuffer>> = {
            channel in
            channel.eventLoop.makeCompletedFuture {
                try channel.pipeline.syncOperations.addHandler(ByteToMessageHandler(VarlinkFrameDecoder()))
                return try NIOAsyncChannel<ByteBuffer, ByteBuffer>(wrappingChannelSynchronously: channel)
            }
        }
        let bootstrap = ServerBootstrap(group: group)
            // As deep as systemd makes bindwatchd.socket's queue (Backlog= defaults to
            // SOMAXCONN): a burst of clients waits in it rather than being refused.
            .serverChannelOption(.backlog, value: SOMAXCONN)
            .childChannelOption(.allowRemoteHalfClosure, value: true)
        let server: NIOAsyncChannel<NIOAsyncChannel<ByteBuffer, ByteBuffer>, Never>
        if let listener = configuration.passedListener {
            server = try await bootstrap.bind(listener, childChannelInitializer: initializer)
            logger.info("Listening on the socket systemd passed", metadata: ["socket": "\(path)"])
        } else {
            try Self.prepareSocketPath(path)
            server = try await bootstrap.bind(unixDomainSocketPath: path, childChannelInitializer: initializer)
            do {
                try FileSystemCalls.setMode(path, configuration.socketMode)
            } catch {
                try? await server.channel.close()
                throw StartError.socketPathUnusable(path: path, reason: "chmod failed: \(error)")
            }
            logger.info("Listening", metadata: ["socket": "\(path)"])
        }
        listening.fire()
        // systemd keeps a passed socket for the next start: leave its file alone.
        defer { if configuration.passedListener == nil { unlink(path) } }

        try await withGracefulShutdownHandler {
            try await withThrowingDiscardingTaskGroup { connections in
                try await server.executeThenClose { inbound in
                    var connectionNumber = 0
                    for try await connection in inbound {
                        connectionNumber += 1
                        let number = connectionNumber
                        // On the connection's own event loop: its replies and events are written
                        // there without a hop to another thread, and `List` encoding is spread
                        // over the loops instead of all on the one that started the daemon.
                        let executor = EventLoopTaskExecutor(eventLoop: connection.channel.eventLoop)
                        connections.addTask(executorPreference: executor) {
                            await self.serve(connection, number: number)
                        }
                    }
                }
                // The listener closed (shutdown): end the connections too, Watch streams included,
                // or they would hold the daemon up forever.
                connections.cancelAll()
            }
        } onGracefulShutdown: {
            // Stop accepting; the loop above then ends the open connections.
            server.channel.close(promise: nil)
        }
    }

    private func serve(_ connection: NIOAsyncChannel<ByteBuffer, ByteBuffer>, number: Int) async {
        var logger = self.logger
        logger[metadataKey: "connection"] = "\(number)"
        let peer: PeerCredentials
        do {
            peer = try await PeerCredentials.of(connection.channel)
        } catch {
            logger.warning("Could not read peer credentials; closing", metadata: ["error": "\(error)"])
            try? await connection.channel.close()
            return
        }
        logger[metadataKey: "uid"] = "\(peer.uid)"
        logger[metadataKey: "pid"] = "\(peer.pid)"
        let statistics = dispatcher.statistics
        switch statistics.admit(user: peer.uid) {
        case .refused(let reason, let firstTime):
            if firstTime { logger.warning("Refusing connections", metadata: ["reason": "\(reason)"]) }
            try? await connection.channel.close()
            return
        case .admitted:
            break
        }
        defer { statistics.release(user: peer.uid) }
        await VarlinkConnection(channel: connection, dispatcher: dispatcher, peer: peer, logger: logger).run()
    }
}
