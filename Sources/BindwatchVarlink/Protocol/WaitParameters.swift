import BindwatchModel

import struct AddressClassification.ZonedIPAddress

/// The parameters of a `Wait` call, checked: the server's side of the call, here beside
/// `VarlinkParameters` so that the varlink fuzzer runs the same checks without the daemon.
package struct WaitParameters: Sendable {
    /// `family` and `interface`; a zone on `address` (fe80::1%eth0) sets `interface` through
    /// `applyZone`.
    package var filter: AddressFilter
    package var address: IPAddress?
    /// The zone of `address` as given: an interface's name or index, as `Explain` reads it.
    package private(set) var zone: String?
    /// Seconds; nil waits for ever.
    package var timeout: Double?
    package var settled: Bool
    package var minimumScope: KernelScope?

    package init(_ parameters: VarlinkParameters) throws(VarlinkError) {
        filter = try parameters.filter()
        if let text = try parameters.string("address") {
            let zoned: ZonedIPAddress
            do {
                // Classify's and Explain's parser, zone included, and so the same reasons.
                zoned = try ZonedIPAddress(text)
            } catch {
                throw VarlinkError.invalidAddress(error.reason)
            }
            address = zoned.address
            zone = zoned.zone
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

    /// The zone names the interface the address must be on, as `interface` does: `name` is
    /// that interface's name (the daemon's table reads an index zone).
    package mutating func applyZone(naming name: String) throws(VarlinkError) {
        guard filter.interface == nil || filter.interface == name else {
            throw VarlinkError.invalidParameter("address")
        }
        filter.interface = name
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
