/// How many addresses of each family are in each state: bindable, or the first reason they
/// are not (`Reasons` order). Kept as the table changes, for `GetStatus` and the metrics.
public struct AddressStateCounts: Sendable, Equatable {
    /// Every state, in order: `bindable`, then each reason's name.
    public static let states: [String] = ["bindable"] + Reasons.all.names

    // inet's states, then inet6's; allocated once, changed in place.
    private var counts = [Int](repeating: 0, count: 2 * Self.states.count)

    public init() {}

    /// The state an address with these reasons is counted in.
    public static func state(of reasons: Reasons) -> String {
        states[stateIndex(reasons)]
    }

    public func count(family: AddressFamily, state: String) -> Int {
        guard let index = Self.states.firstIndex(of: state) else { return 0 }
        return counts[Self.offset(family) + index]
    }

    /// Sets a count as a `GetStatus` reply gives it; unknown states are ignored.
    public mutating func set(family: AddressFamily, state: String, to count: Int) {
        guard let index = Self.states.firstIndex(of: state) else { return }
        counts[Self.offset(family) + index] = count
    }

    /// Every family and state, 0 included, in a fixed order.
    public var all: [(family: AddressFamily, state: String, count: Int)] {
        [AddressFamily.inet, .inet6].flatMap { family in
            Self.states.indices.map { (family, Self.states[$0], counts[Self.offset(family) + $0]) }
        }
    }

    mutating func add(_ reasons: Reasons, family: AddressFamily, _ delta: Int) {
        counts[Self.offset(family) + Self.stateIndex(reasons)] += delta
    }

    /// Adds every count of `other` (which may hold differences) to these.
    mutating func add(_ other: AddressStateCounts) {
        for index in counts.indices { counts[index] += other.counts[index] }
    }

    private static func offset(_ family: AddressFamily) -> Int { family == .inet ? 0 : states.count }

    /// 0 for bindable, else 1 + the lowest reason bit: bit order is reporting order.
    private static func stateIndex(_ reasons: Reasons) -> Int {
        reasons.isEmpty ? 0 : 1 + reasons.rawValue.trailingZeroBitCount
    }
}
