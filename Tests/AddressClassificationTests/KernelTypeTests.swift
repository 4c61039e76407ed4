import Testing

@testable import AddressClassification

/// One `__ipv6_addr_type()` branch: what today's and the 2.6.2x–2.6.3x
/// kernel return and whether each accepts the address as a route gateway.
struct KernelCase: Sendable, CustomTestStringConvertible {
    let text: String
    let branch: String
    let modern: Int
    let legacy: Int
    let modernGateway: Bool
    let legacyGateway: Bool
    var testDescription: String { "\(text) (\(branch))" }

    init(
        _ text: String, _ branch: String, modern: Int, legacy: Int, gateway: (Bool, Bool)
    ) {
        self.text = text
        self.branch = branch
        self.modern = modern
        self.legacy = legacy
        self.modernGateway = gateway.0
        self.legacyGateway = gateway.1
    }

    static let all: [KernelCase] = [
        // First three bits neither 000 nor 111.
        .init("2001:db8::1", "001 prefix", modern: 0xe_0001, legacy: 0xe_0001, gateway: (true, true)),
        .init("4000::1", "010 prefix", modern: 0xe_0001, legacy: 0xe_0001, gateway: (true, true)),
        .init("dfff::1", "110 prefix", modern: 0xe_0001, legacy: 0xe_0001, gateway: (true, true)),
        // Multicast: scope2type adds LOOPBACK, LINKLOCAL or SITELOCAL for 1, 2, 5.
        .init(
            "ff00::1", "multicast scope 0", modern: 0x0_0002, legacy: 0x0_0002, gateway: (false, false)),
        .init(
            "ff01::1", "multicast scope 1", modern: 0x1_0012, legacy: 0x1_0012, gateway: (false, false)),
        .init(
            "ff02::1", "multicast scope 2", modern: 0x2_0022, legacy: 0x2_0022, gateway: (false, false)),
        .init(
            "ff12::1:3", "multicast flags+scope 2", modern: 0x2_0022, legacy: 0x2_0022,
            gateway: (false, false)),
        .init(
            "ff03::1", "multicast scope 3", modern: 0x3_0002, legacy: 0x3_0002, gateway: (false, false)),
        .init(
            "ff05::2", "multicast scope 5", modern: 0x5_0042, legacy: 0x5_0042, gateway: (false, false)),
        .init(
            "ff08::1", "multicast scope 8", modern: 0x8_0002, legacy: 0x8_0002, gateway: (false, false)),
        .init(
            "ff0e::1", "multicast scope e", modern: 0xe_0002, legacy: 0xe_0002, gateway: (false, false)),
        .init(
            "ff0f::1", "multicast scope f", modern: 0xf_0002, legacy: 0xf_0002, gateway: (false, false)),
        // Link-local, then site-local, then ULA.
        .init("fe80::1", "fe80::/10", modern: 0x2_0021, legacy: 0x2_0021, gateway: (true, true)),
        .init("febf::1", "fe80::/10 end", modern: 0x2_0021, legacy: 0x2_0021, gateway: (true, true)),
        .init("fec0::1", "fec0::/10", modern: 0x5_0041, legacy: 0x5_0041, gateway: (true, true)),
        .init("fc00::1", "fc00::/7", modern: 0xe_0001, legacy: 0xe_0001, gateway: (true, true)),
        .init("fd00::1", "fc00::/7 fd", modern: 0xe_0001, legacy: 0xe_0001, gateway: (true, true)),
        // First 64 bits zero.
        .init("::", "ANY", modern: 0x0_0000, legacy: 0x0_0000, gateway: (false, false)),
        .init("::1", "loopback", modern: 0x2_0011, legacy: 0x2_0011, gateway: (true, true)),
        .init("::2", "IPv4-compatible", modern: 0xe_0081, legacy: 0xe_0081, gateway: (true, true)),
        .init(
            "::192.0.2.1", "IPv4-compatible", modern: 0xe_0081, legacy: 0xe_0081, gateway: (true, true)),
        .init(
            "::ffff:192.0.2.1", "IPv4-mapped", modern: 0xe_1000, legacy: 0xe_1000, gateway: (true, false)),
        .init(
            "::fffe:0:1", "64 zero bits, other third word", modern: 0xe_0001, legacy: 0xe_2000,
            gateway: (true, false)),
        // Everything else in 000/3 and 111/3: the one typing difference.
        .init("0:0:1::1", "000/3 rest", modern: 0xe_0001, legacy: 0xe_2000, gateway: (true, false)),
        .init(
            "100::1", "000/3 rest (discard)", modern: 0xe_0001, legacy: 0xe_2000, gateway: (true, false)),
        .init(
            "64:ff9b::c000:201", "000/3 rest (NAT64)", modern: 0xe_0001, legacy: 0xe_2000,
            gateway: (true, false)),
        .init("1000::1", "000/3 rest", modern: 0xe_0001, legacy: 0xe_2000, gateway: (true, false)),
        .init("e000::1", "111/3 rest", modern: 0xe_0001, legacy: 0xe_2000, gateway: (true, false)),
        .init("fe00::1", "111/3 rest", modern: 0xe_0001, legacy: 0xe_2000, gateway: (true, false)),
    ]
}

@Suite("Linux __ipv6_addr_type() and the route gateway check")
struct KernelTypeTests {
    @Test("every branch, today and in 2.6.2x–2.6.3x", arguments: KernelCase.all)
    func branches(_ testCase: KernelCase) throws {
        let classification = try Classification(parsing: testCase.text)
        let modern = try #require(classification.kernel)
        let legacy = try #require(classification.legacyKernel)
        #expect(modern.typeBits == testCase.modern, "modern \(modern.type)")
        #expect(legacy.typeBits == testCase.legacy, "legacy \(legacy.type)")
        #expect(modern.gatewayAccepted == testCase.modernGateway)
        #expect(legacy.gatewayAccepted == testCase.legacyGateway)
        #expect(modern.rules == .modern && legacy.rules == .legacy)
    }

    @Test("IPv4 has no kernel IPv6 type")
    func ipv4() throws {
        for rules in LinuxKernelRules.allCases {
            #expect(rules.addressType(of: try IPAddress("192.0.2.1")) == nil)
            #expect(rules.view(of: try IPAddress("192.0.2.1")) == nil)
        }
    }

    @Test("gateway checks work on ipv6_addr_type(), the type without scope")
    func gatewayRules() {
        let linkLocal: KernelAddressTypeBits = [.linkLocal, .unicast, .scopeLinkLocal]
        #expect(linkLocal.withoutScope == [.linkLocal, .unicast])
        for rules in LinuxKernelRules.allCases {
            #expect(rules.acceptsGateway(linkLocal))
            #expect(rules.acceptsGateway([.unicast]))
            #expect(!rules.acceptsGateway(.any))
            #expect(!rules.acceptsGateway([.multicast, .linkLocal, .scopeLinkLocal]))
            #expect(!rules.acceptsGateway([.reserved, .scopeGlobal]))
        }
        #expect(LinuxKernelRules.modern.acceptsGateway([.mapped, .scopeGlobal]))
        #expect(!LinuxKernelRules.legacy.acceptsGateway([.mapped, .scopeGlobal]))
    }

    @Test("bits print with kernel names")
    func names() {
        let reserved: KernelAddressTypeBits = [.reserved, .scopeGlobal]
        #expect(reserved.description == "RESERVED, scope GLOBAL (0x000e2000)")
        #expect(KernelAddressTypeBits.any.flagNames == ["ANY"])
        let allNodes: KernelAddressTypeBits = [.multicast, .loopback, .scopeNodeLocal]
        #expect(allNodes.flagNames == ["MULTICAST", "LOOPBACK"])
        #expect(allNodes.scopeName == "NODELOCAL")
        #expect(KernelAddressTypeBits(scope: 3).scopeName == "0x3")
        #expect(KernelAddressTypeBits.scopeOrgLocal.scope == 8)
        #expect(KernelAddressTypeBits.scopeSiteLocal.scopeName == "SITELOCAL")
    }
}
