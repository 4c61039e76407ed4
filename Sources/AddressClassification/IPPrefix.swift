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
        self.address = IPAddress(
            trustedFamily: address.family, bytes: Self.mask(address.bytes, to: length))
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
        candidate.family == family && Self.mask(candidate.bytes, to: length) == address.bytes
    }

    /// Whether `other` lies entirely inside this block.
    public func contains(_ other: IPPrefix) -> Bool {
        other.family == family && other.length >= length && contains(other.address)
    }

    /// Canonical address text (RFC 5952), a slash, and the length.
    public var description: String { "\(address)/\(length)" }

    static func mask(_ bytes: [UInt8], to length: Int) -> [UInt8] {
        // A plain loop into a buffer of the right size: the table looks an address up once per
        // prefix length it holds, and the daemon classifies every address it learns.
        [UInt8](unsafeUninitializedCapacity: bytes.count) { masked, initialized in
            for index in 0..<bytes.count {
                let bitsKept = min(max(length - index * 8, 0), 8)
                masked[index] = bitsKept == 0 ? 0 : bytes[index] & ~(UInt8.max >> bitsKept)
            }
            initialized = bytes.count
        }
    }
}
