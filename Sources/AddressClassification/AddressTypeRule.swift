/// One row of the address-architecture table: every address in `network`
/// has `type`, unless a longer row says otherwise.
public struct AddressTypeRule: PrefixTableRow, Hashable, Sendable {
    public let network: IPPrefix
    public let type: AddressType

    /// Where the type is defined, such as "RFC 4291, Section 2.5.6".
    public let rfc: String

    public init(network: IPPrefix, type: AddressType, rfc: String) {
        self.network = network
        self.type = type
        self.rfc = rfc
    }

    init(_ network: String, _ type: AddressType, _ rfc: String) {
        self.init(network: IPPrefix(tableEntry: network), type: type, rfc: rfc)
    }
}
