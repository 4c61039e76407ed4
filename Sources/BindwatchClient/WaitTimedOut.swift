import BindwatchModel

/// A `Wait` that timed out (`io.bindwatch.Timeout`): what its set held at that moment.
public struct WaitTimedOut: Error, Sendable, CustomStringConvertible {
    /// The addresses of the set still in DAD.
    public var pending: [Address]
    /// Up to 64 addresses of the set that neither bind nor wait for DAD, best first; their
    /// `reasons` say why.
    public var unbindable: [Address]

    public var description: String {
        let named =
            pending.map { "\($0.address) on \($0.interface): in DAD" }
            + unbindable.map { "\($0.address) on \($0.interface): \($0.reasons.names.joined(separator: ", "))" }
        return named.isEmpty ? "io.bindwatch.Timeout" : "io.bindwatch.Timeout: " + named.joined(separator: "; ")
    }
}
