/// One rtnetlink message, decoded into the parts bindwatch uses.
public struct NetlinkMessage: Sendable, Equatable {
    public struct Header: Sendable, Equatable {
        public var type: UInt16
        public var flags: UInt16
        public var sequence: UInt32
        /// `nlmsg_pid`: the requester's port for dump replies. Not the sender: the socket is
        /// connected to the kernel, so only the kernel sends to it (see `NetlinkMonitor.run`).
        public var portID: UInt32

        package init(type: UInt16, flags: UInt16, sequence: UInt32, portID: UInt32) {
            self.type = type
            self.flags = flags
            self.sequence = sequence
            self.portID = portID
        }

        /// NLM_F_DUMP_INTR: the dump raced with changes and may be inconsistent.
        public var isDumpInterrupted: Bool { flags & 0x10 != 0 }
    }

    public enum Payload: Sendable, Equatable {
        case address(AddressMessage)
        case link(LinkMessage)
        case prefix(PrefixMessage)
        /// NLMSG_DONE: the end of a dump.
        case done
        /// NLMSG_ERROR with a negative errno, or 0 for an acknowledgement.
        case error(Int32)
        /// A known message type whose payload did not validate; skipped and counted.
        case malformed
        /// A message type bindwatch does not use.
        case other
    }

    public var header: Header
    public var payload: Payload

    public init(
        header: Header, payload: Payload
    ) {
        self.header = header
        self.payload = payload
    }
}

/// RTM_NEWADDR or RTM_DELADDR.
public struct AddressMessage: Sendable, Equatable {
    public var isDeletion: Bool
    public var family: AddressFamily
    public var prefixLength: UInt8
    public var scope: KernelScope
    public var ifindex: Int32
    public var flags: AddressFlags
    /// This host's address: IFA_LOCAL when present, else IFA_ADDRESS.
    public var local: IPAddress
    /// IFA_ADDRESS when it differs from IFA_LOCAL: the far end of a point-to-point link.
    public var peer: IPAddress?
    /// IFA_ADDRESS as sent; part of an IPv4 address's identity in the kernel.
    public var address: IPAddress
    public var label: String?
    public var lifetimes: AddressLifetimes?

    package init(
        isDeletion: Bool, family: AddressFamily, prefixLength: UInt8, scope: KernelScope, ifindex: Int32,
        flags: AddressFlags, local: IPAddress, peer: IPAddress? = nil, label: String? = nil,
        lifetimes: AddressLifetimes? = nil
    ) {
        self.isDeletion = isDeletion
        self.family = family
        self.prefixLength = prefixLength
        self.scope = scope
        self.ifindex = ifindex
        self.flags = flags
        self.local = local
        self.peer = peer
        self.address = peer ?? local
        self.label = label
        self.lifetimes = lifetimes
    }

    public init(
        isDeletion: Bool, family: AddressFamily, prefixLength: UInt8, scope: KernelScope, ifindex: Int32,
        flags: AddressFlags, local: IPAddress, peer: IPAddress?, address: IPAddress, label: String?,
        lifetimes: AddressLifetimes?
    ) {
        self.isDeletion = isDeletion
        self.family = family
        self.prefixLength = prefixLength
        self.scope = scope
        self.ifindex = ifindex
        self.flags = flags
        self.local = local
        self.peer = peer
        self.address = address
        self.label = label
        self.lifetimes = lifetimes
    }
}

/// IFA_CACHEINFO: seconds remaining when the kernel sent the message; nil means forever.
public struct AddressLifetimes: Sendable, Equatable, Hashable {
    public var preferred: UInt32?
    public var valid: UInt32?

    public init(preferred: UInt32?, valid: UInt32?) {
        self.preferred = preferred
        self.valid = valid
    }

    /// Builds lifetimes from the kernel's values, where 0xFFFFFFFF means forever.
    package init(kernelPreferred: UInt32, kernelValid: UInt32) {
        self.preferred = kernelPreferred == .max ? nil : kernelPreferred
        self.valid = kernelValid == .max ? nil : kernelValid
    }
}

/// RTM_NEWLINK or RTM_DELLINK.
public struct LinkMessage: Sendable, Equatable {
    public var isDeletion: Bool
    public var ifindex: Int32
    /// AF_UNSPEC (0) for the link itself. A bridge sends AF_BRIDGE messages about its ports,
    /// including RTM_DELLINK when a port leaves while the link lives on.
    public var family: UInt8 = 0
    public var name: String?
    public var flags: LinkFlags
    public var operationalState: OperationalState?
    public var hardwareType: UInt16

    package init(
        isDeletion: Bool, ifindex: Int32, name: String?, flags: LinkFlags, operationalState: OperationalState?,
        hardwareType: UInt16
    ) {
        self.isDeletion = isDeletion
        self.ifindex = ifindex
        self.name = name
        self.flags = flags
        self.operationalState = operationalState
        self.hardwareType = hardwareType
    }

    public init(
        isDeletion: Bool, ifindex: Int32, family: UInt8, name: String?, flags: LinkFlags,
        operationalState: OperationalState?, hardwareType: UInt16
    ) {
        self.isDeletion = isDeletion
        self.ifindex = ifindex
        self.family = family
        self.name = name
        self.flags = flags
        self.operationalState = operationalState
        self.hardwareType = hardwareType
    }
}

/// RTM_NEWPREFIX: the kernel processed a router advertisement's prefix on `ifindex`.
public struct PrefixMessage: Sendable, Equatable {
    public var family: UInt8
    public var ifindex: Int32
    public var prefixLength: UInt8
    public var prefix: IPAddress?

    public init(
        family: UInt8, ifindex: Int32, prefixLength: UInt8, prefix: IPAddress?
    ) {
        self.family = family
        self.ifindex = ifindex
        self.prefixLength = prefixLength
        self.prefix = prefix
    }
}
