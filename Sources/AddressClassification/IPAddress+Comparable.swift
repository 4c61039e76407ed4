extension IPAddress: Comparable {
    /// IPv4 before IPv6, then by bytes, so sorted lists read like `ip addr`.
    public static func < (lhs: IPAddress, rhs: IPAddress) -> Bool {
        if lhs.family != rhs.family { return lhs.family == .inet }
        return lhs.bytes.lexicographicallyPrecedes(rhs.bytes)
    }
}
