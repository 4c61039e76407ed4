/// An address block such as `2001:db8::/32`: a network address and a
/// prefix length, with every bit past the length zero.
public struct IPPrefix: Hashable, Sendable, CustomStringConvertible {
    /// The first address of the block; its host bits are zero.
    public let address: IPAddress

    /// The number of leading bits that every member shares.
    public let length: Int

    /// The block of `length` bits containing `address` (host bits are cleared);
    /// nil if the length does not fit the family.
    public init?(containing address: IPAddress, length: Int) {
        guard (0...address.family.bitCount).contains(length) else { return nil }
        self.address = Self.masked(address, to: length)
        self.length = length
    }

    /// Parses `address/length`. Host bits must be zero, so a mistyped block
    /// such as `192.0.2.1/24` is reported rather than silently widened.
    public init(_ text: String) throws(InvalidAddress) {
        let characters = Array(text.utf8)
        guard let slash = characters.firstIndex(of: ASCII.slash) else {
            throw InvalidAddress(text: text, reason: "missing \"/\" and prefix length")
        }
        let lengthCharacters = characters[(slash + 1)...]
        guard !lengthCharacters.isEmpty, lengthCharacters.count <= 3,
            lengthCharacters.allSatisfy({ (ASCII.zero...ASCII.nine).contains($0) }),
            lengthCharacters.count == 1 || lengthCharacters.first != ASCII.zero
        else {
            throw InvalidAddress(text: text, reason: "prefix length is not a decimal number")
        }
        let address: IPAddress
        do {
            address = try IPAddress(String(decoding: characters[..<slash], as: UTF8.self))
        } catch {
            throw InvalidAddress(text: text, reason: error.reason)
        }
        let length = lengthCharacters.reduce(0) { $0 * 10 + Int($1 - ASCII.zero) }
        guard let prefix = IPPrefix(containing: address, length: length) else {
            throw InvalidAddress(
                text: text, reason: "prefix length greater than \(address.family.bitCount)")
        }
        if prefix.address != address {
            throw InvalidAddress(text: text, reason: "host bits set past /\(length)")
        }
        self = prefix
    }

    public var family: IPAddress.Family { address.family }

    /// Whether `candidate` is in this block; always false across families.
    public func contains(_ candidate: IPAddress) -> Bool {
        candidate.family == family && Self.masked(candidate, to: length) == address
    }

    /// Whether `other` lies entirely inside this block.
    public func contains(_ other: IPPrefix) -> Bool {
        other.family == family && other.length >= length && contains(other.address)
    }

    /// Canonical address text (RFC 5952), a slash, and the length.
    public var description: String { "\(address)/\(length)" }

    /// `address` with every bit past the first `length` cleared.
    static func masked(_ address: IPAddress, to length: Int) -> IPAddress {
        func keep(_ word: UInt64, _ bits: Int) -> UInt64 {
            bits <= 0 ? 0 : bits >= 64 ? word : word & ~(UInt64.max >> UInt64(bits))
        }
        return IPAddress(family: address.family, high: keep(address.high, length), low: keep(address.low, length - 64))
    }
}
