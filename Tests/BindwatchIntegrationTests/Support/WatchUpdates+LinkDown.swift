import BindwatchClient

extension WatchUpdates.AsyncIterator {
    /// Reads events until the IPv6 addresses of `interface` have had `expected` removals: how
    /// many other events they had meanwhile (a link set down should give them none), and the
    /// first of those.
    mutating func otherEventsBeforeRemovals(ofIPv6On interface: String, expected: Int) async throws -> (
        removed: Int, others: Int, firstOther: String
    ) {
        var removed = 0
        var others = 0
        var firstOther = ""
        while removed < expected, case .event(let event)? = try await next() {
            guard event.address.interface == interface && event.address.family == .inet6 else { continue }
            if event.kind == .removed {
                removed += 1
            } else {
                others += 1
                if firstOther.isEmpty { firstOther = "\(event.kind) \(event.address.id)" }
            }
        }
        return (removed, others, firstOther)
    }
}
