import Testing

@testable import AddressClassification

@Suite("Parsing address text")
struct ParsingTests {
    struct ValidCase: Sendable, CustomTestStringConvertible {
        let text: String
        let canonical: String
        var testDescription: String { text }
    }

    @Test(
        "accepts inet_pton forms",
        arguments: [
            ValidCase(text: "0.0.0.0", canonical: "0.0.0.0"),
            ValidCase(text: "255.255.255.255", canonical: "255.255.255.255"),
            ValidCase(text: "192.0.2.1", canonical: "192.0.2.1"),
            ValidCase(text: "::", canonical: "::"),
            ValidCase(text: "::1", canonical: "::1"),
            ValidCase(text: "1::", canonical: "1::"),
            ValidCase(text: "2001:DB8::1", canonical: "2001:db8::1"),
            ValidCase(text: "2001:0db8:0000:0000:0000:0000:0000:0001", canonical: "2001:db8::1"),
            ValidCase(text: "1:2:3:4:5:6:7:8", canonical: "1:2:3:4:5:6:7:8"),
            ValidCase(text: "::2:3:4:5:6:7:8", canonical: "0:2:3:4:5:6:7:8"),
            ValidCase(text: "1:2:3:4:5:6:7::", canonical: "1:2:3:4:5:6:7:0"),
            ValidCase(text: "1::2:3:4:5:6:7", canonical: "1:0:2:3:4:5:6:7"),
            ValidCase(text: "::ffff:192.0.2.1", canonical: "::ffff:192.0.2.1"),
            ValidCase(text: "::FFFF:c000:0201", canonical: "::ffff:192.0.2.1"),
            ValidCase(text: "::192.0.2.1", canonical: "::192.0.2.1"),
            ValidCase(text: "64:ff9b::192.0.2.1", canonical: "64:ff9b::c000:201"),
            ValidCase(text: "1:2:3:4:5:6:1.2.3.4", canonical: "1:2:3:4:5:6:102:304"),
            ValidCase(text: "fe80::1:2.3.4.5", canonical: "fe80::1:203:405"),
        ])
    func acceptsValidText(_ testCase: ValidCase) throws {
        let parsed = try IPAddress(testCase.text)
        #expect(parsed.description == testCase.canonical)
        #expect(try IPAddress(parsed.description) == parsed)
    }

    struct InvalidCase: Sendable, CustomTestStringConvertible {
        let text: String
        let reason: String
        var testDescription: String { text.isEmpty ? "(empty)" : text }
    }

    @Test(
        "refuses anything else with a reason",
        arguments: [
            InvalidCase(text: "", reason: "empty address"),
            InvalidCase(text: "1.2.3", reason: "needs four octets"),
            InvalidCase(text: "1.2.3.4.5", reason: "more than four IPv4 octets"),
            InvalidCase(text: "1.2.3.256", reason: "greater than 255"),
            InvalidCase(text: "1.2.3.04", reason: "leading zero"),
            InvalidCase(text: "1..2.3", reason: "empty IPv4 octet"),
            InvalidCase(text: "1.2.3.4.", reason: "more than four IPv4 octets"),
            InvalidCase(text: ".1.2.3", reason: "empty IPv4 octet"),
            InvalidCase(text: " 1.2.3.4", reason: "byte 0x20"),
            InvalidCase(text: "1.2.3.x", reason: "'x'"),
            InvalidCase(text: "::1::", reason: "more than one \"::\""),
            InvalidCase(text: ":::", reason: "empty group"),
            InvalidCase(text: ":1::", reason: "empty group"),
            InvalidCase(text: "1::2:", reason: "empty group"),
            InvalidCase(text: "1:2:3:4:5:6:7", reason: "eight groups"),
            InvalidCase(text: "1:2:3:4:5:6:7:8:9", reason: "eight groups"),
            InvalidCase(text: "1:2:3:4::5:6:7:8", reason: "at least one zero group"),
            InvalidCase(text: "12345::", reason: "longer than four hex digits"),
            InvalidCase(text: "g::", reason: "'g'"),
            InvalidCase(text: "1.2.3.4::", reason: "must come last"),
            InvalidCase(text: "::1.2.3.4:5", reason: "must come last"),
            InvalidCase(text: "1:2:3:4:5:6:7:1.2.3.4", reason: "eight groups"),
            InvalidCase(text: "::1.2.3", reason: "needs four octets"),
            InvalidCase(text: "fe80::1%", reason: "empty zone"),
            InvalidCase(text: "%eth0", reason: "missing address"),
            InvalidCase(text: "%", reason: "missing address"),
            InvalidCase(text: "192.0.2.1%eth0", reason: "only allowed on an IPv6"),
            InvalidCase(text: "fe80::1%eth 0", reason: "byte 0x20"),
            InvalidCase(text: "fe80::1%eth0%1", reason: "'%'"),
            InvalidCase(text: "fe80::1::%eth0", reason: "more than one \"::\""),
        ])
    func refusesInvalidText(_ testCase: InvalidCase) {
        #expect {
            _ = try Classification(parsing: testCase.text)
        } throws: { error in
            guard let invalid = error as? InvalidAddress else { return false }
            return invalid.text == testCase.text && invalid.reason.contains(testCase.reason)
        }
    }

    @Test("IPAddress alone refuses a zone")
    func plainAddressRefusesZone() {
        #expect(throws: InvalidAddress.self) { try IPAddress("fe80::1%eth0") }
    }

    @Test(
        "echoes a zone after the canonical address",
        arguments: [
            ("fe80::1%eth0", "fe80::1%eth0", "eth0"),
            ("FE80:0::0001%2", "fe80::1%2", "2"),
            ("ff02::1%wlan0.100", "ff02::1%wlan0.100", "wlan0.100"),
            ("2001:db8::1%lo", "2001:db8::1%lo", "lo"),
        ])
    func echoesZone(text: String, echoed: String, zone: String) throws {
        let classification = try Classification(parsing: text)
        #expect(classification.address == echoed)
        #expect(classification.zonedAddress.zone == zone)
        #expect(
            classification.zonedAddress.address == (try IPAddress(String(echoed.prefix { $0 != "%" }))))
    }

    @Test("builds addresses from integers and groups")
    func buildsFromComponents() throws {
        #expect(IPAddress(ipv4: 0xC000_0201).description == "192.0.2.1")
        #expect(IPAddress(ipv4: 192, 0, 2, 1).ipv4Value == 0xC000_0201)
        let groups: [UInt16] = [0x2001, 0xdb8, 0, 0, 0, 0, 0, 1]
        #expect(IPAddress(ipv6Groups: groups)?.description == "2001:db8::1")
        #expect(IPAddress(ipv6Groups: [1, 2]) == nil)
        #expect(IPAddress(family: .inet, bytes: [1, 2, 3]) == nil)
        #expect(try IPAddress("2001:db8::1").ipv6Groups == groups)
        #expect(try IPAddress("192.0.2.1").ipv4Mapped == IPAddress("::ffff:192.0.2.1"))
        #expect(try IPAddress("::ffff:192.0.2.1").unmappedIPv4 == IPAddress("192.0.2.1"))
        #expect(try IPAddress("::fffe:192.0.2.1").unmappedIPv4 == nil)
    }

    @Test("orders IPv4 before IPv6, then by bytes")
    func ordersAddresses() throws {
        let sorted = try ["::1", "10.0.0.2", "2001:db8::1", "10.0.0.1", "::"].map(IPAddress.init)
            .sorted()
        #expect(sorted.map(\.description) == ["10.0.0.1", "10.0.0.2", "::", "::1", "2001:db8::1"])
    }
}
