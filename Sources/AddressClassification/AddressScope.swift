/// How far an address reaches, on the RFC 4291 Section 2.7 multicast scale
/// (RFC 7346 adds realm-local), which also orders unicast scopes.
///
/// Names follow `ip(8)` where Linux has one: interface-local (scop 1) is
/// called `host`, like RT_SCOPE_HOST on loopback addresses. Values with no
/// name in RFC 4291 or RFC 7346 are `unassigned`; 0 and 15 are `reserved`.
public struct AddressScope: RawRepresentable, Hashable, Comparable, Sendable,
    CustomStringConvertible
{
    /// The 4-bit scop value, 0...15.
    public let rawValue: UInt8

    /// Fails for values above 15.
    public init?(rawValue: UInt8) {
        guard rawValue <= 0xf else { return nil }
        self.rawValue = rawValue
    }

    /// The scope of a multicast address from its scop nibble (the low four bits
    /// of the second byte).
    public init(multicastScopeNibble nibble: UInt8) {
        rawValue = nibble & 0xf
    }

    private init(_ value: UInt8) { rawValue = value }

    /// Interface-local: never leaves the host (loopback).
    public static let host = AddressScope(0x1)
    public static let link = AddressScope(0x2)
    /// Realm-local, RFC 7346.
    public static let realm = AddressScope(0x3)
    public static let admin = AddressScope(0x4)
    public static let site = AddressScope(0x5)
    public static let organization = AddressScope(0x8)
    public static let global = AddressScope(0xe)

    /// `host`, `link`, `realm`, `admin`, `site`, `organization`, `global`,
    /// `reserved` (0 and 15) or `unassigned`.
    public var name: String {
        switch rawValue {
        case 0x1: "host"
        case 0x2: "link"
        case 0x3: "realm"
        case 0x4: "admin"
        case 0x5: "site"
        case 0x8: "organization"
        case 0xe: "global"
        case 0x0, 0xf: "reserved"
        default: "unassigned"
        }
    }

    public var description: String { name }

    /// Narrower scopes compare less, so `.host < .link < .site < .global`.
    public static func < (lhs: AddressScope, rhs: AddressScope) -> Bool {
        lhs.rawValue < rhs.rawValue
    }
}
