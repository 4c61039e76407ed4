/// The order bindable addresses are returned in, best first, so a client taking the first
/// takes the best: not deprecated first; wider scope first; higher RFC 6724 precedence;
/// lower ifindex; then address bytes.
package enum PreferenceOrder {
    /// Sorts with each address's key computed once, not once per comparison.
    package static func sort(_ addresses: inout [Address]) {
        var keyed = addresses.map { (key: SortKey($0), address: $0) }
        keyed.sort { $0.key < $1.key }
        addresses = keyed.map(\.address)
    }

    private struct SortKey: Comparable {
        var deprecated: Bool
        var breadth: Int
        /// Negated: higher precedence first.
        var negatedPrecedence: Int
        var ifindex: Int32
        var address: IPAddress
        var prefixLength: UInt8
        var remote: IPAddress?

        init(_ address: Address) {
            deprecated = address.flags.contains(.deprecated)
            breadth = address.scope.breadthRank
            negatedPrecedence = -Int(address.precedence)
            ifindex = address.ifindex
            self.address = address.address
            prefixLength = address.key.prefixLength
            remote = address.key.remote
        }

        static func < (lhs: SortKey, rhs: SortKey) -> Bool {
            if lhs.deprecated != rhs.deprecated { return !lhs.deprecated }
            if lhs.breadth != rhs.breadth { return lhs.breadth < rhs.breadth }
            if lhs.negatedPrecedence != rhs.negatedPrecedence { return lhs.negatedPrecedence < rhs.negatedPrecedence }
            if lhs.ifindex != rhs.ifindex { return lhs.ifindex < rhs.ifindex }
            if lhs.address != rhs.address { return lhs.address < rhs.address }
            if lhs.prefixLength != rhs.prefixLength { return lhs.prefixLength < rhs.prefixLength }
            switch (lhs.remote, rhs.remote) {
            case (let left?, let right?): return left < right
            case (nil, _?): return true
            default: return false
            }
        }
    }
}
