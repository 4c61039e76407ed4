import Testing

@testable import AddressClassification

struct TypeCase: Sendable, CustomTestStringConvertible {
    let text: String
    let type: AddressType
    let scope: String
    let globallyReachable: Bool
    var testDescription: String { text }

    init(_ text: String, _ type: AddressType, _ scope: String, reachable: Bool) {
        self.text = text
        self.type = type
        self.scope = scope
        self.globallyReachable = reachable
    }
}

@Suite("Address types, scopes and reachability")
struct AddressTypeTests {
    @Test(
        "IPv6",
        arguments: [
            TypeCase("::", .unspecified, "global", reachable: false),
            TypeCase("::1", .loopback, "host", reachable: false),
            TypeCase("ff01::1", .multicast, "host", reachable: false),
            TypeCase("ff02::1", .multicast, "link", reachable: false),
            TypeCase("ff03::1", .multicast, "realm", reachable: false),
            TypeCase("ff04::1", .multicast, "admin", reachable: false),
            TypeCase("ff05::2", .multicast, "site", reachable: false),
            TypeCase("ff08::1", .multicast, "organization", reachable: false),
            TypeCase("ff0e::1", .multicast, "global", reachable: true),
            TypeCase("ff1e::1", .multicast, "global", reachable: true),
            TypeCase("ff00::1", .multicast, "reserved", reachable: false),
            TypeCase("ff0f::1", .multicast, "reserved", reachable: false),
            TypeCase("ff06::1", .multicast, "unassigned", reachable: false),
            TypeCase("fe80::1", .linkLocal, "link", reachable: false),
            TypeCase("febf:ffff::1", .linkLocal, "link", reachable: false),
            TypeCase("fec0::1", .siteLocal, "site", reachable: false),
            TypeCase("feff::1", .siteLocal, "site", reachable: false),
            TypeCase("fc00::1", .uniqueLocal, "global", reachable: false),
            TypeCase("fdff::1", .uniqueLocal, "global", reachable: false),
            TypeCase("::ffff:8.8.8.8", .ipv4Mapped, "global", reachable: false),
            TypeCase("::ffff:127.0.0.1", .ipv4Mapped, "host", reachable: false),
            TypeCase("::ffff:169.254.0.1", .ipv4Mapped, "link", reachable: false),
            TypeCase("::2", .ipv4Compatible, "global", reachable: false),
            TypeCase("::8.8.8.8", .ipv4Compatible, "global", reachable: false),
            TypeCase("::1:0:0", .globalUnicast, "global", reachable: false),
            TypeCase("1000::1", .globalUnicast, "global", reachable: false),
            TypeCase("4000::1", .globalUnicast, "global", reachable: false),
            TypeCase("e000::1", .globalUnicast, "global", reachable: false),
            TypeCase("2001:4860:4860::8888", .globalUnicast, "global", reachable: true),
            TypeCase("2001:db8::1", .globalUnicast, "global", reachable: false),
            TypeCase("3fff:ffff::1", .globalUnicast, "global", reachable: true),
            TypeCase("64:ff9b::808:808", .globalUnicast, "global", reachable: true),
            TypeCase("2620:4f:8000::1", .globalUnicast, "global", reachable: true),
        ])
    func ipv6(_ testCase: TypeCase) throws {
        let classification = try Classification(parsing: testCase.text)
        #expect(classification.family == .inet6)
        #expect(classification.type == testCase.type)
        #expect(classification.scope.name == testCase.scope)
        #expect(classification.globallyReachable == testCase.globallyReachable)
        #expect(classification.kernel != nil && classification.legacyKernel != nil)
    }

    @Test(
        "IPv4",
        arguments: [
            TypeCase("0.0.0.0", .unspecified, "global", reachable: false),
            TypeCase("0.1.2.3", .reserved, "link", reachable: false),
            TypeCase("127.0.0.1", .loopback, "host", reachable: false),
            TypeCase("127.255.255.254", .loopback, "host", reachable: false),
            TypeCase("169.254.10.1", .linkLocal, "link", reachable: false),
            TypeCase("10.0.0.1", .private, "global", reachable: false),
            TypeCase("172.16.0.1", .private, "global", reachable: false),
            TypeCase("172.32.0.1", .globalUnicast, "global", reachable: true),
            TypeCase("192.168.0.1", .private, "global", reachable: false),
            TypeCase("100.64.0.1", .shared, "global", reachable: false),
            TypeCase("100.128.0.1", .globalUnicast, "global", reachable: true),
            TypeCase("224.0.0.1", .multicast, "link", reachable: false),
            TypeCase("224.0.1.1", .multicast, "global", reachable: true),
            TypeCase("239.255.255.250", .multicast, "site", reachable: false),
            TypeCase("239.192.0.1", .multicast, "organization", reachable: false),
            TypeCase("239.1.2.3", .multicast, "admin", reachable: false),
            TypeCase("255.255.255.255", .broadcast, "link", reachable: false),
            TypeCase("240.0.0.1", .reserved, "global", reachable: false),
            TypeCase("255.255.255.254", .reserved, "global", reachable: false),
            TypeCase("8.8.8.8", .globalUnicast, "global", reachable: true),
            TypeCase("192.0.2.1", .globalUnicast, "global", reachable: false),
            TypeCase("198.18.0.1", .globalUnicast, "global", reachable: false),
            TypeCase("192.0.0.9", .globalUnicast, "global", reachable: true),
            TypeCase("192.88.99.1", .globalUnicast, "global", reachable: false),
        ])
    func ipv4(_ testCase: TypeCase) throws {
        let classification = try Classification(parsing: testCase.text)
        #expect(classification.family == .inet)
        #expect(classification.type == testCase.type)
        #expect(classification.scope.name == testCase.scope)
        #expect(classification.globallyReachable == testCase.globallyReachable)
        #expect(classification.ianaGlobalUnicast == nil)
        #expect(classification.kernel == nil && classification.legacyKernel == nil)
    }

    @Test(
        "IANA global unicast is 2000::/3 only",
        arguments: [
            ("2000::", true), ("3fff:ffff:ffff:ffff:ffff:ffff:ffff:ffff", true), ("1fff::1", false),
            ("4000::", false), ("fd00::1", false), ("ff0e::1", false), ("::", false),
        ])
    func ianaGlobalUnicast(text: String, inside: Bool) throws {
        #expect(try Classification(parsing: text).ianaGlobalUnicast == inside)
    }

    @Test("each family's vocabulary lists its types, and only deprecated ones are marked")
    func vocabulary() {
        #expect(AddressType.vocabulary(for: .inet6).count == 9)
        #expect(AddressType.vocabulary(for: .inet).count == 9)
        #expect(
            Set(AddressType.vocabulary(for: .inet6) + AddressType.vocabulary(for: .inet))
                == Set(AddressType.allCases))
        #expect(AddressType.allCases.filter(\.isDeprecated) == [.siteLocal, .ipv4Compatible])
        for family in IPAddress.Family.allCases {
            for rule in AddressTypeRule.table.rows where rule.network.family == family {
                #expect(AddressType.vocabulary(for: family).contains(rule.type))
            }
        }
    }

    @Test("scopes order narrowest first and name every value")
    func scopes() {
        #expect(AddressScope.host < .link && AddressScope.link < .site && AddressScope.site < .global)
        #expect(AddressScope(rawValue: 16) == nil)
        let names = (0...15).compactMap { AddressScope(rawValue: UInt8($0))?.name }
        #expect(
            names == [
                "reserved", "host", "link", "realm", "admin", "site", "unassigned", "unassigned",
                "organization", "unassigned", "unassigned", "unassigned", "unassigned", "unassigned",
                "global", "reserved",
            ])
    }
}
