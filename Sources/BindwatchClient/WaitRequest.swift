import BindwatchModel
import BindwatchVarlink

/// What a `Wait` waits for; see the interface description for each field.
public struct WaitRequest: Sendable, Equatable {
    public var filter: AddressFilter
    /// One address, as text (`fe80::1%eth0` names the link too).
    public var address: String?
    /// Seconds; nil waits for ever.
    public var timeout: Double?
    /// Until no address of the set is in DAD and one binds, rather than until one binds.
    public var settled: Bool
    /// `global`, `site` or `link`: the least scope the completing address must have.
    public var scope: KernelScope?

    public init(
        filter: AddressFilter = AddressFilter(), address: String? = nil, timeout: Double? = nil, settled: Bool = false,
        scope: KernelScope? = nil
    ) {
        self.filter = filter
        self.address = address
        self.timeout = timeout
        self.settled = settled
        self.scope = scope
    }

    func write(to json: inout JSONWriter) {
        filter.writeSelection(to: &json)
        if let address { json.field("address", address) }
        if let timeout {
            json.key("timeout")
            json.double(timeout)
        }
        if settled { json.field("settled", true) }
        if let scope { json.field("scope", scope.name) }
    }
}

/// A `Wait`'s answer: the best address, and with `settled` every bindable one, best first.
public struct WaitResult: Sendable {
    public var address: Address
    public var addresses: [Address]?
    /// With `settled`, the set's addresses that failed DAD: left out of `addresses`, and not
    /// bindable until re-added.
    public var failed: [Address]
}
