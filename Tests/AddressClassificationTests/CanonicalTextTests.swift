import Testing

@testable import AddressClassification

@Suite("RFC 5952 canonical text")
struct CanonicalTextTests {
    @Test(
        "formats IPv6 canonically",
        arguments: [
            // Section 4.1: no leading zeros.
            ("2001:0db8:0000:0000:0000:0000:0000:0001", "2001:db8::1"),
            // Section 4.2.1: shorten as much as possible.
            ("2001:db8:0:0:0:0:2:1", "2001:db8::2:1"),
            // Section 4.2.2: a single zero group is not shortened.
            ("2001:db8:0:1:1:1:1:1", "2001:db8:0:1:1:1:1:1"),
            // Section 4.2.3: the longest run wins...
            ("2001:0:0:1:0:0:0:1", "2001:0:0:1::1"),
            // ...and the first run on a tie.
            ("2001:db8:0:0:1:0:0:1", "2001:db8::1:0:0:1"),
            // Section 4.3: lowercase.
            ("2001:DB8::ABCD", "2001:db8::abcd"),
            // Section 5: IPv4-mapped in mixed notation.
            ("::ffff:c000:280", "::ffff:192.0.2.128"),
            ("::ffff:0:0", "::ffff:0.0.0.0"),
            // IPv4-compatible (RFC 4291's other well-known prefix, ::/96) in mixed notation
            // too, as inet_ntop and so `ip addr` write it; :: and ::1 stay as they are.
            ("::192.0.2.128", "::192.0.2.128"),
            ("::c000:280", "::192.0.2.128"),
            ("::0.0.0.2", "::2"),
            ("0:0:0:0:0:0:0:0", "::"),
            ("0:0:0:0:0:0:0:1", "::1"),
            ("1:0:0:0:0:0:0:0", "1::"),
            ("0:1:0:0:0:0:0:0", "0:1::"),
            ("1:0:1:0:1:0:1:0", "1:0:1:0:1:0:1:0"),
            ("0:0:1:0:0:0:1:0", "0:0:1::1:0"),
            ("fe80:0:0:0:0:0:0:1", "fe80::1"),
            ("100:0:0:1:0:0:0:0", "100:0:0:1::"),
            ("ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff", "ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff"),
        ])
    func formatsIPv6(text: String, canonical: String) throws {
        #expect(try IPAddress(text).description == canonical)
    }
}
