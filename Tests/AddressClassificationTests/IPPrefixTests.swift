import Testing

@testable import AddressClassification

@Suite("Address blocks")
struct IPPrefixTests {
    @Test("contains addresses of its own family only")
    func containment() throws {
        let documentation = try IPPrefix("2001:db8::/32")
        #expect(documentation.contains(try IPAddress("2001:db8:ffff::1")))
        #expect(!documentation.contains(try IPAddress("2001:db9::1")))
        #expect(try IPPrefix("0.0.0.0/0").contains(try IPAddress("255.255.255.255")))
        #expect(!(try IPPrefix("0.0.0.0/0").contains(try IPAddress("::"))))
        #expect(!(try IPPrefix("::/0").contains(try IPAddress("0.0.0.0"))))
        #expect(try IPPrefix("172.16.0.0/12").contains(try IPAddress("172.31.255.255")))
        #expect(!(try IPPrefix("172.16.0.0/12").contains(try IPAddress("172.32.0.0"))))
        #expect(try IPPrefix("fe80::/10").contains(try IPAddress("febf::1")))
        #expect(!(try IPPrefix("fe80::/10").contains(try IPAddress("fec0::1"))))
        #expect(try IPPrefix("2001::/23").contains(try IPPrefix("2001:db8::/32")) == false)
        #expect(try IPPrefix("2001::/23").contains(try IPPrefix("2001:100::/24")))
        #expect(try IPPrefix("::1/128").contains(try IPAddress("::1")))
    }

    @Test("masks host bits when built from an address")
    func masking() throws {
        let prefix = try #require(IPPrefix(containing: try IPAddress("192.0.2.77"), length: 25))
        #expect(prefix.description == "192.0.2.0/25")
        #expect(IPPrefix(containing: try IPAddress("192.0.2.77"), length: 33) == nil)
        #expect(IPPrefix(containing: try IPAddress("::1"), length: -1) == nil)
        #expect(IPPrefix(containing: try IPAddress("ffff::"), length: 3)?.description == "e000::/3")
    }

    @Test(
        "refuses malformed blocks",
        arguments: [
            ("192.0.2.0", "missing \"/\""),
            ("192.0.2.0/", "not a decimal"),
            ("192.0.2.0/024", "not a decimal"),
            ("192.0.2.0/x", "not a decimal"),
            ("192.0.2.0/33", "greater than 32"),
            ("::/129", "greater than 128"),
            ("192.0.2.1/24", "host bits"),
            ("2001:db8::1/32", "host bits"),
            ("1.2.3/8", "four octets"),
        ])
    func refusesMalformed(text: String, reason: String) {
        #expect {
            _ = try IPPrefix(text)
        } throws: { error in
            (error as? InvalidAddress)?.reason.contains(reason) == true
        }
    }
}
