#if canImport(Glibc)
    import Glibc
    import Testing

    @testable import AddressClassification

    /// glibc's inet_pton(3) and inet_ntop(3) are the reference for which text
    /// is an address; compare on random and mutated strings.
    @Suite("Agreement with glibc inet_pton / inet_ntop")
    struct GlibcAgreementTests {
        private static func glibcParse(_ text: String) -> [UInt8]? {
            let family = text.contains(":") ? AF_INET6 : AF_INET
            var buffer = [UInt8](repeating: 0, count: 16)
            let result = text.withCString { inet_pton(family, $0, &buffer) }
            guard result == 1 else { return nil }
            return Array(buffer.prefix(family == AF_INET6 ? 16 : 4))
        }

        private static func glibcText(_ address: IPAddress) -> String {
            var output = [CChar](repeating: 0, count: Int(INET6_ADDRSTRLEN))
            let family = address.family == .inet6 ? AF_INET6 : AF_INET
            _ = address.bytes.withUnsafeBytes {
                inet_ntop(family, $0.baseAddress, &output, socklen_t(output.count))
            }
            return String(
                decoding: output.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
        }

        @Test("the same strings parse, to the same bytes")
        func parsingAgrees() {
            var generator = SeededGenerator(seed: 0x7074_6f6e)
            var random = RandomAddresses(seed: 0x6e74_6f70)
            let alphabet = Array("0123456789abcdefABCDEF:.:.:0000ffff1.2g% ")
            var accepted = 0
            for round in 0..<40_000 {
                var text: String
                if round % 2 == 0 {
                    let length = Int.random(in: 0...24, using: &generator)
                    text = String((0..<length).map { _ in alphabet.randomElement(using: &generator)! })
                } else {
                    // A valid address, perhaps in mixed notation, with one edit.
                    let address = random.next()
                    var characters = Array(
                        round % 4 == 1 || address.family == .inet
                            ? address.description : Self.glibcText(address))
                    let position = Int.random(in: 0...characters.count, using: &generator)
                    switch Int.random(in: 0...3, using: &generator) {
                    case 0 where position < characters.count: characters.remove(at: position)
                    case 1: characters.insert(alphabet.randomElement(using: &generator)!, at: position)
                    case 2 where position < characters.count:
                        characters[position] = alphabet.randomElement(using: &generator)!
                    default: break
                    }
                    text = String(characters)
                }
                let ours = try? IPAddress(text)
                let theirs = Self.glibcParse(text)
                #expect(ours?.bytes == theirs, "\"\(text)\"")
                if ours != nil { accepted += 1 }
            }
            #expect(accepted > 10_000, "enough valid strings were tried")
        }

        @Test("canonical text matches inet_ntop except IPv4-compatible mixed notation")
        func textAgrees() {
            var random = RandomAddresses(seed: 0x6e74_6f70)
            for _ in 0..<20_000 {
                let address = random.next()
                let theirs = Self.glibcText(address)
                if let groups = address.ipv6Groups, groups[0..<6].allSatisfy({ $0 == 0 }), groups[6] != 0 {
                    // glibc prints ::a.b.c.d for IPv4-compatible addresses; RFC 5952
                    // recommends mixed notation only where the prefix says IPv4.
                    #expect(theirs.contains("."))
                    continue
                }
                #expect(address.description == theirs)
            }
        }
    }
#endif
