import CBindwatchSystem
import Glibc

/// The sockets systemd passed (socket activation, sd_listen_fds(3)): `LISTEN_FDS` descriptors
/// from fd 3, for this process only (`LISTEN_PID`), optionally named by `LISTEN_FDNAMES`.
///
/// `bindwatchd.socket` passes the varlink listener, so clients can connect before the daemon is
/// up, and an rtnetlink socket (`ListenNetlink=`) with a buffer systemd made large, so the
/// daemon needs no capability and events queued across a restart are kept. Each descriptor is
/// recognised by its name (`varlink`, `netlink`) or else by SO_DOMAIN; anything else stops
/// start-up, since a socket unit that passes something unexpected is misconfigured.
public struct SocketActivation: Sendable {
    public struct Failure: Error, CustomStringConvertible {
        public let description: String
    }

    /// A listening AF_UNIX stream socket for varlink clients.
    public var varlinkListener: Int32?
    /// Where `varlinkListener` is bound, for logs.
    public var varlinkPath: String?
    /// A bound NETLINK_ROUTE socket.
    public var netlink: Int32?

    public var isEmpty: Bool { varlinkListener == nil && netlink == nil }

    /// `varlink,netlink`, `varlink`, … or `none`, for logs.
    public var summary: String {
        let kinds = [varlinkListener.map { _ in "varlink" }, netlink.map { _ in "netlink" }].compactMap { $0 }
        return kinds.isEmpty ? "none" : kinds.joined(separator: ",")
    }

    static let firstDescriptor: Int32 = 3
    /// NETLINK_ROUTE from <linux/netlink.h>, which Glibc does not export to Swift.
    static let netlinkRoute: Int32 = 0

    public init(varlinkListener: Int32? = nil, varlinkPath: String? = nil, netlink: Int32? = nil) {
        self.varlinkListener = varlinkListener
        self.varlinkPath = varlinkPath
        self.netlink = netlink
    }

    /// Reads the environment; empty when systemd passed nothing to this process.
    public static func fromEnvironment(
        _ environment: [String: String], processID: Int32 = getpid()
    ) throws(Failure) -> SocketActivation {
        // Meant for another process (a parent that did not clear it): not ours to use.
        guard let pidText = environment["LISTEN_PID"], let countText = environment["LISTEN_FDS"] else {
            return SocketActivation()
        }
        guard let pid = Int32(pidText), pid > 0 else {
            throw Failure(description: "LISTEN_PID=\(pidText) is not a process id")
        }
        guard pid == processID else { return SocketActivation() }
        guard let count = Int32(countText), count >= 0, count <= 64 else {
            throw Failure(description: "LISTEN_FDS=\(countText) is not a descriptor count")
        }
        var names: [String?] = Array(repeating: nil, count: Int(count))
        if let namesText = environment["LISTEN_FDNAMES"] {
            let given = namesText.split(separator: ":", omittingEmptySubsequences: false).map(String.init)
            guard given.count == count else {
                throw Failure(
                    description: "LISTEN_FDNAMES names \(given.count) descriptors but LISTEN_FDS is \(count)")
            }
            names = given
        }

        var result = SocketActivation()
        for offset in 0..<count {
            let descriptor = firstDescriptor + offset
            let name = names[Int(offset)]
            var domain: Int32 = 0
            var type: Int32 = 0
            var proto: Int32 = 0
            var accepting: Int32 = 0
            let described = bw_socket_describe(descriptor, &domain, &type, &proto, &accepting)
            guard described == 0 else {
                throw unusable(descriptor, name, "not a socket (errno \(-described))")
            }
            let expected: Int32? =
                switch name {
                case "varlink": AF_UNIX
                case "netlink": AF_NETLINK
                default: nil
                }
            if let expected, expected != domain {
                throw unusable(descriptor, name, "its name says \(name!) but its domain is \(domain)")
            }
            switch domain {
            case AF_UNIX:
                guard type == Int32(SOCK_STREAM.rawValue), accepting != 0 else {
                    throw unusable(descriptor, name, "a Unix socket that is not a listening stream socket")
                }
                if let other = result.varlinkListener {
                    throw unusable(descriptor, name, "a second varlink listener (the first is fd \(other))")
                }
                result.varlinkListener = descriptor
                result.varlinkPath = boundPath(descriptor)
            case AF_NETLINK:
                guard proto == netlinkRoute else {
                    throw unusable(descriptor, name, "a netlink socket of protocol \(proto), not NETLINK_ROUTE")
                }
                if let other = result.netlink {
                    throw unusable(descriptor, name, "a second netlink socket (the first is fd \(other))")
                }
                result.netlink = descriptor
            default:
                throw unusable(descriptor, name, "a socket of domain \(domain), neither AF_UNIX nor AF_NETLINK")
            }
        }
        return result
    }

    private static func unusable(_ descriptor: Int32, _ name: String?, _ reason: String) -> Failure {
        Failure(description: "passed descriptor \(descriptor)\(name.map { " (\($0))" } ?? ""): \(reason)")
    }

    private static func boundPath(_ descriptor: Int32) -> String? {
        var buffer = [CChar](repeating: 0, count: 110)
        let result = buffer.withUnsafeMutableBufferPointer {
            bw_unix_socket_bound_path(descriptor, $0.baseAddress, $0.count)
        }
        guard result == 0 else { return nil }
        return buffer.withUnsafeBufferPointer { String(cString: $0.baseAddress!) }
    }
}
