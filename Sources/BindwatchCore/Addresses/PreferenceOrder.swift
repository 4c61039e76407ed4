/// The order bindable addresses are returned in, best first, so a client taking the first
/// takes the best: not deprecated first; wider scope first; higher RFC 6724 precedence;
/// lower ifindex; then address bytes.
enum PreferenceOrder {
    static func areInIncreasingOrder(_ lhs: Address, _ rhs: Address) -> Bool {
        let lhsDeprecated = lhs.flags.contains(.deprecated)
        let rhsDeprecated = rhs.flags.contains(.deprecated)
        if lhsDeprecated != rhsDeprecated { return !lhsDeprecated }
        if lhs.scope.breadthRank != rhs.scope.breadthRank { return lhs.scope.breadthRank < rhs.scope.breadthRank }
        let lhsPrecedence = RFC6724Policy.precedence(of: lhs.address)
        let rhsPrecedence = RFC6724Policy.precedence(of: rhs.address)
        if lhsPrecedence != rhsPrecedence { return lhsPrecedence > rhsPrecedence }
        if lhs.ifindex != rhs.ifindex { return lhs.ifindex < rhs.ifindex }
        if lhs.address != rhs.address { return lhs.address < rhs.address }
        return lhs.id < rhs.id
    }
}
