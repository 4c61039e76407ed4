import Testing

@testable import AddressClassification

@Suite("RFC 6724 default policy table")
struct AddressSelectionPolicyTests {
    @Test(
        "looks up precedence and label",
        arguments: [
            ("::1", 50, 0),
            ("2001:db8::1", 40, 1),
            ("ff02::1", 40, 1),
            ("::ffff:192.0.2.1", 35, 4),
            ("192.0.2.1", 35, 4),
            ("10.0.0.1", 35, 4),
            ("127.0.0.1", 35, 4),
            ("2002:c000:201::1", 30, 2),
            ("2001::1", 5, 5),
            ("2001:0:ffff::1", 5, 5),
            ("2001:1::1", 40, 1),
            ("fd00::1", 3, 13),
            ("fc00::1", 3, 13),
            ("::192.0.2.1", 1, 3),
            ("::", 1, 3),
            ("fec0::1", 1, 11),
            ("3ffe::1", 1, 12),
            ("3fff::1", 40, 1),
        ])
    func lookup(text: String, precedence: Int, label: Int) throws {
        let classification = try Classification(parsing: text)
        #expect(classification.precedence == precedence)
        #expect(classification.label == label)
        let policy = AddressSelectionPolicy.defaultPolicy(for: try IPAddress(text))
        #expect(policy.precedence == precedence && policy.label == label)
    }

    @Test("the table is RFC 6724 Section 2.1 verbatim")
    func table() {
        let rows = AddressSelectionPolicy.defaultTable.rows.map {
            "\($0.network) \($0.precedence) \($0.label)"
        }
        #expect(
            rows == [
                "::1/128 50 0", "::/0 40 1", "::ffff:0.0.0.0/96 35 4", "2002::/16 30 2", "2001::/32 5 5",
                "fc00::/7 3 13", "::/96 1 3", "fec0::/10 1 11", "3ffe::/16 1 12",
            ])
    }
}
