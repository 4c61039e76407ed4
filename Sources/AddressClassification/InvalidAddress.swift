/// Text that is not an address this module accepts, and why.
public struct InvalidAddress: Error, Hashable, Sendable, CustomStringConvertible {
    /// The text as given.
    public let text: String

    /// A short human reason, such as "IPv4 octet greater than 255".
    public let reason: String

    public init(text: String, reason: String) {
        self.text = text
        self.reason = reason
    }

    public var description: String { "invalid address \"\(text)\": \(reason)" }
}
