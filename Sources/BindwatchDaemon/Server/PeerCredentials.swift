import CBindwatchSystem
import Glibc
import NIOCore

/// Who is on the other end of a Unix socket connection (SO_PEERCRED).
struct PeerCredentials: Sendable {
    var uid: UInt32
    var pid: Int32

    /// Reads SO_PEERCRED; `ucred` is laid out as the struct ucred the kernel fills for this option.
    static func of(_ channel: any Channel) async throws -> PeerCredentials {
        guard let provider = channel as? any SocketOptionProvider else {
            throw ChannelError.operationUnsupported
        }
        let credentials: bw_ucred = try await provider.unsafeGetSocketOption(
            level: .init(SOL_SOCKET), name: .init(SO_PEERCRED)
        ).get()
        return PeerCredentials(uid: credentials.uid, pid: credentials.pid)
    }
}
