import BindwatchClient

/// One run of the scripts: what changed in the bindable set since the last run, and the set.
public struct DispatchRun: Sendable {
    public enum Action: String, Sendable {
        /// The first run, with the whole set as `added`.
        case startup
        case changed
    }

    public var action: Action
    /// The daemon's table generation the set is from.
    public var generation: UInt64
    /// Addresses that became bindable, best first.
    public var added: [Address]
    /// Addresses that stopped being bindable or went away, as last seen.
    public var removed: [Address]
    /// The whole bindable set under the filter, best first (`List`'s order).
    public var bindable: [Address]

    /// The interfaces with a change, sorted.
    public var interfaces: [String] {
        Array(Set((added + removed).map(\.interface))).sorted()
    }
}
