import CBindwatchNetlink
import CBindwatchSystem
import Glibc

/// An rtnetlink (NETLINK_ROUTE) socket. The descriptor never changes; an event loop reads a
/// duplicate of it (`duplicateDescriptor`), and the monitor sends dump requests on it.
public final class NetlinkSocket: Sendable {
    public let descriptor: Int32
    /// The port id the kernel assigned; dump replies carry it in `nlmsg_pid`.
    public let portID: UInt32

    /// Opens and binds a new socket.
    public static func open() throws(NetlinkError) -> NetlinkSocket {
        var descriptor: Int32 = -1
        let result = bw_netlink_open(&descriptor)
        guard result == 0 else { throw NetlinkError("socket(AF_NETLINK)", result: Int(result)) }
        do {
            return try NetlinkSocket(adopting: descriptor)
        } catch {
            _ = bw_close(descriptor)
            throw error
        }
    }

    /// Takes ownership of an already bound rtnetlink socket (one systemd passed, for example).
    public init(adopting descriptor: Int32) throws(NetlinkError) {
        var portID: UInt32 = 0
        let result = bw_netlink_port_id(descriptor, &portID)
        guard result == 0 else { throw NetlinkError("getsockname(netlink)", result: Int(result)) }
        self.descriptor = descriptor
        self.portID = portID
    }

    public func joinGroups() throws(NetlinkError) {
        let result = bw_netlink_join_groups(descriptor)
        guard result == 0 else { throw NetlinkError("NETLINK_ADD_MEMBERSHIP", result: Int(result)) }
    }

    /// Only the kernel may then send to the socket: see `bw_netlink_connect_kernel`.
    public func connectToKernel() throws(NetlinkError) {
        let result = bw_netlink_connect_kernel(descriptor)
        guard result == 0 else { throw NetlinkError("connect(netlink)", result: Int(result)) }
    }

    /// A new descriptor for the same socket, for an event loop to own and close.
    public func duplicateDescriptor() throws(NetlinkError) -> Int32 {
        var copy: Int32 = -1
        let result = bw_duplicate(descriptor, &copy)
        guard result == 0 else { throw NetlinkError("fcntl(F_DUPFD_CLOEXEC)", result: Int(result)) }
        return copy
    }

    public func enableStrictCheck() throws(NetlinkError) {
        let result = bw_netlink_enable_strict_check(descriptor)
        guard result == 0 else { throw NetlinkError("NETLINK_GET_STRICT_CHK", result: Int(result)) }
    }

    /// Asks for `bytes` of receive buffer; returns what the kernel granted and whether
    /// SO_RCVBUFFORCE (past net.core.rmem_max) was permitted.
    public func setReceiveBuffer(bytes: Int) throws(NetlinkError) -> (granted: Int, forced: Bool) {
        var granted: Int32 = 0
        var forced: Int32 = 0
        let requested = Int32(clamping: bytes)
        let result = bw_netlink_set_receive_buffer(descriptor, requested, &granted, &forced)
        guard result == 0 else { throw NetlinkError("SO_RCVBUF", result: Int(result)) }
        return (Int(granted), forced != 0)
    }

    /// The receive buffer the kernel gave the socket, in bytes.
    public func receiveBufferSize() throws(NetlinkError) -> Int {
        var bytes: Int32 = 0
        let result = bw_netlink_receive_buffer(descriptor, &bytes)
        guard result == 0 else { throw NetlinkError("getsockopt(SO_RCVBUF)", result: Int(result)) }
        return Int(bytes)
    }

    public func requestLinkDump(sequence: UInt32) throws(NetlinkError) {
        let result = bw_netlink_request_link_dump(descriptor, sequence)
        guard result == 0 else { throw NetlinkError("send(RTM_GETLINK)", result: Int(result)) }
    }

    /// `ifindex` 0 dumps every address; another value, one link's (needs strict checking).
    public func requestAddressDump(sequence: UInt32, ifindex: Int32) throws(NetlinkError) {
        let result = bw_netlink_request_address_dump(descriptor, sequence, ifindex)
        guard result == 0 else { throw NetlinkError("send(RTM_GETADDR)", result: Int(result)) }
    }

    public enum Reception: Sendable {
        /// `count` bytes from the port `sender` (0: the kernel).
        case datagram(count: Int, sender: UInt32)
        /// The receive buffer overflowed (ENOBUFS) and events were lost.
        case overrun
        /// The datagram did not fit the buffer and was lost.
        case truncated
        /// Nothing to read this time, and nothing lost: see `receive`.
        case dumpRace
    }

    /// Blocks until a datagram arrives; with `wait` false, returns nil when none is queued.
    public func receive(into buffer: UnsafeMutableRawBufferPointer, wait: Bool = true) throws(NetlinkError)
        -> Reception?
    {
        var sender: UInt32 = 0
        let result = bw_netlink_receive(descriptor, buffer.baseAddress, buffer.count, &sender, wait ? 0 : 1)
        if result >= 0 { return .datagram(count: result, sender: sender) }
        switch Int32(-result) {
        case EAGAIN where !wait: return nil
        case ENOBUFS: return .overrun
        case EMSGSIZE: return .truncated
        // recvmsg continues a running dump. When a sendmsg starts a dump that
        // completes at once, recvmsg may still see it running, then find it ended: the kernel
        // reports EINVAL through sk_err (netlink_dump), once, and the replies are queued.
        case EINVAL: return .dumpRace
        default: throw NetlinkError("recvmsg(netlink)", result: result)
        }
    }

    public func close() {
        _ = bw_close(descriptor)
    }
}
