/// The kernel's IFA_F_* address flags (linux/if_addr.h). Bits above 0x80 exist only in the
/// 32-bit IFA_FLAGS attribute.
public struct AddressFlags: OptionSet, Sendable, Hashable {
    public let rawValue: UInt32
    public init(rawValue: UInt32) { self.rawValue = rawValue }

    /// IFA_F_SECONDARY for IPv4; the same bit is IFA_F_TEMPORARY for IPv6.
    public static let secondary = AddressFlags(rawValue: 0x01)
    public static let temporary = AddressFlags(rawValue: 0x01)
    public static let noDAD = AddressFlags(rawValue: 0x02)
    public static let optimistic = AddressFlags(rawValue: 0x04)
    public static let dadFailed = AddressFlags(rawValue: 0x08)
    public static let homeAddress = AddressFlags(rawValue: 0x10)
    public static let deprecated = AddressFlags(rawValue: 0x20)
    public static let tentative = AddressFlags(rawValue: 0x40)
    public static let permanent = AddressFlags(rawValue: 0x80)
    public static let manageTemporaryAddress = AddressFlags(rawValue: 0x100)
    public static let noPrefixRoute = AddressFlags(rawValue: 0x200)
    public static let multicastAutoJoin = AddressFlags(rawValue: 0x400)
    public static let stablePrivacy = AddressFlags(rawValue: 0x800)

    /// iproute2's names, in bit order. Bit 0x01 reads `temporary` for IPv6, `secondary` for IPv4.
    private static let namedBits: [(bit: UInt32, name: String)] = [
        (0x02, "nodad"), (0x04, "optimistic"), (0x08, "dadfailed"), (0x10, "home"),
        (0x20, "deprecated"), (0x40, "tentative"), (0x80, "permanent"), (0x100, "mngtmpaddr"),
        (0x200, "noprefixroute"), (0x400, "autojoin"), (0x800, "stable-privacy"),
    ]

    /// Names for the bits that are set; bits without a name stay visible as hex (`0x1000`).
    public func names(family: AddressFamily) -> [String] {
        var names: [String] = []
        forEachName(family: family) { names.append($0) }
        return names
    }

    /// The flags `names(family:)` gives these names; nil for a name it never gives.
    public init?(names: [String], family: AddressFamily) {
        var value: UInt32 = 0
        for name in names {
            if name == (family == .inet6 ? "temporary" : "secondary") {
                value |= 0x01
            } else if let named = Self.namedBits.first(where: { $0.name == name }) {
                value |= named.bit
            } else if name.hasPrefix("0x"), let bit = UInt32(name.dropFirst(2), radix: 16), bit.nonzeroBitCount == 1 {
                value |= bit
            } else {
                return nil
            }
        }
        self.init(rawValue: value)
    }

    /// The names of `names(family:)`, one by one, without an array: events write them.
    package func forEachName(family: AddressFamily, _ body: (String) -> Void) {
        guard rawValue != 0 else { return }
        if rawValue & 0x01 != 0 {
            body(family == .inet6 ? "temporary" : "secondary")
        }
        var known: UInt32 = 0x01
        for (bit, name) in Self.namedBits {
            known |= bit
            if rawValue & bit != 0 { body(name) }
        }
        var unknown = rawValue & ~known
        while unknown != 0 {
            let bit = unknown & (~unknown &+ 1)
            body("0x" + String(bit, radix: 16))
            unknown &= ~bit
        }
    }
}
