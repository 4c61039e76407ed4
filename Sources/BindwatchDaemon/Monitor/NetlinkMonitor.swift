import BindwatchNetlink
import Logging
import NIOCore
import ServiceLifecycle

/// Keeps the address table equal to the kernel's: one rtnetlink socket joined to the link and
/// address groups before the first dumps, events and dump replies demultiplexed by sequence
/// number, per-link dumps for addresses the kernel does not announce, and a mark-and-sweep
/// resync whenever events were lost.
///
/// The socket is read on the table's event loop (`NetlinkPump`): each batch of datagrams is
/// decoded, applied and written to the subscribers in one pass on that thread, and an idle
/// daemon does not wake.
public final class NetlinkMonitor: Service {
    public struct Configuration: Sendable {
        /// The receive buffer the daemon asks for by default. The kernel doubles it, and each
        /// address event costs it about 832 bytes (the skb, not the message): room for about
        /// 80,000 events, which a link with 100,000 addresses going down can still overflow
        /// when the daemon gets little CPU meanwhile (a resync follows).
        public static let defaultReceiveBufferBytes = 32 * 1024 * 1024

        /// Requested SO_RCVBUF(FORCE) size; nil leaves the socket's buffer as it is.
        public var receiveBufferBytes: Int?
        /// Full-resync attempts in a row before giving up for a while.
        public var resyncAttempts: Int = 5
        public var resyncBackoff: Duration = .milliseconds(50)
        /// After the attempts run out: serve with `synced: false` and try again this much later.
        public var resyncRetryLater: Duration = .seconds(30)

        public init(receiveBufferBytes: Int? = Self.defaultReceiveBufferBytes) {
            self.receiveBufferBytes = receiveBufferBytes
        }
    }

    private let socket: NetlinkSocket
    private let table: LiveTable
    private let configuration: Configuration
    private let logger: Logger

    /// Opens its own socket, or adopts `socket` (one systemd passed).
    public init(
        table: LiveTable, configuration: Configuration, socket: NetlinkSocket? = nil, logger: Logger
    ) throws(NetlinkError) {
        if let socket {
            self.socket = socket
        } else {
            self.socket = try NetlinkSocket.open()
        }
        self.table = table
        self.configuration = configuration
        self.logger = logger
    }

    public func run() async throws {
        defer { socket.close() }
        if let bytes = configuration.receiveBufferBytes {
            // On a passed socket only when asked: unprivileged, SO_RCVBUF would cut a large
            // buffer systemd made (ReceiveBuffer=) down to net.core.rmem_max.
            let (granted, forced) = try socket.setReceiveBuffer(bytes: bytes)
            if granted < bytes {
                logger.warning(
                    "Netlink receive buffer is smaller than requested",
                    metadata: ["requested": "\(bytes)", "granted": "\(granted)", "forced": "\(forced)"])
            } else {
                logger.debug("Netlink receive buffer set", metadata: ["granted": "\(granted)", "forced": "\(forced)"])
            }
        }
        // Join before dumping: a change between the dump and the join would otherwise be lost.
        try socket.joinGroups()
        try socket.enableStrictCheck()
        // The loop reads with read(), which gives no sender: let only the kernel send to us.
        try socket.connectToKernel()
        logger.debug("Netlink receive buffer", metadata: ["bytes": "\((try? socket.receiveBufferSize()) ?? -1)"])

        let pump = NetlinkPump(socket: socket, table: table, configuration: configuration, logger: logger)
        try await withGracefulShutdownHandler {
            try await withTaskCancellationHandler {
                try await pump.run()
            } onCancel: {
                pump.stop()
            }
        } onGracefulShutdown: {
            pump.stop()
        }
    }
}
