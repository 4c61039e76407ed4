import Testing

@testable import AddressClassification

@Suite("Preference order for bindable addresses")
struct BindPreferenceTests {
    private func sorted(_ candidates: [(String, Int, Bool)]) -> [String] {
        candidates.map { text, ifindex, deprecated in
            (text, BindPreference(classify(text), ifindex: ifindex, deprecated: deprecated))
        }
        .sorted { BindPreference.ranksBefore($0.1, $1.1) }
        .map(\.0)
    }

    @Test("precedence: 2001:db8::1 before 192.0.2.1 before fd00::1")
    func precedenceExample() {
        #expect(
            sorted([("fd00::1", 1, false), ("192.0.2.1", 1, false), ("2001:db8::1", 1, false)])
                == ["2001:db8::1", "192.0.2.1", "fd00::1"])
    }

    @Test("deprecated addresses go last, whatever else they have")
    func deprecatedLast() {
        #expect(
            sorted([("2001:db8::1", 1, true), ("fe80::1", 2, false)]) == ["fe80::1", "2001:db8::1"])
        // Site-local and IPv4-compatible are deprecated types.
        #expect(sorted([("fec0::1", 1, false), ("::1", 1, false)]) == ["::1", "fec0::1"])
        #expect(sorted([("::8.8.8.8", 1, false), ("fe80::2", 1, false)]) == ["fe80::2", "::8.8.8.8"])
        // So is a block the registry has terminated.
        #expect(
            sorted([("192.88.99.1", 1, false), ("10.0.0.1", 1, false)]) == ["10.0.0.1", "192.88.99.1"])
    }

    @Test("wider scope first: global, site, link, host")
    func scopeOrder() {
        #expect(
            sorted([("::1", 1, false), ("fe80::1", 1, false), ("2001:db8::1", 1, false)])
                == ["2001:db8::1", "fe80::1", "::1"])
        let site = BindPreference(deprecated: false, scope: .site, precedence: 1, ifindex: 1, bytes: [])
        let link = BindPreference(
            deprecated: false, scope: .link, precedence: 99, ifindex: 0, bytes: [])
        #expect(BindPreference.ranksBefore(site, link))
        #expect(!BindPreference.ranksBefore(link, site))
    }

    @Test("then lower ifindex, then address bytes")
    func tieBreaks() {
        #expect(
            sorted([("2001:db8::1", 3, false), ("2001:db8::2", 2, false)]) == [
                "2001:db8::2", "2001:db8::1",
            ])
        #expect(
            sorted([("2001:db8::2", 2, false), ("2001:db8::1", 2, false)]) == [
                "2001:db8::1", "2001:db8::2",
            ])
        #expect(
            sorted([("192.0.2.9", 2, false), ("192.0.2.10", 2, false)]) == ["192.0.2.9", "192.0.2.10"])
        let same = BindPreference(classify("192.0.2.1"), ifindex: 1)
        #expect(!BindPreference.ranksBefore(same, same))
    }
}
