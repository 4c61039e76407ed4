/// Why an address is not in the bindable set. Empty exactly when the address is bindable.
///
/// Bit order is reporting order: the kernel's reasons first (bind() fails with EADDRNOTAVAIL),
/// then the reasons the policy adds.
public struct Reasons: OptionSet, Sendable, Hashable {
    public let rawValue: UInt16
    public init(rawValue: UInt16) { self.rawValue = rawValue }

    /// DAD found a duplicate. Reported alone, although the kernel also keeps TENTATIVE set.
    public static let dadFailed = Reasons(rawValue: 1 << 0)
    /// DAD is running and the address is not optimistic.
    public static let tentative = Reasons(rawValue: 1 << 1)
    public static let optimistic = Reasons(rawValue: 1 << 2)
    public static let deprecated = Reasons(rawValue: 1 << 3)
    public static let linkDown = Reasons(rawValue: 1 << 4)
    public static let interfaceExcluded = Reasons(rawValue: 1 << 5)
    public static let familyExcluded = Reasons(rawValue: 1 << 6)
    public static let typeExcluded = Reasons(rawValue: 1 << 7)

    /// Reasons that come from the kernel: bind() itself fails.
    public static let kernel: Reasons = [.dadFailed, .tentative]
    /// Every reason there is.
    public static let all: Reasons = [
        .dadFailed, .tentative, .optimistic, .deprecated, .linkDown, .interfaceExcluded, .familyExcluded,
        .typeExcluded,
    ]

    private static let ordered: [(Reasons, String)] = [
        (.dadFailed, "dadfailed"), (.tentative, "tentative"), (.optimistic, "optimistic"),
        (.deprecated, "deprecated"), (.linkDown, "link-down"),
        (.interfaceExcluded, "interface-excluded"), (.familyExcluded, "family-excluded"),
        (.typeExcluded, "type-excluded"),
    ]

    /// The names, in reporting order.
    public var names: [String] {
        var names: [String] = []
        forEachName { names.append($0) }
        return names
    }

    /// The names of `names`, one by one, without an array: events write them.
    package func forEachName(_ body: (String) -> Void) {
        guard rawValue != 0 else { return }
        for (reason, name) in Self.ordered where contains(reason) { body(name) }
    }

    public init?(names: [String]) {
        var reasons: Reasons = []
        for name in names {
            guard let entry = Self.ordered.first(where: { $0.1 == name }) else { return nil }
            reasons.insert(entry.0)
        }
        self = reasons
    }
}
