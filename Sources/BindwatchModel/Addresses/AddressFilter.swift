/// The selection a `List`, `Watch` or `Wait` asks for. Filters combine.
public struct AddressFilter: Sendable, Equatable {
    public var family: AddressFamily?
    /// Matches the interface's current name.
    public var interface: String?
    /// Every address, not only the bindable set.
    public var includesUnbindable: Bool

    public init(family: AddressFamily? = nil, interface: String? = nil, includesUnbindable: Bool = false) {
        self.family = family
        self.interface = interface
        self.includesUnbindable = includesUnbindable
    }

    public func matches(_ address: Address) -> Bool {
        (family == nil || family == address.family)
            && (interface == nil || interface == address.interface)
            && (includesUnbindable || address.isBindable)
    }
}
