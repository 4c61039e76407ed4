import BindwatchModel

/// The parameters of a `Wait` call, checked: the server's side of the call, here beside
/// `VarlinkParameters` so that the varlink fuzzer runs the same checks without the daemon.
package struct WaitParameters: Sendable {
    /// `family` and `interface`; a zone on `address` (fe80::1%eth0) sets `interface`.
    package var filter: AddressFilter
    package var address: IPAddress?
    /// Seconds; nil waits for ever.
    package var timeout: Double?
    package var settled: Bool
    package var minimumScope: KernelScope?

    package init(_ parameters: VarlinkParameters) throws(VarlinkError) {
        filter = try parameters.filter()
        if let text = try parameters.string("address") {
            let parts = text.split(separator: "%", maxSplits: 1, omittingEmptySubsequences: false)
            do {
                // The same parser, and so the same reasons, as Classify's.
                address = try IPAddress(String(parts[0]))
            } catch {
                throw VarlinkError.invalidAddress(error.reason)
            }
            if parts.count == 2 {
                // A zone names the interface the address must be on.
                let zone = String(parts[1])
                guard !zone.isEmpty, filter.interface == nil || filter.interface == zone else {
                    throw VarlinkError.invalidParameter("address")
                }
                filter.interface = zone
            }
        }
        timeout = try parameters.number("timeout")
        if let timeout, !(timeout >= 0 && timeout <= 1e9) { throw VarlinkError.invalidParameter("timeout") }
        settled = try parameters.bool("settled") ?? false
        if let name = try parameters.string("scope") {
            switch name {
            case "global": minimumScope = .global
            case "site": minimumScope = .site
            case "link": minimumScope = .link
            default: throw VarlinkError.invalidParameter("scope")
            }
        }
    }

    package var settledRequest: SettledWaitRequest {
        SettledWaitRequest(
            family: filter.family, interface: filter.interface, address: address, minimumScope: minimumScope)
    }

    /// Without `settled`: a bindable address of the filter, of the scope asked for; without
    /// `address`, not a loopback or host-scope one.
    package func matches(_ candidate: Address) -> Bool {
        guard candidate.isBindable && filter.matches(candidate) else { return false }
        if let minimumScope, candidate.scope.breadthRank > minimumScope.breadthRank { return false }
        if let address { return candidate.address == address }
        return !candidate.address.isLoopback && candidate.scope != .host
    }
}
