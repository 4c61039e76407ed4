import Testing

@testable import AddressClassification

/// One expectation per registry row: an address inside the row but outside
/// any more specific row, and the row's flags restated from the registry.
struct RegistryRowCase: Sendable, CustomTestStringConvertible {
    let sample: String
    let prefix: String
    let name: String
    /// Source, Destination, Forwardable, Globally Reachable,
    /// Reserved-by-Protocol: T, F, or N for N/A / empty.
    let flags: String

    var testDescription: String { "\(prefix) via \(sample)" }

    init(_ sample: String, _ prefix: String, _ name: String, _ flags: String) {
        self.sample = sample
        self.prefix = prefix
        self.name = name
        self.flags = flags
    }

    static let ipv4: [RegistryRowCase] = [
        .init("0.1.2.3", "0.0.0.0/8", "\"This network\"", "TFFFT"),
        .init("0.0.0.0", "0.0.0.0/32", "\"This host on this network\"", "TFFFT"),
        .init("10.20.30.40", "10.0.0.0/8", "Private-Use", "TTTFF"),
        .init("100.127.255.254", "100.64.0.0/10", "Shared Address Space", "TTTFF"),
        .init("127.0.0.1", "127.0.0.0/8", "Loopback", "FFFFT"),
        .init("169.254.1.1", "169.254.0.0/16", "Link Local", "TTFFT"),
        .init("172.31.0.1", "172.16.0.0/12", "Private-Use", "TTTFF"),
        .init("192.0.0.100", "192.0.0.0/24", "IETF Protocol Assignments", "FFFFF"),
        .init("192.0.0.1", "192.0.0.0/29", "IPv4 Service Continuity Prefix", "TTTFF"),
        .init("192.0.0.8", "192.0.0.8/32", "IPv4 dummy address", "TFFFF"),
        .init("192.0.0.9", "192.0.0.9/32", "Port Control Protocol Anycast", "TTTTF"),
        .init("192.0.0.10", "192.0.0.10/32", "Traversal Using Relays around NAT Anycast", "TTTTF"),
        .init("192.0.0.170", "192.0.0.170/32", "NAT64/DNS64 Discovery", "FFFFT"),
        .init("192.0.0.171", "192.0.0.171/32", "NAT64/DNS64 Discovery", "FFFFT"),
        .init("192.0.2.1", "192.0.2.0/24", "Documentation (TEST-NET-1)", "FFFFF"),
        .init("192.31.196.1", "192.31.196.0/24", "AS112-v4", "TTTTF"),
        .init("192.52.193.1", "192.52.193.0/24", "AMT", "TTTTF"),
        .init("192.88.99.1", "192.88.99.0/24", "Deprecated (6to4 Relay Anycast)", "NNNNN"),
        .init("192.88.99.2", "192.88.99.2/32", "6a44-relay anycast address", "TTTFF"),
        .init("192.168.1.1", "192.168.0.0/16", "Private-Use", "TTTFF"),
        .init("192.175.48.6", "192.175.48.0/24", "Direct Delegation AS112 Service", "TTTTF"),
        .init("198.19.255.255", "198.18.0.0/15", "Benchmarking", "TTTFF"),
        .init("198.51.100.7", "198.51.100.0/24", "Documentation (TEST-NET-2)", "FFFFF"),
        .init("203.0.113.9", "203.0.113.0/24", "Documentation (TEST-NET-3)", "FFFFF"),
        .init("240.0.0.1", "240.0.0.0/4", "Reserved", "FFFFT"),
        .init("255.255.255.255", "255.255.255.255/32", "Limited Broadcast", "FTFFT"),
    ]

    static let ipv6: [RegistryRowCase] = [
        .init("::1", "::1/128", "Loopback Address", "FFFFT"),
        .init("::", "::/128", "Unspecified Address", "TFFFT"),
        .init("::ffff:192.0.2.1", "::ffff:0:0/96", "IPv4-mapped Address", "FFFFT"),
        .init("64:ff9b::192.0.2.1", "64:ff9b::/96", "IPv4-IPv6 Translat.", "TTTTF"),
        .init("64:ff9b:1::1", "64:ff9b:1::/48", "IPv4-IPv6 Translat.", "TTTFF"),
        .init("100::1", "100::/64", "Discard-Only Address Block", "TTTFF"),
        .init("100:0:0:1::1", "100:0:0:1::/64", "Dummy IPv6 Prefix", "TFFFF"),
        .init("2001:100::1", "2001::/23", "IETF Protocol Assignments", "FFFFF"),
        .init("2001:0:4136:e378::1", "2001::/32", "TEREDO", "TTTNF"),
        .init("2001:1::1", "2001:1::1/128", "Port Control Protocol Anycast", "TTTTF"),
        .init(
            "2001:1::2", "2001:1::2/128", "Traversal Using Relays around NAT Anycast", "TTTTF"),
        .init(
            "2001:1::3", "2001:1::3/128", "DNS-SD Service Registration Protocol Anycast", "TTTTF"),
        .init("2001:2::1", "2001:2::/48", "Benchmarking", "TTTFF"),
        .init("2001:3::1", "2001:3::/32", "AMT", "TTTTF"),
        .init("2001:4:112::1", "2001:4:112::/48", "AS112-v6", "TTTTF"),
        .init("2001:1f::1", "2001:10::/28", "Deprecated (previously ORCHID)", "NNNNN"),
        .init("2001:20::1", "2001:20::/28", "ORCHIDv2", "TTTTF"),
        .init(
            "2001:30::1", "2001:30::/28", "Drone Remote ID Protocol Entity Tags (DETs) Prefix",
            "TTTTF"),
        .init("2001:db8::1", "2001:db8::/32", "Documentation", "FFFFF"),
        .init("2002:c000:201::1", "2002::/16", "6to4", "TTTNF"),
        .init("2620:4f:8000::1", "2620:4f:8000::/48", "Direct Delegation AS112 Service", "TTTTF"),
        .init("3fff:fff::1", "3fff::/20", "Documentation", "FFFFF"),
        .init("5f00::1", "5f00::/16", "Segment Routing (SRv6) SIDs", "TTTFF"),
        .init("fd12:3456::1", "fc00::/7", "Unique-Local", "TTTFF"),
        .init("fe80::1", "fe80::/10", "Link-Local Unicast", "TTFFT"),
    ]

    var expectedFlags: [Bool?] {
        flags.map { $0 == "T" ? true : $0 == "F" ? false : nil }
    }
}

@Suite("IANA special-purpose registries")
struct SpecialPurposeRegistryTests {
    @Test(
        "an address in each row gets that row and its flags",
        arguments: RegistryRowCase.ipv4 + RegistryRowCase.ipv6)
    func everyRow(_ row: RegistryRowCase) throws {
        let classification = try Classification(parsing: row.sample)
        let special = try #require(classification.special)
        #expect(special.prefix == row.prefix)
        #expect(special.name == row.name)
        let flags = [
            special.source, special.destination, special.forwardable, special.globallyReachable,
            special.reservedByProtocol,
        ]
        #expect(flags == row.expectedFlags)
        // N/A and empty cells count as not globally reachable.
        #expect(classification.globallyReachable == (special.globallyReachable ?? false))
        #expect(!special.rfc.isEmpty && special.rfc.hasPrefix("RFC "))
    }

    @Test("the test table covers every registry row, and nothing else")
    func coverage() {
        let tested = Set((RegistryRowCase.ipv4 + RegistryRowCase.ipv6).map(\.prefix))
        let registry = SpecialPurposeRegistry.ipv4Rows + SpecialPurposeRegistry.ipv6Rows
        #expect(tested == Set(registry.map(\.prefix)))
        #expect(registry.count == tested.count, "no prefix appears twice")
        #expect(SpecialPurposeRegistry.ipv4Rows.count == 26)
        #expect(SpecialPurposeRegistry.ipv6Rows.count == 25)
    }

    @Test("rows sit in the right family and their text is canonical")
    func prefixText() {
        for row in SpecialPurposeRegistry.ipv4Rows { #expect(row.network.family == .inet) }
        for row in SpecialPurposeRegistry.ipv6Rows {
            #expect(row.network.family == .inet6)
            // IANA writes ::ffff:0:0/96; RFC 5952 would write it in mixed notation.
            if row.prefix != "::ffff:0:0/96" {
                #expect(row.network.description == row.prefix)
            }
        }
        #expect(
            SpecialPurposeRegistry.ipv6Rows.first { $0.prefix == "::ffff:0:0/96" }?.network
                .description == "::ffff:0.0.0.0/96")
    }

    @Test("terminated rows carry their termination date")
    func terminatedRows() {
        let terminated = (SpecialPurposeRegistry.ipv4Rows + SpecialPurposeRegistry.ipv6Rows)
            .filter { $0.terminationDate != nil }
        #expect(terminated.map(\.prefix).sorted() == ["192.88.99.0/24", "2001:10::/28"])
    }

    @Test(
        "the most specific row wins",
        arguments: [
            ("192.0.0.9", "192.0.0.9/32"),
            ("192.0.0.7", "192.0.0.0/29"),
            ("192.0.0.11", "192.0.0.0/24"),
            ("192.88.99.2", "192.88.99.2/32"),
            ("192.88.99.3", "192.88.99.0/24"),
            ("0.0.0.0", "0.0.0.0/32"),
            ("0.0.0.1", "0.0.0.0/8"),
            ("2001::1", "2001::/32"),
            ("2001:1::1", "2001:1::1/128"),
            ("2001:1::4", "2001::/23"),
            ("2001:1ff::1", "2001::/23"),
            ("2001:200::1", ""),
            ("64:ff9b::1", "64:ff9b::/96"),
            ("64:ff9b:0:0:1::1", ""),
            ("100::ffff", "100::/64"),
            ("100:0:0:2::", ""),
            ("::2", ""),
            ("fec0::1", ""),
            ("ff02::1", ""),
            ("8.8.8.8", ""),
            ("224.0.0.1", ""),
        ])
    func mostSpecificRow(sample: String, prefix: String) throws {
        let special = try Classification(parsing: sample).special
        #expect((special?.prefix ?? "") == prefix)
    }
}
