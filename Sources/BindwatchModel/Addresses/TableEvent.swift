/// One change as a subscriber sees it, relative to its filter.
public struct TableEvent: Sendable {
    public enum Kind: String, Sendable {
        /// The address entered the filtered set.
        case added
        /// It stayed in the set and something other than the remaining lifetimes changed.
        case changed
        /// It left the set: its state at that moment (whose reasons say why), or its last
        /// state if the kernel deleted it.
        case removed
    }

    public var kind: Kind
    /// The table generation this change produced.
    public var generation: UInt64
    public var address: Address

    public init(kind: Kind, generation: UInt64, address: Address) {
        self.kind = kind
        self.generation = generation
        self.address = address
    }
}
