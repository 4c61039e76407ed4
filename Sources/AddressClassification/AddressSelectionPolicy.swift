/// A row of the RFC 6724 Section 2.1 policy table: the precedence and label
/// that destination and source address selection give a block.
public struct AddressSelectionPolicy: PrefixTableRow, Hashable, Sendable {
    public let network: IPPrefix

    /// Higher is preferred as a destination (RFC 6724 Section 6, Rule 6).
    public let precedence: Int

    /// Sources and destinations with equal labels pair up (Rule 5 / Rule 6).
    public let label: Int

    public init(network: IPPrefix, precedence: Int, label: Int) {
        self.network = network
        self.precedence = precedence
        self.label = label
    }

    init(_ network: String, precedence: Int, label: Int) {
        self.init(network: IPPrefix(tableEntry: network), precedence: precedence, label: label)
    }

    /// The default-table row for `address`; IPv4 is looked up as its
    /// IPv4-mapped form, as RFC 6724 Section 2.1 specifies. Never nil in
    /// practice because the table has `::/0`.
    public static func defaultPolicy(for address: IPAddress) -> AddressSelectionPolicy {
        guard let row = defaultTable.longestMatch(for: address.ipv4Mapped) else {
            preconditionFailure("the default policy table lost its ::/0 row")
        }
        return row
    }
}

extension IPAddress {
    /// RFC 6724 default-policy precedence (IPv4 looked up as ::ffff:0:0/96).
    public var precedence: Int { AddressSelectionPolicy.defaultPolicy(for: self).precedence }
}
