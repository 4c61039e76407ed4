/// How many changes of each kind the table has made, whoever was watching.
public struct AddressEventCounts: Sendable, Equatable {
    public var added = 0
    public var changed = 0
    public var removed = 0

    public init(added: Int = 0, changed: Int = 0, removed: Int = 0) {
        self.added = added
        self.changed = changed
        self.removed = removed
    }

    mutating func count(_ kind: TableEvent.Kind) {
        switch kind {
        case .added: added += 1
        case .changed: changed += 1
        case .removed: removed += 1
        }
    }
}
