import Testing

@testable import AddressClassification

/// Random addresses from a fixed seed, half of them drawn from inside a
/// random registry or type-table row so the special blocks are exercised.
struct RandomAddresses {
    var generator: SeededGenerator

    init(seed: UInt64) { generator = SeededGenerator(seed: seed) }

    mutating func next() -> IPAddress {
        let family: IPAddress.Family = Bool.random(using: &generator) ? .inet : .inet6
        var bytes = (0..<family.byteCount).map { _ in sparseByte() }
        let anchors =
            (SpecialPurposeRegistry.table.rows.map(\.network)
            + AddressTypeRule.table.rows.map(\.network)).filter { $0.family == family }
        if Bool.random(using: &generator), let anchor = anchors.randomElement(using: &generator) {
            // Keep the anchor's network bits, randomise the rest.
            let allOnes = IPAddress(family: family, bytes: Array(repeating: 0xff, count: bytes.count))!
            let hostMask = IPPrefix.masked(allOnes, to: anchor.length).bytes
            bytes = zip(zip(anchor.address.bytes, hostMask), bytes).map { pair, random in
                pair.0 | (random & ~pair.1)
            }
        }
        return IPAddress(family: family, bytes: bytes)!
    }

    /// Zero or 0xff a quarter of the time each, so zero runs, ::/96 and
    /// ::ffff:0:0/96 turn up.
    private mutating func sparseByte() -> UInt8 {
        switch UInt8.random(in: 0...3, using: &generator) {
        case 0: 0
        case 1: 0xff
        default: UInt8.random(in: 0...255, using: &generator)
        }
    }
}

@Suite("Properties over random addresses")
struct PropertyTests {
    static let sampleCount = 20_000

    /// Type predicates written straight from the RFCs' bit patterns,
    /// independently of the type table.
    private static func matchingTypes(_ address: IPAddress) -> [AddressType] {
        let b = address.bytes
        var types: [AddressType] = []
        if address.family == .inet6 {
            let first12Zero = b[0..<12].allSatisfy { $0 == 0 }
            if b.allSatisfy({ $0 == 0 }) { types.append(.unspecified) }
            if b[0..<15].allSatisfy({ $0 == 0 }) && b[15] == 1 { types.append(.loopback) }
            if b[0] == 0xff { types.append(.multicast) }
            if b[0] == 0xfe && b[1] & 0xc0 == 0x80 { types.append(.linkLocal) }
            if b[0] == 0xfe && b[1] & 0xc0 == 0xc0 { types.append(.siteLocal) }
            if b[0] & 0xfe == 0xfc { types.append(.uniqueLocal) }
            if b[0..<10].allSatisfy({ $0 == 0 }) && b[10] == 0xff && b[11] == 0xff {
                types.append(.ipv4Mapped)
            }
            if first12Zero && !types.contains(.unspecified) && !types.contains(.loopback) {
                types.append(.ipv4Compatible)
            }
        } else {
            let value = address.ipv4Value!
            if value == 0 { types.append(.unspecified) }
            if (value >> 24 == 0 && value != 0) || (value >> 28 == 0xf && value != 0xffff_ffff) {
                types.append(.reserved)
            }
            if value >> 24 == 10 || value >> 20 == 0xac1 || value >> 16 == 0xc0a8 {
                types.append(.private)
            }
            if value & 0xffc0_0000 == 0x6440_0000 { types.append(.shared) }
            if value >> 24 == 127 { types.append(.loopback) }
            if value >> 16 == 0xa9fe { types.append(.linkLocal) }
            if value >> 28 == 0xe { types.append(.multicast) }
            if value == 0xffff_ffff { types.append(.broadcast) }
        }
        return types.isEmpty ? [.globalUnicast] : types
    }

    @Test("every address has exactly one type, and it is the one the RFCs give")
    func exactlyOneType() {
        var random = RandomAddresses(seed: 0x6269_6e64)
        var seen: Set<AddressType> = []
        for _ in 0..<Self.sampleCount {
            let address = random.next()
            let matching = Self.matchingTypes(address)
            #expect(matching.count == 1, "\(address) matches \(matching)")
            #expect(address.addressType == matching.first, "\(address)")
            #expect(AddressType.vocabulary(for: address.family).contains(address.addressType))
            seen.insert(address.addressType)
        }
        #expect(seen == Set(AddressType.allCases), "the generator reached every type")
    }

    @Test("the most specific registry row wins, as a brute-force scan finds")
    func mostSpecificRowWins() {
        var random = RandomAddresses(seed: 0x7761_7463)
        var rowsSeen: Set<String> = []
        for _ in 0..<Self.sampleCount {
            let address = random.next()
            let containing = SpecialPurposeRegistry.table.rows.filter { $0.network.contains(address) }
            let longest = containing.map(\.network.length).max()
            let expected = containing.filter { $0.network.length == longest }
            #expect(expected.count <= 1, "two rows of equal length contain \(address)")
            let found = SpecialPurposeRegistry.mostSpecificRow(containing: address)
            #expect(found == expected.first, "\(address)")
            if let found { rowsSeen.insert(found.prefix) }
            // The same holds for the type and policy tables.
            let rule = AddressTypeRule.table.rows.filter { $0.network.contains(address) }
                .max { $0.network.length < $1.network.length }
            #expect(address.addressTypeRule == rule)
            let policy = AddressSelectionPolicy.defaultTable.rows
                .filter { $0.network.contains(address.ipv4Mapped) }
                .max { $0.network.length < $1.network.length }
            #expect(AddressSelectionPolicy.defaultPolicy(for: address) == policy)
        }
        #expect(rowsSeen.count == SpecialPurposeRegistry.table.rows.count, "every row was hit")
    }

    @Test("reachability follows the stated rule; text round-trips")
    func reachabilityAndText() throws {
        var random = RandomAddresses(seed: 0x6c65_6761)
        for _ in 0..<Self.sampleCount {
            let address = random.next()
            let classification = Classification(address)
            let expected: Bool
            if let special = classification.special {
                expected = special.globallyReachable == true
            } else if classification.type == .multicast {
                expected = classification.scope == .global
            } else {
                expected = address.family == .inet || address.bytes[0] >> 5 == 0b001
            }
            #expect(classification.globallyReachable == expected, "\(address)")
            #expect(try IPAddress(address.description) == address)
            #expect(try Classification(parsing: classification.address) == classification)
            // Multicast scope is the scop nibble; legacy and modern differ only
            // in the RESERVED fallback.
            if let modern = classification.kernel, let legacy = classification.legacyKernel {
                if modern.type != legacy.type {
                    #expect(
                        legacy.type == [.reserved, .scopeGlobal] && modern.type == [.unicast, .scopeGlobal])
                }
                if classification.type == .multicast {
                    #expect(modern.type.scope == Int(classification.scope.rawValue))
                }
            }
        }
    }
}
