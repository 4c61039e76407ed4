extension IPAddress: Comparable {
    /// IPv4 before IPv6, then by bytes, so sorted lists read like `ip addr`.
    public static func < (lhs: IPAddress, rhs: IPAddress) -> Bool {
        (lhs.family, lhs.high, lhs.low) < (rhs.family, rhs.high, rhs.low)
    }
}
