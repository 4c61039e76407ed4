/// A `Wait` with `settled: true`: it ends once no address of its filter is in DAD and at least
/// one is bindable (of at least `minimumScope`). A service started then binds every address
/// the answer lists; a Wait that ended at the first bindable address could release it while
/// another address was still tentative, and its bind() would fail with EADDRNOTAVAIL.
public struct SettledWaitRequest: Sendable, Equatable {
    public var family: AddressFamily?
    /// The link's current name.
    public var interface: String?
    /// One address; with it, the set is that address alone (on `interface`, if given).
    public var address: IPAddress?
    /// The completing bindable address must have at least this scope; nil: any.
    public var minimumScope: KernelScope?

    public init(
        family: AddressFamily? = nil, interface: String? = nil, address: IPAddress? = nil,
        minimumScope: KernelScope? = nil
    ) {
        self.family = family
        self.interface = interface
        self.address = address
        self.minimumScope = minimumScope
    }

    /// Loopback and host-scope addresses count only when the call names them, through
    /// `interface` or `address`: otherwise `lo` alone would settle every host at once.
    package var namesItsAddresses: Bool { interface != nil || address != nil }

    /// The widest breadth rank (`KernelScope.breadthRank`) a completing address may have.
    package var widestAcceptedRank: Int {
        if let minimumScope { return minimumScope.breadthRank }
        return namesItsAddresses ? KernelScope.nowhere.breadthRank : KernelScope.link.breadthRank
    }

    package func matches(family: AddressFamily, local: IPAddress) -> Bool {
        (self.family == nil || self.family == family) && (address == nil || address == local)
    }
}
