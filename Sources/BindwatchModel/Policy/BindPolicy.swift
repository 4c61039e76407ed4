import AddressClassification
import Glibc

/// Which addresses the daemon publishes as bindable, beyond what the kernel allows.
public struct BindPolicy: Sendable, Equatable {
    /// Optimistic addresses bind, but libre-style callers exclude them until DAD ends.
    public var allowOptimistic: Bool = false
    /// Deprecated addresses bind; they are only skipped for new outgoing connections.
    public var allowDeprecated: Bool = false
    public var link: LinkRequirement = .up
    /// Shell globs (fnmatch); when not empty, only matching interfaces are published.
    public var includeInterfaces: [String] = []
    /// Shell globs (fnmatch); matching interfaces are never published.
    public var excludeInterfaces: [String] = []
    public var families: Set<AddressFamily> = Set(AddressFamily.allCases)
    /// Address types never published (`--exclude-type link-local`).
    public var excludeTypes: Set<AddressType> = []

    public init() {}

    /// The reasons an address is not bindable, in reporting order; empty when it is.
    public func reasons(
        flags: AddressFlags,
        family: AddressFamily,
        link: LinkFlags,
        interfaceName: String,
        type: AddressType
    ) -> Reasons {
        reasons(
            flags: flags, family: family, link: link, interfaceExcluded: isInterfaceExcluded(interfaceName), type: type)
    }

    /// The same, with the interface's verdict worked out once per link: re-evaluating a link's
    /// addresses then matches no glob and allocates nothing per address.
    public func reasons(
        flags: AddressFlags,
        family: AddressFamily,
        link: LinkFlags,
        interfaceExcluded: Bool,
        type: AddressType
    ) -> Reasons {
        var reasons: Reasons = []
        if family == .inet6 {
            // net/ipv6/af_inet6.c: bind() wants an address that is not tentative, or is optimistic;
            // a DAD failure leaves TENTATIVE set, so report the failure alone.
            if flags.contains(.dadFailed) {
                reasons.insert(.dadFailed)
            } else if flags.contains(.tentative) && !flags.contains(.optimistic) {
                reasons.insert(.tentative)
            }
        }
        if flags.contains(.optimistic) && !allowOptimistic { reasons.insert(.optimistic) }
        if flags.contains(.deprecated) && !allowDeprecated { reasons.insert(.deprecated) }
        switch self.link {
        case .any: break
        case .up: if !link.contains(.up) { reasons.insert(.linkDown) }
        case .running: if !link.isSuperset(of: [.up, .running]) { reasons.insert(.linkDown) }
        }
        if interfaceExcluded { reasons.insert(.interfaceExcluded) }
        if !families.contains(family) { reasons.insert(.familyExcluded) }
        if excludeTypes.contains(type) { reasons.insert(.typeExcluded) }
        return reasons
    }

    public func isInterfaceExcluded(_ name: String) -> Bool {
        if !includeInterfaces.isEmpty && !includeInterfaces.contains(where: { Self.glob($0, matches: name) }) {
            return true
        }
        return excludeInterfaces.contains { Self.glob($0, matches: name) }
    }

    package static func glob(_ pattern: String, matches name: String) -> Bool {
        fnmatch(pattern, name, 0) == 0
    }
}
