/// How far up a link must be for its addresses to count as bindable (`--link`).
public enum LinkRequirement: String, Sendable, CaseIterable {
    /// Any state; IPv4 addresses bind even on a link that is down.
    case any
    /// Administratively up (IFF_UP), the default.
    case up
    /// Up and running (IFF_UP and IFF_RUNNING: carrier present, operationally usable).
    case running
}
