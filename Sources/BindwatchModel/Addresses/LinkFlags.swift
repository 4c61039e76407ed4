/// The link flags bindwatch uses from `ifi_flags` (linux/if.h).
public struct LinkFlags: OptionSet, Sendable, Hashable {
    public let rawValue: UInt32
    public init(rawValue: UInt32) { self.rawValue = rawValue }

    public static let up = LinkFlags(rawValue: 0x1)
    public static let loopback = LinkFlags(rawValue: 0x8)
    public static let pointToPoint = LinkFlags(rawValue: 0x10)
    public static let running = LinkFlags(rawValue: 0x40)
    public static let lowerUp = LinkFlags(rawValue: 0x10000)

    /// The bits whose change can make the kernel create addresses (link-local after DAD) or
    /// change a `link-down` verdict.
    package static let state: LinkFlags = [.up, .running, .lowerUp]
}
