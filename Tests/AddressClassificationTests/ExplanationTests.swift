import Testing

@testable import AddressClassification

@Suite("Human explanations")
struct ExplanationTests {
    @Test(
        "1000::1: global unicast by RFC 4291, outside 2000::/3, RESERVED to 2.6.3x, accepted since 3.0")
    func reservedSpace() throws {
        let text = try Classification(parsing: "1000::1").explanation
        #expect(text.contains("1000::1 is global unicast by RFC 4291"))
        #expect(text.contains("outside IANA's 2000::/3"))
        #expect(text.contains("not globally reachable"))
        #expect(
            text.contains(
                "To a 2.6.2x–2.6.3x kernel it is RESERVED (0x000e2000), so a route gateway there is refused"
            ))
        #expect(text.contains("it is accepted since 3.0, which types it UNICAST (0x000e0001)"))
    }

    @Test("a registry row, its reference and an unchanged kernel view")
    func documentation() throws {
        let text = try Classification(parsing: "2001:db8::1").explanation
        #expect(text.contains("inside IANA's 2000::/3"))
        #expect(text.contains("2001:db8::/32, \"Documentation\" (RFC 3849)"))
        #expect(text.contains("not globally reachable (per that registry row)"))
        #expect(
            text.contains("Linux types it UNICAST (0x000e0001), so a route gateway there is accepted."))
    }

    @Test("IPv4-mapped: same type, gateway allowed only by today's kernel")
    func mapped() throws {
        let text = try Classification(parsing: "::ffff:192.0.2.1").explanation
        #expect(text.contains("IPv4-mapped (for 192.0.2.1)"))
        #expect(text.contains("refused by a 2.6.2x–2.6.3x kernel and accepted since 3.0"))
    }

    @Test("deprecated types, N/A reachability, multicast scope, zones and IPv4")
    func others() throws {
        #expect(try Classification(parsing: "fec0::1").explanation.contains("which is deprecated"))
        #expect(
            try Classification(parsing: "2002:c000:201::1").explanation.contains(
                "gives no True/False, which counts as not"))
        #expect(
            try Classification(parsing: "192.88.99.1").explanation.contains("terminated 2015-03"))
        #expect(
            try Classification(parsing: "ff02::1%eth0").explanation.hasPrefix(
                "ff02::1%eth0 is multicast of link scope by RFC 4291"))
        let ipv4 = try Classification(parsing: "8.8.8.8").explanation
        #expect(
            ipv4
                == "8.8.8.8 is global unicast by RFC 791. It is globally reachable (no registry row restricts it)."
        )
    }
}
