/// A network interface as the address table knows it.
public struct Link: Sendable, Hashable {
    public var index: Int32
    public var name: String
    public var flags: LinkFlags
    /// IF_OPER_* from IFLA_OPERSTATE.
    public var operationalState: OperationalState
    /// ARPHRD_* from ifi_type.
    public var hardwareType: UInt16

    public init(index: Int32, name: String, flags: LinkFlags, operationalState: OperationalState, hardwareType: UInt16)
    {
        self.index = index
        self.name = name
        self.flags = flags
        self.operationalState = operationalState
        self.hardwareType = hardwareType
    }
}

/// RFC 2863 operational state (IF_OPER_* in linux/if.h), named as `ip link` names it.
public struct OperationalState: RawRepresentable, Sendable, Hashable {
    public let rawValue: UInt8
    public init(rawValue: UInt8) { self.rawValue = rawValue }

    public var name: String {
        switch rawValue {
        case 0: "unknown"
        case 1: "notpresent"
        case 2: "down"
        case 3: "lowerlayerdown"
        case 4: "testing"
        case 5: "dormant"
        case 6: "up"
        default: String(rawValue)
        }
    }
}
