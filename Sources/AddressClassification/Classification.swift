/// Everything this module knows about one address.
public struct Classification: Hashable, Sendable {
    /// The address as parsed, with its zone if one was given.
    public let zonedAddress: ZonedIPAddress

    /// Architectural type; see `AddressType`.
    public let type: AddressType

    /// See `IPAddress.scope`.
    public let scope: AddressScope

    /// IPv6: inside IANA's allocated 2000::/3. IPv4: nil.
    public let ianaGlobalUnicast: Bool?

    /// The most specific IANA special-purpose registry row, if any.
    public let special: SpecialPurpose?

    /// The special row's Globally Reachable flag (N/A or empty counts as
    /// false); with no row, unicast is reachable if IPv4 or inside 2000::/3,
    /// and multicast only at global scope.
    public let globallyReachable: Bool

    /// Today's kernel typing (IPv6 only).
    public let kernel: KernelView?

    /// 2.6.2x–2.6.3x kernel typing (IPv6 only).
    public let legacyKernel: KernelView?

    /// RFC 6724 default policy table precedence.
    public let precedence: Int

    /// RFC 6724 default policy table label.
    public let label: Int

    /// Classifies an already parsed address.
    public init(_ zonedAddress: ZonedIPAddress) {
        let address = zonedAddress.address
        let policy = AddressSelectionPolicy.defaultPolicy(for: address)
        self.zonedAddress = zonedAddress
        type = address.addressType
        scope = address.scope
        ianaGlobalUnicast = address.isInIANAGlobalUnicastBlock
        special = SpecialPurposeRegistry.mostSpecificRow(containing: address)
        globallyReachable = Self.isGloballyReachable(
            address, type: type, scope: scope, special: special)
        kernel = LinuxKernelRules.modern.view(of: address)
        legacyKernel = LinuxKernelRules.legacy.view(of: address)
        precedence = policy.precedence
        label = policy.label
    }

    /// Classifies an address without a zone.
    public init(_ address: IPAddress) {
        self.init(ZonedIPAddress(address: address))
    }

    /// Parses and classifies any `inet_pton` form, optionally with `%zone`.
    public init(parsing text: String) throws(InvalidAddress) {
        self.init(try ZonedIPAddress(text))
    }

    /// The canonical text, with "%zone" echoed if one was given.
    public var address: String { zonedAddress.description }

    public var ipAddress: IPAddress { zonedAddress.address }

    public var family: IPAddress.Family { ipAddress.family }

    private static func isGloballyReachable(
        _ address: IPAddress, type: AddressType, scope: AddressScope, special: SpecialPurpose?
    ) -> Bool {
        if let special { return special.globallyReachable ?? false }
        if type == .multicast { return scope == .global }
        return address.isInIANAGlobalUnicastBlock ?? true
    }
}
