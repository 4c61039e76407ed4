import AddressClassification

/// An address as clients see it: the kernel's view plus the bindable verdict and its reasons.
public struct Address: Sendable, Equatable {
    public var key: AddressKey
    public var address: IPAddress { key.local }
    public var family: AddressFamily { key.local.family }
    public var ifindex: Int32 { key.ifindex }
    public var prefixLength: UInt8
    public var interface: String
    public var scope: KernelScope
    public var flags: AddressFlags
    public var peer: IPAddress?
    public var label: String?
    /// Seconds remaining when this value was made; nil means forever.
    public var lifetimes: AddressLifetimes?
    public var reasons: Reasons
    public var type: AddressType
    /// RFC 6724 precedence, for the preference order.
    public var precedence: UInt8

    public init(
        key: AddressKey, prefixLength: UInt8, interface: String, scope: KernelScope, flags: AddressFlags,
        peer: IPAddress?, label: String?, lifetimes: AddressLifetimes?, reasons: Reasons, type: AddressType,
        precedence: UInt8
    ) {
        self.key = key
        self.prefixLength = prefixLength
        self.interface = interface
        self.scope = scope
        self.flags = flags
        self.peer = peer
        self.label = label
        self.lifetimes = lifetimes
        self.reasons = reasons
        self.type = type
        self.precedence = precedence
    }

    public var id: String { key.id }
    public var isBindable: Bool { reasons.isEmpty }

    /// Equal in everything a client is told about, remaining lifetimes aside: the kernel
    /// repeats RTM_NEWADDR with only lifetimes changed, and those are not changes.
    public func isSameExceptLifetimes(as other: Address) -> Bool {
        key == other.key && prefixLength == other.prefixLength && interface == other.interface
            && scope == other.scope && flags == other.flags && peer == other.peer
            && label == other.label && reasons == other.reasons && type == other.type
    }
}
