/// What an `AddressTable` tells about each change it makes, as it makes it: the daemon fans
/// changes out to subscribers and the event log; tests collect them.
public protocol TableChangeSink {
    /// False while nobody would see a change (no subscriber, event log not started): the table
    /// then only moves the generation, and makes no `Address` values.
    var isObserving: Bool { get }

    /// One change: `before` nil for a new address, `after` nil for one that went away.
    /// `generation` is the table's generation after it.
    mutating func tableChanged(before: Address?, after: Address?, generation: UInt64)

    /// An address was added, removed or re-evaluated, observed or not: a settled wait for it
    /// must look again.
    mutating func addressTouched(_ address: IPAddress)
}

/// A sink for changes nobody looks at.
public struct IgnoredChanges: TableChangeSink {
    public init() {}
    public var isObserving: Bool { false }
    public mutating func tableChanged(before: Address?, after: Address?, generation: UInt64) {}
    public mutating func addressTouched(_ address: IPAddress) {}
}

/// Every change, in order: for tests and tools.
public struct CollectedChanges: TableChangeSink {
    public struct Change: Sendable {
        public var before: Address?
        public var after: Address?
        public var generation: UInt64
    }

    public private(set) var changes: [Change] = []
    public private(set) var touched: [IPAddress] = []

    public init() {}
    public var isObserving: Bool { true }

    public mutating func tableChanged(before: Address?, after: Address?, generation: UInt64) {
        changes.append(Change(before: before, after: after, generation: generation))
    }

    public mutating func addressTouched(_ address: IPAddress) {
        touched.append(address)
    }
}
