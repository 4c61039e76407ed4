import Glibc
import Testing

@testable import AddressClassification

/// The one writer of address text (every reply, event, log line and classification) must be
/// byte for byte what glibc's inet_ntop writes, which is what `ip` prints and clients compare
/// against.
@Suite("Address text")
struct IPAddressTextTests {
    private func glibcText(_ address: IPAddress) -> String {
        var raw = address.bytes
        var text = [CChar](repeating: 0, count: Int(INET6_ADDRSTRLEN))
        let result = raw.withUnsafeMutableBytes { source in
            inet_ntop(Int32(address.family.rawValue), source.baseAddress, &text, socklen_t(text.count))
        }
        #expect(result != nil)
        return String(decoding: text.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }

    @Test(
        "edge cases: zero runs, ties, IPv4-compatible and -mapped forms",
        arguments: [
            "::", "::1", "::2", "1::", "1::1", "1:0:0:1:0:0:0:1", "1:0:0:1:0:0:1:1", "1:0:1:0:1:0:1:0",
            "0:1:0:1:0:1:0:1", "1:2:3:4:5:6:7:8", "1:2:3:4:5:6:7::", "::2:3:4:5:6:7:8", "1:0:2:3:4:5:6:7",
            "::ffff:192.0.2.1", "::192.0.2.1", "::ffff:0.0.0.0", "::ffff:0:0:1", "0:0:0:0:0:1:0:1",
            "::1:0:0:0", "fe80::b0:ff:fe00:1", "2001:db8::", "ff02::1:ff00:1", "2001:db8:0:0:1::",
            "ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff", "0.0.0.0", "255.255.255.255", "10.0.0.1",
            "192.0.2.100", "100.64.9.9",
        ])
    func edgeCases(text: String) throws {
        let address = try IPAddress(text)
        #expect(address.description == glibcText(address))
    }

    @Test("100,000 random addresses, mostly zero groups, match inet_ntop")
    func random() {
        // xorshift64: deterministic, so that a failure repeats.
        var state: UInt64 = 0x6269_6e64_7761_7463
        func nextRandom() -> UInt64 {
            state ^= state << 13
            state ^= state >> 7
            state ^= state << 17
            return state
        }
        var mismatches: [String] = []
        for _ in 0..<100_000 {
            let isIPv6 = nextRandom() % 4 != 0
            var bytes = [UInt8](repeating: 0, count: isIPv6 ? 16 : 4)
            // Zero groups are where the formatting rules are: make most groups zero.
            for group in 0..<(bytes.count / 2) where nextRandom() % 3 == 0 {
                let value = nextRandom()
                bytes[2 * group] = value % 2 == 0 ? 0 : UInt8(truncatingIfNeeded: value >> 8)
                bytes[2 * group + 1] = UInt8(truncatingIfNeeded: value >> 16)
            }
            let address = IPAddress(family: isIPv6 ? .inet6 : .inet, bytes: bytes)!
            let expected = glibcText(address)
            if address.description != expected { mismatches.append(expected) }
        }
        #expect(mismatches.isEmpty, "first mismatches: \(mismatches.prefix(5))")
    }
}
