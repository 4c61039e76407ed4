import BindwatchClient

/// The bindable set as a Watch reports it, and the set the scripts were last run with. The
/// difference between the two is the next run: changes that arrive while scripts run merge
/// into it, so a run never reports what is already obsolete, and nothing twice.
public struct BindableSetTracker: Sendable {
    /// nil while there is no connection to the daemon, or no snapshot on it yet.
    public private(set) var current: [AddressKey: Address]?
    /// nil until the startup run.
    public private(set) var dispatched: [AddressKey: Address]?
    public private(set) var generation: UInt64 = 0

    public init() {}

    public mutating func apply(_ update: WatchUpdate) {
        switch update {
        case .snapshot(let generation, let addresses):
            current = Dictionary(addresses.map { ($0.key, $0) }, uniquingKeysWith: { $1 })
            self.generation = generation
        case .event(let event):
            // Events arrive only after the snapshot on the same connection.
            guard current != nil else { return }
            switch event.kind {
            case .added, .changed: current![event.address.key] = event.address
            case .removed: current![event.address.key] = nil
            }
            generation = event.generation
        }
    }

    /// The connection ended: until the next snapshot nothing is known, and nothing runs.
    public mutating func connectionLost() {
        current = nil
    }

    /// What the scripts should be told now, or nil when the set is what they last saw.
    public func pendingRun() -> DispatchRun? {
        guard let current else { return nil }
        var bindable = Array(current.values)
        PreferenceOrder.sort(&bindable)
        guard let dispatched else {
            return DispatchRun(
                action: .startup, generation: generation, added: bindable, removed: [], bindable: bindable)
        }
        let added = bindable.filter { dispatched[$0.key] == nil }
        var removed = dispatched.values.filter { current[$0.key] == nil }
        guard !added.isEmpty || !removed.isEmpty else { return nil }
        PreferenceOrder.sort(&removed)
        return DispatchRun(action: .changed, generation: generation, added: added, removed: removed, bindable: bindable)
    }

    /// The scripts have seen `run`: the next run is relative to its set.
    public mutating func dispatched(_ run: DispatchRun) {
        dispatched = Dictionary(run.bindable.map { ($0.key, $0) }, uniquingKeysWith: { $1 })
    }
}
