import Foundation
import Testing

@testable import AddressClassification

@Suite("JSON shape")
struct EncodingTests {
    private func json(_ text: String) throws -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        let data = try encoder.encode(try Classification(parsing: text))
        return String(decoding: data, as: UTF8.self)
    }

    @Test("IPv6 with a registry row and a zone")
    func ipv6() throws {
        #expect(
            try json("fe80::1%eth0")
                == #"{"address":"fe80::1%eth0","family":"inet6","globallyReachable":false,"#
                + #""ianaGlobalUnicast":false,"kernel":{"gatewayAccepted":true,"typeBits":131105},"#
                + #""label":1,"legacyKernel":{"gatewayAccepted":true,"typeBits":131105},"#
                + #""precedence":40,"scope":"link","special":{"destination":true,"forwardable":false,"#
                + #""globallyReachable":false,"name":"Link-Local Unicast","prefix":"fe80::\/10","#
                + #""reservedByProtocol":true,"rfc":"RFC 4291","source":true},"type":"link-local"}"#)
    }

    @Test("IPv4 without a row writes nulls, and N/A flags are null")
    func nulls() throws {
        #expect(
            try json("8.8.8.8")
                == #"{"address":"8.8.8.8","family":"inet","globallyReachable":true,"#
                + #""ianaGlobalUnicast":null,"kernel":null,"label":4,"legacyKernel":null,"#
                + #""precedence":35,"scope":"global","special":null,"type":"global-unicast"}"#)
        #expect(try json("2001::1").contains(#""globallyReachable":null"#))
    }
}
