import Foundation
import Logging
import NIOCore
import NIOEmbedded
import Synchronization
import Testing

import struct AddressClassification.Classification

@testable import BindwatchClient
@testable import BindwatchDaemon
@testable import BindwatchModel
@testable import BindwatchNetlink
@testable import BindwatchVarlink

@Suite("Varlink framing and calls", .timeLimit(.minutes(1)))
struct VarlinkTests {
    private func frames(_ chunks: [String]) throws -> [String] {
        let channel = EmbeddedChannel(handler: ByteToMessageHandler(VarlinkFrameDecoder()))
        // Closing breaks the channel's reference cycle with its pipeline (LeakSanitizer).
        defer { _ = try? channel.finish(acceptAlreadyClosed: true) }
        for chunk in chunks { try channel.writeInbound(ByteBuffer(string: chunk)) }
        var result: [String] = []
        while let frame = try channel.readInbound(as: ByteBuffer.self) { result.append(String(buffer: frame)) }
        return result
    }

    @Test("a message arriving a byte at a time is found once complete")
    func byteByByte() throws {
        #expect(try frames("{\"a\":1}\0{\"b\":2}\0".map { String($0) }) == ["{\"a\":1}", "{\"b\":2}"])
    }

    @Test("messages split on NUL, across and within reads")
    func framing() throws {
        #expect(try frames(["{\"a\":1}\0{\"b\"", ":2}\0{\"c\":3}"]) == ["{\"a\":1}", "{\"b\":2}"])
        #expect(try frames(["\0\0"]) == ["", ""])
    }

    @Test("more than 64 KiB without a NUL is refused")
    func tooLarge() throws {
        let channel = EmbeddedChannel(handler: ByteToMessageHandler(VarlinkFrameDecoder()))
        defer { _ = try? channel.finish(acceptAlreadyClosed: true) }
        let chunk = String(repeating: "x", count: 32 * 1024)
        try channel.writeInbound(ByteBuffer(string: chunk))
        try channel.writeInbound(ByteBuffer(string: chunk))
        #expect(throws: VarlinkProtocolError.messageTooLarge(limit: 65536)) {
            try channel.writeInbound(ByteBuffer(string: "y"))
        }
    }

    @Test(
        "requests parse; bad ones say why",
        arguments: [
            ("{\"method\":\"io.bindwatch.List\",\"parameters\":{\"all\":true},\"more\":true}", nil),
            ("not json", "not valid JSON"),
            ("[1,2]", "not a JSON object"),
            ("{\"parameters\":{}}", "no \"method\""),
            ("{\"method\":\"x\",\"parameters\":[]}", "not an object"),
            (String(repeating: "[", count: 5000) + String(repeating: "]", count: 5000), "not valid JSON"),
        ] as [(String, String?)])
    func requests(text: String, expectedError: String?) {
        do {
            let request = try VarlinkRequest(message: ByteBuffer(string: text))
            #expect(expectedError == nil)
            #expect(request.method == "io.bindwatch.List" && request.more && request.parameters["all"] == .bool(true))
        } catch {
            let description = error.description
            #expect(expectedError.map { description.contains($0) } == true, "\(description)")
            #expect(description.count < 300)
        }
    }

    @Test("invalid UTF-8 is refused")
    func invalidUTF8() {
        var buffer = ByteBuffer(string: "{\"method\":\"")
        buffer.writeBytes([0xFF, 0xFE])
        buffer.writeString("\"}")
        #expect(throws: VarlinkProtocolError.self) { try VarlinkRequest(message: buffer) }
    }

    @Test("JSON strings are escaped")
    func escaping() throws {
        var json = JSONWriter()
        json.string("a\"b\\c\n\u{01}é")
        let text = String(buffer: json.buffer)
        #expect(text == "\"a\\\"b\\\\c\\n\\u0001é\"")
        #expect(try JSONDecoder().decode(String.self, from: Data(text.utf8)) == "a\"b\\c\n\u{01}é")
    }

    @Test("the served IDL equals the checked-in .varlink file")
    func interfaceFile() throws {
        let url = URL(fileURLWithPath: #filePath)
            .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
            .appendingPathComponent("Sources/BindwatchVarlink/Protocol/io.bindwatch.varlink")
        #expect(try String(contentsOf: url, encoding: .utf8) == InterfaceDescription.bindwatch)
    }

    // MARK: Calls against a table

    private func call(
        _ method: String, _ parameters: [String: JSONValue] = [:], more: Bool = false, uid: UInt32 = 0
    ) async throws -> [JSONValue] {
        let table = LiveTable(
            logger: Logger(label: "test"), eventEncoder: VarlinkReply.writeWatchEvent(kind:generation:address:into:))
        _ = await table.apply(try RecordedMessages("dump-links").payloads)
        _ = await table.apply(try RecordedMessages("dump-addresses").payloads)
        await table.markReady()
        let dispatcher = VarlinkDispatcher(table: table, statistics: ServerStatistics(), startedAt: .now())
        let sink = CollectingSink()
        _ = try await dispatcher.handle(
            VarlinkRequest(method: method, parameters: parameters, more: more), sink: sink,
            signals: .forTests(uid: uid),
            logger: Logger(label: "test"))
        return sink.replies
    }

    @Test(
        "errors for unknown methods, interfaces and parameters",
        arguments: [
            ("io.bindwatch.Nope", [:], "org.varlink.service.MethodNotFound"),
            ("org.example.Thing", [:], "org.varlink.service.InterfaceNotFound"),
            ("io.bindwatch.List", ["bogus": .bool(true)], "org.varlink.service.InvalidParameter"),
            ("io.bindwatch.List", ["family": .string("inet7")], "org.varlink.service.InvalidParameter"),
            ("io.bindwatch.List", ["all": .string("yes")], "org.varlink.service.InvalidParameter"),
            ("io.bindwatch.Watch", [:], "org.varlink.service.ExpectedMore"),
            ("io.bindwatch.Wait", ["address": .string("not-an-address")], "io.bindwatch.InvalidAddress"),
            // Classify's and Explain's rules for a zone: IPv6 only, nothing unprintable.
            ("io.bindwatch.Wait", ["address": .string("192.0.2.1%veth0")], "io.bindwatch.InvalidAddress"),
            ("io.bindwatch.Wait", ["address": .string("fe80::1%veth\u{1}")], "io.bindwatch.InvalidAddress"),
            ("io.bindwatch.Wait", ["address": .string("fe80::1%")], "io.bindwatch.InvalidAddress"),
            (
                "io.bindwatch.Wait", ["address": .string("fe80::b0:ff:fe00:1%lo"), "interface": .string("veth0")],
                "org.varlink.service.InvalidParameter"
            ),
            (
                "io.bindwatch.Wait", ["address": .string("192.0.2.99"), "timeout": .number(0.05)],
                "io.bindwatch.Timeout"
            ),
            ("io.bindwatch.Wait", ["scope": .string("host")], "org.varlink.service.InvalidParameter"),
            ("io.bindwatch.Wait", ["settled": .string("yes")], "org.varlink.service.InvalidParameter"),
            ("io.bindwatch.Reload", ["force": .bool(true)], "org.varlink.service.InvalidParameter"),
            (
                "org.varlink.service.GetInterfaceDescription", ["interface": .string("x.y")],
                "org.varlink.service.InterfaceNotFound"
            ),
        ] as [(String, [String: JSONValue], String)])
    func errors(method: String, parameters: [String: JSONValue], error: String) async throws {
        let replies = try await call(method, parameters)
        #expect(replies.count == 1)
        #expect(replies.first?["error"] == .string(error))
    }

    @Test("Reload is for root and the daemon's own user; anyone else gets PermissionDenied and nothing happens")
    func reloadPermission() async throws {
        let denied = try await call("io.bindwatch.Reload", uid: 1234)
        #expect(denied.first?["error"] == .string("io.bindwatch.PermissionDenied"))
        // Root passes the check; this dispatcher has no reloader, so the method is missing.
        let root = try await call("io.bindwatch.Reload", uid: 0)
        #expect(root.first?["error"] == .string("org.varlink.service.MethodNotFound"))
    }

    @Test("List: bindable set by default, filters, generation")
    func list() async throws {
        let bindable = try await call("io.bindwatch.List")
        guard case .array(let addresses)? = bindable.first?["parameters"]?["addresses"] else {
            Issue.record("no addresses")
            return
        }
        // 2001:db8:71::1 is still tentative in the recorded dump.
        #expect(addresses.count == 7)
        let all = try await call(
            "io.bindwatch.List", ["all": .bool(true), "family": .string("inet6"), "interface": .string("veth0")])
        guard case .array(let inet6)? = all.first?["parameters"]?["addresses"] else {
            Issue.record("no addresses")
            return
        }
        #expect(inet6.count == 4)
        let tentative = inet6.first { $0["address"] == .string("2001:db8:71::1") }
        #expect(tentative?["bindable"] == .bool(false))
        #expect(tentative?["reasons"] == .array([.string("tentative")]))
        #expect(tentative?["id"] == .string("2/2001:db8:71::1"))
        #expect(tentative?["flags"] == .array([.string("tentative"), .string("permanent")]))
        #expect(tentative?["preferredLifetime"] == .null)
    }

    @Test("Wait answers at once when a match is bindable, skipping loopback")
    func waitImmediate() async throws {
        let replies = try await call("io.bindwatch.Wait", ["family": .string("inet")])
        #expect(replies.first?["parameters"]?["address"]?["address"] != .string("127.0.0.1"))
        #expect(replies.first?["parameters"]?["address"]?["family"] == .string("inet"))
        let exact = try await call("io.bindwatch.Wait", ["address": .string("fe80::b0:ff:fe00:1%veth0")])
        #expect(exact.first?["parameters"]?["address"]?["interface"] == .string("veth0"))
        // The zone is the interface: the same address on another link does not match.
        let elsewhere = try await call(
            "io.bindwatch.Wait", ["address": .string("fe80::b0:ff:fe00:1%lo"), "timeout": .number(0.05)])
        #expect(elsewhere.first?["error"] == .string("io.bindwatch.Timeout"))
    }

    @Test(
        "Wait: a zone names the link by name or index, as Explain's does; another link's zone does not match",
        arguments: [
            (["address": .string("fe80::b0:ff:fe00:1%2")], true),
            (["address": .string("fe80::b0:ff:fe00:1%2"), "interface": .string("veth0")], true),
            (["address": .string("fe80::b0:ff:fe00:1%veth0"), "interface": .string("veth0")], true),
            (["address": .string("fe80::b0:ff:fe00:1%1")], false),
            (["address": .string("fe80::b0:ff:fe00:1%3")], false),
        ] as [([String: JSONValue], Bool)])
    func waitZone(parameters: [String: JSONValue], answers: Bool) async throws {
        var call = parameters
        call["timeout"] = .number(0.05)
        let reply = try await self.call("io.bindwatch.Wait", call).first
        if answers {
            #expect(reply?["parameters"]?["address"]?["interface"] == .string("veth0"))
        } else {
            #expect(reply?["error"] == .string("io.bindwatch.Timeout"))
        }
    }

    @Test("GetInfo and GetInterfaceDescription")
    func service() async throws {
        let info = try await call("org.varlink.service.GetInfo")
        #expect(
            info.first?["parameters"]?["interfaces"]
                == .array([.string("org.varlink.service"), .string("io.bindwatch")]))
        let description = try await call(
            "org.varlink.service.GetInterfaceDescription", ["interface": .string("io.bindwatch")])
        #expect(description.first?["parameters"]?["description"] == .string(InterfaceDescription.bindwatch))
    }

    @Test("every address carries its type")
    func types() async throws {
        let replies = try await call("io.bindwatch.List", ["all": .bool(true)])
        guard case .array(let addresses)? = replies.first?["parameters"]?["addresses"] else {
            Issue.record("no addresses")
            return
        }
        let types = Dictionary(
            uniqueKeysWithValues: addresses.map { ($0["address"]?.text ?? "", $0["type"]?.text ?? "") })
        #expect(types["::1"] == "loopback")
        #expect(types["fe80::b0:ff:fe00:1"] == "link-local")
        #expect(types["2001:db8:70::1"] == "global-unicast")
        #expect(types["10.9.9.1"] == "private")
        #expect(types["127.0.0.1"] == "loopback")
    }

    @Test("Classify: 1000::1 is global unicast, outside 2000::/3, refused as a gateway by old kernels")
    func classify() async throws {
        let reply = try await call("io.bindwatch.Classify", ["address": .string("1000::1")]).first?["parameters"]
        #expect(reply?["type"] == .string("global-unicast"))
        #expect(reply?["ianaGlobalUnicast"] == .bool(false))
        #expect(reply?["kernel"]?["gatewayAccepted"] == .bool(true))
        #expect(reply?["legacyKernel"]?["gatewayAccepted"] == .bool(false))
        #expect(reply?["explanation"]?.text.contains("outside IANA's 2000::/3") == true)
        let zoned = try await call("io.bindwatch.Classify", ["address": .string("fe80::1%eth0")]).first?["parameters"]
        #expect(zoned?["address"] == .string("fe80::1%eth0"))
        let bad = try await call("io.bindwatch.Classify", ["address": .string("1.2.3.256")]).first
        #expect(bad?["error"] == .string("io.bindwatch.InvalidAddress"))
    }

    @Test("Explain: every copy with each reason and the rule behind it; NoSuchAddress otherwise")
    func explain() async throws {
        let reply = try await call("io.bindwatch.Explain", ["address": .string("2001:db8:71::1")]).first?["parameters"]
        guard case .array(let copies)? = reply?["addresses"] else {
            Issue.record("no addresses: \(String(describing: reply))")
            return
        }
        #expect(copies.count == 1)
        #expect(
            copies.first?["reasons"]
                == .array([
                    .object([
                        "reason": .string("tentative"), "source": .string("kernel"),
                        "detail": .string(
                            "Duplicate Address Detection is still running (IFA_F_TENTATIVE, not optimistic); "
                                + "bind() fails with EADDRNOTAVAIL until it ends"),
                    ])
                ]))
        #expect(reply?["classification"]?["type"] == .string("global-unicast"))
        let missing = try await call("io.bindwatch.Explain", ["address": .string("2001:db8::dead")]).first
        #expect(missing?["error"] == .string("io.bindwatch.NoSuchAddress"))
    }

    @Test(
        "Explain: a zone names the link by name or index; another link's zone finds nothing",
        arguments: [("%veth0", 1), ("%2", 1), ("%3", 0), ("%uplink0", 0), ("", 1)])
    func explainZone(zone: String, copies: Int) async throws {
        let reply = try await call("io.bindwatch.Explain", ["address": .string("fe80::b0:ff:fe00:1" + zone)]).first
        if copies == 0 {
            #expect(reply?["error"] == .string("io.bindwatch.NoSuchAddress"))
        } else {
            guard case .array(let found)? = reply?["parameters"]?["addresses"] else {
                Issue.record("no addresses: \(String(describing: reply))")
                return
            }
            #expect(found.count == copies)
        }
    }

    @Test(
        "Classify writes an address as the table does, in one form for every method",
        arguments: [
            ("::c000:201", "::192.0.2.1"), ("::ffff:c000:201", "::ffff:192.0.2.1"), ("2001:DB8::0:1", "2001:db8::1"),
        ])
    func classifyText(input: String, canonical: String) async throws {
        let reply = try await call("io.bindwatch.Classify", ["address": .string(input)]).first?["parameters"]
        #expect(reply?["address"] == .string(canonical))
        #expect(try IPAddress(input).description == canonical)
    }

    @Test(
        "the client library reads Classify's reply as the classifier made it",
        arguments: ["64:ff9b::1", "1000::1", "192.168.1.1", "fe80::1%eth0", "ff02::1", "2001:db8::1", "100.64.0.1"])
    func classifyDecoded(input: String) async throws {
        let reply = try await call("io.bindwatch.Classify", ["address": .string(input)]).first
        guard case .object(let parameters)? = reply?["parameters"] else {
            Issue.record("no parameters: \(String(describing: reply))")
            return
        }
        let decoded = try ClassificationResult(fields: ReplyFields(parameters))
        let expected = try Classification(parsing: input)
        #expect(decoded.address == expected.zonedAddress.description)
        #expect(decoded.family == expected.zonedAddress.address.family)
        #expect(decoded.type == expected.type)
        #expect(decoded.ianaGlobalUnicast == expected.ianaGlobalUnicast)
        #expect(decoded.special?.prefix == expected.special?.prefix)
        #expect(decoded.special?.rfc == expected.special?.rfc)
        #expect(decoded.globallyReachable == expected.globallyReachable)
        #expect((decoded.kernel == nil) == (expected.kernel == nil))
        #expect(decoded.precedence == expected.precedence)
        #expect(decoded.label == expected.label)
    }

    @Test("List with more streams parts; the last has snapshotComplete")
    func listMore() async throws {
        let replies = try await call("io.bindwatch.List", ["all": .bool(true)], more: true)
        #expect(replies.count == 1)
        #expect(replies.last?["parameters"]?["snapshotComplete"] == .bool(true))
        #expect(replies.last?["continues"] == nil)
    }
}

@Suite("JSON parser", .timeLimit(.minutes(1)))
struct JSONParserTests {
    @Test(
        "valid documents",
        arguments: [
            (
                "{\"a\":[1,-2.5e3,true,false,null,\"x\"]}",
                JSONValue.object([
                    "a": .array([.number(1), .number(-2500), .bool(true), .bool(false), .null, .string("x")])
                ])
            ),
            (" [ ] ", .array([])),
            ("\"\\u00e9\\ud83d\\ude00\\n\\\"\"", .string("é😀\n\"")),
            ("0", .number(0)),
        ] as [(String, JSONValue)])
    func valid(text: String, expected: JSONValue) throws {
        #expect(try JSONParser.parse(Array(text.utf8)) == expected)
    }

    @Test(
        "invalid documents are refused with a reason",
        arguments: [
            "", "{", "[1,]", "{\"a\" 1}", "01", "1.", "-", "tru", "\"\\x\"", "\"\\ud800\"", "[1] 2", "\"a\u{01}\"",
            "{\"a\":1,}", "nan", String(repeating: "[", count: 65) + String(repeating: "]", count: 65),
        ])
    func invalid(text: String) {
        #expect(throws: JSONParser.Failure.self) { try JSONParser.parse(Array(text.utf8)) }
    }

    @Test("nesting up to the limit is fine")
    func depth() throws {
        let text = String(repeating: "[", count: 64) + String(repeating: "]", count: 64)
        #expect(throws: Never.self) { try JSONParser.parse(Array(text.utf8)) }
    }

    @Test("invalid UTF-8 inside a string is refused")
    func invalidUTF8() {
        #expect(throws: JSONParser.Failure.self) { try JSONParser.parse([0x22, 0xC3, 0x28, 0x22]) }
    }
}
