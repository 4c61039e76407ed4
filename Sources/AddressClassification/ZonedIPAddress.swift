/// An address with an optional zone index, as in `fe80::1%eth0`.
///
/// The zone is kept verbatim and echoed back; it is not resolved to an
/// interface here because this module does no I/O.
public struct ZonedIPAddress: Hashable, Sendable, CustomStringConvertible {
    public let address: IPAddress

    /// The text after "%", never empty when present.
    public let zone: String?

    public init(address: IPAddress, zone: String? = nil) {
        self.address = address
        self.zone = zone
    }

    /// Parses `address` or `address%zone`. Zones are accepted on IPv6 only, as
    /// getaddrinfo(3) does; IPv4 has no scoped addresses to disambiguate.
    public init(_ text: String) throws(InvalidAddress) {
        let characters = Array(text.utf8)
        guard let percent = characters.firstIndex(of: ASCII.percent) else {
            self.init(address: try IPAddress(text))
            return
        }
        let addressText = String(decoding: characters[..<percent], as: UTF8.self)
        let zoneCharacters = characters[(percent + 1)...]
        if addressText.isEmpty {
            throw InvalidAddress(text: text, reason: "missing address before the zone")
        }
        if zoneCharacters.isEmpty {
            throw InvalidAddress(text: text, reason: "empty zone after \"%\"")
        }
        // Interface names and numeric indexes never hold these; refusing them
        // keeps an echoed zone safe to print and to pass on.
        if let bad = zoneCharacters.first(where: { $0 <= 0x20 || $0 == 0x7f || $0 == ASCII.percent }) {
            throw InvalidAddress(text: text, reason: "unexpected \(ASCII.describe(bad)) in zone")
        }
        let address: IPAddress
        do {
            address = try IPAddress(addressText)
        } catch {
            throw InvalidAddress(text: text, reason: error.reason)
        }
        if address.family == .inet {
            throw InvalidAddress(text: text, reason: "a zone is only allowed on an IPv6 address")
        }
        self.init(address: address, zone: String(decoding: zoneCharacters, as: UTF8.self))
    }

    /// The canonical address text, then "%zone" if there is one.
    public var description: String {
        guard let zone else { return address.description }
        return "\(address)%\(zone)"
    }
}
